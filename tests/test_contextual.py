"""Contextual features and fine-tuning, on a tiny random BERT built here, and the packaged MiniLM."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from transformers import BertConfig, BertModel, BertTokenizerFast

from conftest import bert_cfg, fit_options, make_params
from embedding_bench import devices, experiment, token_features, transformer_models
from embedding_bench.cnn import FeatureCNN, KimHead
from embedding_bench.errors import UserError
from embedding_bench.finetuning import BertFineTuned, LabelTokenHead, Tokenized, label_prompt
from embedding_bench.token_features import TokenFeatures
from embedding_bench.training import LabelCorrelationLoss, fit, make_reproducible, predict

WORDS = ["i", "am", "not", "happy", "sad", "so", "today", "love", "you", "##s", "the", "game"]
TEXTS = ["i am not happy", "so sad today", "love you", "i love the game so so so much today",
         "happy", "not sad"]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A 2-layer, 32-wide random BERT and a WordPiece tokenizer, saved as a local model dir."""
    folder = tmp_path_factory.mktemp("tiny-bert")
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + WORDS
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n")
    BertTokenizerFast(str(folder / "vocab.txt")).save_pretrained(folder)
    torch.manual_seed(0)
    config = BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=64, max_position_embeddings=64)
    BertModel(config).save_pretrained(folder, safe_serialization=True)
    return bert_cfg(folder, max_length=16, batch_size=4)


def load(cfg, dtype=torch.float32):
    return transformer_models.load_model(cfg, dtype), transformer_models.load_tokenizer(cfg)


def changed(cfg, **update):
    """The same bert params with some changed, as `dvc exp run -S bert.x=...` would give them."""
    return cfg.model_copy(update=update)


def test_features_shape_dtype_lengths(tiny, tmp_path):
    model, tok = load(tiny)
    stats = token_features.extract(model, tok, TEXTS, tiny, tmp_path / "f")
    feats = TokenFeatures(tmp_path / "f", min_len=5)
    lengths = [len(tok(t)["input_ids"]) for t in TEXTS]  # with [CLS] and [SEP]
    assert stats["tokens"] == sum(lengths) and len(feats) == len(TEXTS)
    assert feats.flat.dtype == np.float16 and feats.flat.shape == (sum(lengths), 32)
    assert isinstance(feats.flat, np.memmap)  # streamed from disk, not loaded
    batch = feats.batch([2, 3])
    assert batch.shape == (2, max(lengths[2], lengths[3]), 32)
    assert torch.all(batch[0, lengths[2]:] == 0)  # padding is zeros
    assert feats.batch([4]).shape[1] == 5  # short texts padded to the widest filter


def test_a_texts_features_do_not_depend_on_its_batch(tiny, tmp_path):
    model, tok = load(tiny)
    token_features.extract(model, tok, TEXTS, tiny, tmp_path / "batched")
    token_features.extract(model, tok, TEXTS, changed(tiny, batch_size=1), tmp_path / "alone")
    batched, alone = TokenFeatures(tmp_path / "batched", 1), TokenFeatures(tmp_path / "alone", 1)
    assert np.array_equal(batched.offsets, alone.offsets)
    np.testing.assert_allclose(batched.flat, alone.flat, atol=2e-3)
    with torch.inference_mode():  # and they are the model's real last hidden states
        direct = model(**tok(TEXTS[0], return_tensors="pt")).last_hidden_state[0].numpy()
    np.testing.assert_allclose(batched.flat[:len(direct)], direct, atol=2e-3)


def test_writes_overlapping_the_next_batch_store_every_batch_once_and_in_place(tiny, tmp_path):
    # 60 batches of 2 (the writer thread's pages are released after the 50th) against one batch
    texts = [f"{t} {i}" for i in range(20) for t in TEXTS][:120]
    model, tok = load(tiny)
    token_features.extract(model, tok, texts, changed(tiny, batch_size=2), tmp_path / "many", overlap=True)
    token_features.extract(model, tok, texts, changed(tiny, batch_size=len(texts)), tmp_path / "one", overlap=False)
    many, one = TokenFeatures(tmp_path / "many", 1), TokenFeatures(tmp_path / "one", 1)
    assert np.array_equal(many.offsets, one.offsets)
    assert not (np.abs(many.flat).sum(axis=1) == 0).any()  # no row left unwritten
    np.testing.assert_allclose(many.flat, one.flat, atol=2e-3)


def test_a_failing_write_fails_the_extraction(tiny, tmp_path, monkeypatch):
    model, tok = load(tiny)

    def full_disk(*args):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(token_features, "_store", full_disk)
    for overlap in (True, False):
        with pytest.raises(OSError, match="No space left"):
            token_features.extract(model, tok, TEXTS, tiny, tmp_path / "f", overlap=overlap)
        assert not (tmp_path / "f.offsets.npy").exists()


def test_bfloat16_close_to_float32_and_layer_mean(tiny, tmp_path):
    _, tok = load(tiny)
    token_features.extract(load(tiny)[0], tok, TEXTS, tiny, tmp_path / "f32")
    token_features.extract(load(tiny, torch.bfloat16)[0], tok, TEXTS, tiny, tmp_path / "bf16")
    f32, bf16 = (np.asarray(TokenFeatures(tmp_path / n, 1).flat, np.float32) for n in ("f32", "bf16"))
    assert np.abs(f32 - bf16).mean() < 0.05 * np.abs(f32).mean()
    token_features.extract(load(tiny)[0], tok, TEXTS, changed(tiny, last_n=2), tmp_path / "mean2")
    assert not np.allclose(TokenFeatures(tmp_path / "mean2", 1).flat, f32, atol=1e-2)


def test_finetuning_changes_transformer_weights_frozen_does_not(tiny, tmp_path):
    make_reproducible(0)
    y = np.array([[1, 0], [0, 1], [1, 0], [1, 0], [1, 0], [0, 1]], dtype=np.float32)
    train_cfg = fit_options(optimizer="adamw", lr=1e-3, transformer_lr=1e-3, batch_size=3, max_epochs=2,
                            patience=5, accumulate=2)
    model, tok = load(tiny)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    # frozen: features once, then only the head trains
    token_features.extract(model, tok, TEXTS, tiny, tmp_path / "f")
    feats = TokenFeatures(tmp_path / "f", 5)
    fit(FeatureCNN(32, 2, filters=4), (feats, y), (feats, y), train_cfg, seed=0)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    # fine-tuned: the transformer's weights move
    e2e = BertFineTuned(model, KimHead(32, 2, filters=4))
    ids = Tokenized(tok, TEXTS, 16, 5)
    summary = fit(e2e, (ids, y), (ids, y), train_cfg, seed=0)
    after = e2e.transformer.state_dict()
    assert not torch.equal(before["encoder.layer.0.attention.self.query.weight"],
                           after["encoder.layer.0.attention.self.query.weight"])
    assert summary["epochs_run"] == 2


def test_fragmentation(tiny):
    tok = transformer_models.load_tokenizer(tiny)
    frag = transformer_models.fragmentation(tok, [["happy", "games"], ["zzz"]])
    # happy -> 1 piece, games -> game ##s, zzz -> [UNK]: 4 pieces for 3 words, 1 unknown
    assert frag == {"pieces_per_word": round(4 / 3, 4), "unk_share": 0.25}


def test_packaged_minilm_loads_and_embeds_offline(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    cfg = bert_cfg("package", max_length=16, batch_size=4)
    model, tok = load(cfg, torch.bfloat16)
    assert model.config.hidden_size == 384 and model.config.num_hidden_layers == 6
    token_features.extract(model, tok, ["i am so happy today", "i am not happy today"], cfg,
                           tmp_path / "m")
    feats = TokenFeatures(tmp_path / "m", 1)
    a, b = feats.batch([0]), feats.batch([1])
    assert feats.width == 384 and a.shape[1] == 7 and b.shape[1] == 7
    cos = torch.nn.functional.cosine_similarity(a[0, 4], b[0, 4], dim=0)  # "happy" in each
    assert 0.3 < cos < 0.999  # the same word, changed by its context


def test_remote_code_off_unless_asked(tiny):
    assert transformer_models.load_options(tiny)[1] == {"local_files_only": True, "revision": None,
                                          "trust_remote_code": False}
    hub = transformer_models.load_options(bert_cfg("vinai/bertweet-base", revision="abc123",
                                                   trust_remote_code=True))
    assert hub == ("vinai/bertweet-base", {"local_files_only": False, "revision": "abc123",
                                           "trust_remote_code": True})


def test_missing_or_pickle_only_models_are_clear_errors(tiny, tmp_path):
    missing = changed(tiny, model=str(tmp_path / "no-such-model"))
    with pytest.raises(UserError, match=r"bert.model '.*no-such-model': cannot load its"):
        transformer_models.load_model(missing)
    pickled = tmp_path / "pickled"  # config and tokenizer, but weights only as pytorch_model.bin
    pickled.mkdir()
    for name in Path(tiny.model).iterdir():
        if name.suffix != ".safetensors":
            (pickled / name.name).write_bytes(name.read_bytes())
    (pickled / "pytorch_model.bin").write_bytes(b"not read")
    with pytest.raises(UserError, match=r"cannot load its weights .*safetensors only"):
        transformer_models.load_model(changed(tiny, model=str(pickled)))


def test_label_prompt_goes_first_and_each_label_finds_its_own_pieces(tiny):
    tok = transformer_models.load_tokenizer(tiny)
    prompt, positions = label_prompt(tok, ["happy", "sad", "love_you"], 16)
    assert prompt == "happy sad love you"
    assert positions == [[1], [2], [3, 4]]  # after [CLS]; love_you is two words, two pieces
    ids = Tokenized(tok, TEXTS, 12, 1, prompt)
    batch = ids.batch([0, 3])
    first = tok.convert_ids_to_tokens(batch["input_ids"][0])
    assert first[:10] == ["[CLS]", "happy", "sad", "love", "you", "[SEP]", "i", "am", "not", "happy"]
    assert batch["token_type_ids"][0].tolist()[:7] == [0] * 6 + [1]  # the text is segment 2
    long = tok.convert_ids_to_tokens(batch["input_ids"][1])  # cut to 12: the text, never the prompt
    assert len(long) == 12 and long[:6] == first[:6] and long[-1] == "[SEP]"
    with pytest.raises(UserError, match="bert.max_length 6 leaves no room for the text"):
        label_prompt(tok, ["happy", "sad", "love_you"], 6)


def test_label_token_head_reads_each_labels_pieces():
    torch.manual_seed(0)
    head = LabelTokenHead(8, [[1], [2, 3]], dropout=0.0)
    states = torch.randn(2, 6, 8)
    logits = head([states])
    assert logits.shape == (2, 2)
    expected = head.ffn(torch.stack([states[:, 1], states[:, 2:4].mean(1)], dim=1)).squeeze(-1)
    torch.testing.assert_close(logits, expected)
    changed = states.clone()
    changed[:, 5] += 10.0  # a text token: no label reads it directly
    torch.testing.assert_close(head([changed]), logits)


def test_label_correlation_loss_values():
    logits = torch.tensor([[2.0, 0.0, -1.0], [0.5, 0.5, 0.5], [1.0, -1.0, 0.0]])
    y = torch.tensor([[1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [1.0, 1.0, 0.0]])
    p = torch.sigmoid(logits)
    first = (torch.exp(p[0, 1] - p[0, 0]) + torch.exp(p[0, 2] - p[0, 0])) / 2  # 2 pairs
    third = (torch.exp(p[2, 2] - p[2, 0]) + torch.exp(p[2, 2] - p[2, 1])) / 2
    expected = (first + 0.0 + third) / 3  # the text without a present label adds 0
    lca = LabelCorrelationLoss()
    torch.testing.assert_close(lca(logits, y), expected)
    # lower when the present label is ranked above the absent ones by more
    ranked = torch.tensor([[5.0, -5.0, -5.0]])
    assert lca(ranked, y[:1]) < lca(logits[:1], y[:1])


def test_layer_decay_gives_lower_layers_lower_learning_rates(tiny):
    model = BertFineTuned(transformer_models.load_model(tiny), KimHead(32, 2, filters=4))
    rates = {id(p): g["lr"] for g in model.param_groups(1e-2, 1e-3, 0.5) for p in g["params"]}
    named = dict(model.named_parameters())
    assert rates[id(named["transformer.embeddings.word_embeddings.weight"])] == pytest.approx(2.5e-4)
    assert rates[id(named["transformer.encoder.layer.0.attention.self.query.weight"])] == pytest.approx(5e-4)
    assert rates[id(named["transformer.encoder.layer.1.output.dense.weight"])] == pytest.approx(1e-3)
    assert rates[id(named["transformer.pooler.dense.weight"])] == pytest.approx(1e-3)
    assert rates[id(named["head.out.weight"])] == 1e-2
    assert len(rates) == len(named)  # every parameter trains, once
    one_rate = model.param_groups(1e-2, 1e-3, 1.0)
    assert [g["lr"] for g in one_rate] == [1e-3, 1e-2]


def test_label_tokens_finetune_trains_saves_and_reloads(tiny, tmp_path):
    """The SpanEmo configuration through experiment.py as the stages use it: label-aware inputs,
    the label head, LCA loss, layer decay and last-two-layer pooling; the saved model predicts the
    same after loading."""
    make_reproducible(0)
    p = make_params(embedding="bert", device="cpu", bert__model=tiny.model, bert__finetune=True,
                    bert__head="label_tokens", bert__max_length=16, bert__finetune_epochs=2,
                    bert__finetune_batch_size=3, bert__finetune_batch_tokens=0,  # 2 batches of 3
                    bert__layer_decay=0.8, bert__last_n=2, train__lca_weight=0.2)
    labels = ["happy", "sad", "love_you"]
    table = pd.DataFrame({"text": TEXTS, "happy": [0, 0, 0, 1, 1, 0], "sad": [0, 1, 0, 0, 0, 1],
                          "love_you": [0, 0, 1, 1, 0, 0]})
    model, config = experiment.new_model(p, labels, {})
    assert config["label_positions"] == [[1], [2], [3, 4]] and isinstance(model.head, LabelTokenHead)
    data = experiment.inputs(config, {"train": table, "val": table}, {})
    options = experiment.KINDS["finetune"].fit_options(p)
    assert options.optimizer == "adamw" and options.lca_weight == 0.2 and options.schedule is not None
    summary = fit(model, data["train"], data["val"], options, 0)
    assert summary["epochs_run"] == 2
    experiment.save(model, tmp_path / "model", config)
    loaded, loaded_config = experiment.load(tmp_path / "model")
    assert loaded_config["finetune_head"] == "label_tokens" and loaded.last_n == 2
    saved, reloaded = model.state_dict(), loaded.state_dict()
    assert saved.keys() == reloaded.keys() and all(torch.equal(saved[k], reloaded[k]) for k in saved)
    probs = predict(model, data["val"][0])
    assert probs.shape == (6, 3)
    # the same weights, but not the same float32 sums: on an avx512 machine the two copies' kernels
    # differed by 5.5e-6 (each is deterministic on its own); on AVX2 ones by nothing
    np.testing.assert_allclose(predict(loaded, data["val"][0]), probs, atol=2e-5)


def test_packaged_minilm_label_prompt_covers_semeval_labels():
    tok = transformer_models.load_tokenizer(bert_cfg("package"))
    labels = ["anger", "anticipation", "disgust", "fear", "joy", "love", "optimism", "pessimism",
              "sadness", "surprise", "trust"]
    prompt, positions = label_prompt(tok, labels, 128)
    ids = tok(prompt, "so happy")["input_ids"]
    for label, pieces in zip(labels, positions):
        assert pieces == list(range(pieces[0], pieces[-1] + 1))  # contiguous
        assert tok.decode([ids[i] for i in pieces]).replace(" ", "") == label
    flat = [i for pieces in positions for i in pieces]
    assert flat == sorted(set(flat)) and flat[0] == 1  # disjoint, in order, right after [CLS]


SEMEVAL_LABELS = ["anger", "anticipation", "disgust", "fear", "joy", "love", "optimism", "pessimism",
                  "sadness", "surprise", "trust"]


def trained_tokenizer(kind):
    """A small fast tokenizer of a family whose pieces carry the space before a word: sentencepiece
    style (Metaspace, Unigram: XLM-R, DeBERTa-v3) or byte-level BPE without offset trimming."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    corpus = [" ".join(SEMEVAL_LABELS), "i am so happy today", "anticipate the anger", "trust me"] * 3
    specials = ["<s>", "<pad>", "</s>", "<unk>"]
    if kind == "sentencepiece":
        tok = Tokenizer(models.Unigram())
        tok.pre_tokenizer = pre_tokenizers.Metaspace()
        tok.train_from_iterator(corpus, trainers.UnigramTrainer(vocab_size=120, special_tokens=specials,
                                                                unk_token="<unk>"))
        tok.post_processor = processors.TemplateProcessing(
            single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>", special_tokens=[("<s>", 0), ("</s>", 2)])
    else:
        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        tok.train_from_iterator(corpus, trainers.BpeTrainer(
            vocab_size=300, special_tokens=specials, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
        tok.post_processor = processors.RobertaProcessing(("</s>", 2), ("<s>", 0), trim_offsets=False,
                                                          add_prefix_space=False)
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>",
                                   pad_token="<pad>", unk_token="<unk>")


@pytest.mark.parametrize("kind", ["sentencepiece", "bytelevel"])
def test_label_prompt_pieces_with_a_leading_space_marker(kind):
    tok = trained_tokenizer(kind)
    prompt, positions = label_prompt(tok, SEMEVAL_LABELS, 128)
    pieces = tok.convert_ids_to_tokens(tok(prompt, "x")["input_ids"])
    for label, found in zip(SEMEVAL_LABELS, positions):
        # every piece of the label, and nothing else: the space marker (▁ or Ġ) aside, they spell it
        assert "".join(pieces[i] for i in found).lstrip("▁Ġ") == label, (label, [pieces[i] for i in found])


def test_label_prompt_refuses_tokenizers_it_cannot_map(tmp_path):
    from transformers import BertweetTokenizer

    (tmp_path / "vocab.txt").write_text("happy 1\nsad 1\n")
    (tmp_path / "bpe.codes").write_text("#version: 0.2\n")
    slow = BertweetTokenizer(str(tmp_path / "vocab.txt"), str(tmp_path / "bpe.codes"))  # Python-only
    assert not slow.is_fast
    with pytest.raises(UserError, match="label_tokens finds each label's word pieces with a fast tokenizer"):
        label_prompt(slow, ["happy"], 16)


def test_a_cuda_device_without_cuda_is_one_clear_error():
    if torch.cuda.is_available():
        assert devices.pick_device("cuda") == "cuda"
    else:
        with pytest.raises(UserError, match=r"device: cuda, but torch .* sees no CUDA GPU here; use device: auto"):
            devices.pick_device("cuda")
    assert devices.pick_device("cpu") == "cpu"


def test_params_the_model_cannot_honour_are_refused_on_loading(tiny, tmp_path):
    # the tiny model: 2 layers (3 hidden states), 64 positions; out of range these failed deep
    # in torch (IndexError, a tensor-size error) or were silently clipped
    for update, message in [({"layer": 3}, r"bert.layer is 3, but .* has 3 hidden states .* use -3..2"),
                            ({"layer": -4}, r"bert.layer is -4"),
                            ({"last_n": 4}, r"bert.last_n is 4, but .* use 1..3"),
                            ({"max_length": 65}, r"bert.max_length is 65, but .* reads at most 64 tokens")]:
        with pytest.raises(UserError, match=message):
            transformer_models.load_model(changed(tiny, **update))
    assert transformer_models.load_model(changed(tiny, layer=-3, last_n=3, max_length=64)) is not None
    weights_only = tmp_path / "no-tokenizer"  # model.save_pretrained without the tokenizer
    transformer_models.load_model(tiny).save_pretrained(weights_only, safe_serialization=True)
    with pytest.raises(UserError, match=r"its tokenizer knows \d+ tokens, the model \d+: the tokenizer files are missing"):
        transformer_models.load_tokenizer(changed(tiny, model=str(weights_only)))
    foreign = tmp_path / "foreign"  # a tokenizer with more ids than the model has embeddings
    tokenizer = transformer_models.load_tokenizer(tiny)
    tokenizer.save_pretrained(foreign)
    BertModel(BertConfig(vocab_size=len(tokenizer) - 1, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                         intermediate_size=64)).save_pretrained(foreign, safe_serialization=True)
    with pytest.raises(UserError, match=rf"its tokenizer knows {len(tokenizer)} tokens, the model {len(tokenizer) - 1}"):
        transformer_models.load_tokenizer(changed(tiny, model=str(foreign)))


def test_positions_bound_as_each_family_numbers_them(tmp_path):
    from transformers import DebertaV2Config, DebertaV2Model, RobertaConfig, RobertaModel

    small = dict(vocab_size=40, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                 intermediate_size=32, max_position_embeddings=66)
    RobertaModel(RobertaConfig(**small)).save_pretrained(tmp_path / "roberta", safe_serialization=True)
    with pytest.raises(UserError, match=r"bert.max_length is 65, but .* reads at most 64 tokens"):
        transformer_models.load_model(bert_cfg(tmp_path / "roberta", max_length=65))  # positions from padding_idx + 1
    assert transformer_models.load_model(bert_cfg(tmp_path / "roberta", max_length=64)) is not None
    DebertaV2Model(DebertaV2Config(**small, relative_attention=True, position_biased_input=False)) \
        .save_pretrained(tmp_path / "deberta", safe_serialization=True)
    deberta = bert_cfg(tmp_path / "deberta", max_length=512)
    assert transformer_models.load_model(deberta) is not None  # relative positions only


def test_an_encoder_decoder_model_is_refused(tmp_path):
    from transformers import T5Config, T5Model

    T5Model(T5Config(vocab_size=64, d_model=16, d_kv=8, d_ff=32, num_layers=1, num_heads=2)) \
        .save_pretrained(tmp_path, safe_serialization=True)
    with pytest.raises(UserError, match=r"is an encoder-decoder model \(t5\); token features need an encoder"):
        transformer_models.load_model(bert_cfg(tmp_path))


def test_the_cnn_over_a_finetuned_transformer_reads_zeros_for_padding_and_predicts_with_sdpa(tiny, tmp_path):
    make_reproducible(0)
    p = make_params(embedding="bert", device="cpu", bert__model=tiny.model, bert__finetune=True,
                    bert__max_length=16)
    table = pd.DataFrame({"text": TEXTS, "happy": [0, 0, 0, 1, 1, 0]})
    model, config = experiment.new_model(p, ["happy"], {})
    assert config["attention"] == "eager" == model.transformer.config._attn_implementation  # auto, a CPU
    seen = []
    model.head.register_forward_pre_hook(lambda head, args: seen.append(args[0][0]))
    batch = experiment.inputs(config, {"train": table}, {})["train"][0].batch([3, 4])  # 12 and 3 pieces
    model.eval()
    with torch.no_grad():
        model(batch)
    mask = batch["attention_mask"].bool()
    assert torch.all(seen[0][~mask] == 0) and torch.all(seen[0][mask].abs().sum(-1) > 0)
    experiment.save(model, tmp_path / "model", config)
    loaded, loaded_config = experiment.load(tmp_path / "model")
    # trained with eager attention (recorded), predicted with transformers' default: the same sums
    # to rounding (7.5e-6 here on an AMX machine; a reloaded copy alone differs by up to 5.5e-6)
    assert loaded_config["attention"] == "eager" and loaded.transformer.config._attn_implementation == "sdpa"
    inputs = experiment.inputs(config, {"train": table}, {})["train"][0]
    np.testing.assert_allclose(predict(loaded, inputs), predict(model, inputs), atol=2e-5)
    chosen = make_params(embedding="bert", device="cpu", bert__model=tiny.model, bert__finetune=True,
                         bert__max_length=16, bert__finetune_attention="eager")
    model, config = experiment.new_model(chosen, ["happy"], {})
    experiment.save(model, tmp_path / "eager", config)  # an attention the params name is kept
    assert experiment.load(tmp_path / "eager")[0].transformer.config._attn_implementation == "eager"


def test_finetuned_prediction_runs_the_transformer_on_texts_of_one_length(tiny, monkeypatch):
    """predict() gives what the whole model gives on in-order batches (the Kim head still reads
    each in-order batch's padding), while the transformer runs on length-sorted batches: fewer
    padded word pieces. Several passes (a small STATES_PER_PASS) and a text shorter than the
    head's widest filter included; the validation loss is the in-order one too."""
    from embedding_bench import training

    texts = TEXTS * 3 + ["sad", "i am not happy so sad today love you the game"]
    model = BertFineTuned(transformer_models.load_model(tiny), KimHead(32, 2, filters=4)).eval()
    inputs = Tokenized(transformer_models.load_tokenizer(tiny), texts, 16, min_len=5)
    y = (np.arange(2 * len(texts)).reshape(-1, 2) % 3 == 0).astype(np.float32)
    padded = []  # padded word pieces the transformer ran on, per batch
    model.transformer.register_forward_hook(lambda m, args, kwargs, out: padded.append(
        kwargs["attention_mask"].numel() - int(kwargs["attention_mask"].sum())), with_kwargs=True)
    with torch.inference_mode():
        whole = torch.cat([model(x) for x, _ in training.batches(inputs, y, 4)])
    expected_loss = torch.nn.functional.binary_cross_entropy_with_logits(whole, torch.from_numpy(y)).item()
    in_order_padding, padded[:] = sum(padded), []
    monkeypatch.setattr(training, "STATES_PER_PASS", 80)  # 2-3 passes
    probs = predict(model, inputs, batch_size=4)
    np.testing.assert_allclose(probs, torch.sigmoid(whole).numpy(), atol=1e-6)
    assert len(padded) == -(-len(texts) // 4)  # as many batches
    assert sum(padded) < in_order_padding / 2, (padded, in_order_padding)
    assert training.evaluate_loss(model, inputs, y, 4) == pytest.approx(expected_loss, abs=1e-6)


def test_cheap_dropout_keeps_1_minus_p_scales_and_reaches_every_dropout_of_a_training_step(tiny, monkeypatch):
    """The keep mask drawn 16 bits an element keeps 1 - p of the elements (each lane of the
    64-bit draw alike), scales them by 1 / (1 - p), passes the same mask to the gradient and
    repeats under the same seed; inside BertFineTuned's training forward on a CPU, every
    dropout of the transformer (embeddings, each layer's attention weights, attention output
    and feed-forward output) is drawn so, and none in evaluation."""
    from embedding_bench import finetuning

    torch.manual_seed(3)
    x = torch.ones(400_000, requires_grad=True)
    out = finetuning.cheap_dropout(x, 0.1)
    kept = out != 0
    assert kept.float().mean().item() == pytest.approx(0.9, abs=0.002)
    assert [kept.view(-1, 4)[:, lane].float().mean().item() == pytest.approx(0.9, abs=0.004) for lane in range(4)] == [True] * 4
    torch.testing.assert_close(out[kept], torch.full((int(kept.sum()),), 1 / 0.9))
    out.sum().backward()
    torch.testing.assert_close(x.grad, out.detach())
    torch.manual_seed(3)
    assert torch.equal(finetuning.cheap_dropout(torch.ones(400_000), 0.1), out.detach())
    assert finetuning.cheap_dropout(x, 0.1, training=False) is x and torch.equal(finetuning.cheap_dropout(x, 1.0), 0 * x)

    calls = []
    monkeypatch.setattr(finetuning, "cheap_dropout", lambda t, p=0.5, training=True, inplace=False: (
        calls.append((tuple(t.shape), p, training)), t)[1])
    # eager attention, as bert.finetune_attention: auto trains on a CPU (sdpa draws its own)
    model = BertFineTuned(transformer_models.load_model(tiny, attention="eager"), KimHead(32, 2, filters=4),
                          cheap_dropout=True)
    batch = Tokenized(transformer_models.load_tokenizer(tiny), TEXTS, 16, min_len=5).batch([0, 1, 2])
    model.train()
    model(batch)
    heads, length = 2, batch["input_ids"].shape[1]
    assert calls.count(((3, length, 32), 0.1, True)) == 1 + 2 * 2  # embeddings; 2 layers x (attention output, output)
    assert calls.count(((3, heads, length, length), 0.1, True)) == 2  # each layer's attention weights
    assert len(calls) == 7
    calls.clear()
    model.eval()
    model(batch)
    assert calls == []
    # bert.finetune_dropout: auto (the default) draws so; torch leaves torch's own dropout
    for setting, cheap in (("auto", True), ("torch", False)):
        p = make_params(embedding="bert", device="cpu", bert__model=tiny.model, bert__finetune=True,
                        bert__max_length=16, bert__finetune_dropout=setting)
        model = experiment.new_model(p, ["happy"], {})[0].train()
        model(batch)
        assert model.cheap_dropout is cheap and len(calls) == 7 * cheap
        calls.clear()
