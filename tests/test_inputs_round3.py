"""Inputs that were read wrong without a word, could write outside the repository, or ended in a
traceback: labels that are not what they look like, names that are paths, texts that are no
strings, divergent training, broken model files, bad files given to the commands."""

import re
import subprocess

import numpy as np
import pandas as pd
import pytest

from conftest import BIN, ROOT, bert_cfg, fit_options, ingest_cfg, make_params
from embedding_bench import reports, transformer_models
from embedding_bench.cnn import WordCNN
from embedding_bench.errors import UserError
from embedding_bench.ingest import ingest
from embedding_bench.rules import DecisionRule
from embedding_bench.sections import Variant
from embedding_bench.text import Preprocessor, diagnostics, without_invisible
from embedding_bench.training import fit
from embedding_bench.vocab import TokenIds

LONG = {"layout": "long", "column": "labels"}


def write(folder, name, text):
    (folder / name).write_text(text, encoding="utf-8")


@pytest.mark.parametrize("record", ['{"id": 1, "text": "a", "labels": ["joy", null]}',
                                    '{"id": 1, "text": "a", "labels": [null]}'])
def test_a_null_among_a_rows_labels_is_refused_not_a_label_named_none(tmp_path, record):
    write(tmp_path, "data.jsonl", record + '\n{"id": 2, "text": "b", "labels": ["sad"]}\n')
    with pytest.raises(UserError, match=r"data.jsonl: line 1, column 'labels': a null among the labels"):
        ingest(ingest_cfg(tmp_path, files={"all": "data.jsonl"}, labels=LONG))


def test_a_null_in_a_parquet_list_column_is_refused(tmp_path):
    pd.DataFrame({"id": ["1", "2"], "text": ["a", "b"], "labels": [["joy", None], ["sad"]]}) \
        .to_parquet(tmp_path / "data.parquet")
    with pytest.raises(UserError, match=r"data.parquet: row 1, column 'labels': a null among the labels"):
        ingest(ingest_cfg(tmp_path, files={"all": "data.parquet"}, labels=LONG))


def test_labels_alike_in_unicode_are_one_label_and_invisible_characters_are_refused(tmp_path):
    nfc, nfd = "\u00e9motion", "e\u0301motion"  # é whole, and e + combining accent
    write(tmp_path, "data.csv", f"id,text,labels\n1,a,{nfc}\n2,b,{nfd}\n3,c,joy\n")
    result = ingest(ingest_cfg(tmp_path, labels=LONG))
    assert result.labels == ["joy", nfc] and result.table[nfc].tolist() == [1, 1, 0]
    write(tmp_path, "data.csv", f"id,text,{nfc},{nfd}\n1,a,1,0\n")  # two columns: not mergeable
    with pytest.raises(UserError, match="differ only by case, spaces or Unicode form"):
        ingest(ingest_cfg(tmp_path))
    write(tmp_path, "data.csv", "id,text,labels\n1,a,joy\n2,b,joy\u200b\n3,c,sad\n")
    with pytest.raises(UserError, match=r"line 3, column 'labels': label 'joy\\u200b' holds invisible "
                                        r"characters \(U\+200B\)"):
        ingest(ingest_cfg(tmp_path, labels=LONG))


@pytest.mark.parametrize("value, shown", [("1.50", "float 1.5"), ('["happy", "day"]', "list ['happy', 'day']"),
                                          ("true", "bool True"), ('{"t": 1}', "dict {'t': 1}")])
def test_texts_that_are_not_strings_are_refused(tmp_path, value, shown):
    write(tmp_path, "data.jsonl", '{"id": 1, "text": "fine", "joy": 1, "sad": 0}\n'
                                  f'{{"id": 2, "text": {value}, "joy": 0, "sad": 1}}\n')
    with pytest.raises(UserError, match=re.escape(f"data.jsonl: line 2: the text in column 'text' is {shown}, "
                                                  f"not a string (1 such rows)")):
        ingest(ingest_cfg(tmp_path, files={"all": "data.jsonl"}))


def test_the_id_column_cannot_be_the_text_column(tmp_path):
    with pytest.raises(UserError, match="ingest.id_column and ingest.text_column are both 'text'"):
        ingest_cfg(tmp_path, id_column="text")


def test_a_label_named_like_a_report_key_stays_a_label(tmp_path):
    """split.json nests the label counts under `labels`: a label `rows` overwrote the row count."""
    from embedding_bench.splits import split
    from embedding_bench.sections import Split

    rows = "".join(f"{i},text {i},{i % 2},{1 - i % 2}\n" for i in range(40))
    write(tmp_path, "data.csv", "id,text,rows,other\n" + rows)
    result = ingest(ingest_cfg(tmp_path))
    parts = split(result.table, result.labels, Split(seed=0, test_size=0.2, val_size=0.1))
    report = {name: {"rows": len(df), "labels": {x: int(df[x].sum()) for x in result.labels}}
              for name, df in parts.items()}
    assert report["train"]["rows"] == len(parts["train"]) and "rows" in report["train"]["labels"]


def test_label_names_never_choose_where_files_are_written(tmp_path):
    labels = ["../../escaped", "joy", "a/b", ".."]
    y = {"val": np.eye(4, dtype=np.int8), "test": np.eye(4, dtype=np.int8)}
    probs = {k: v * 0.8 + 0.1 for k, v in y.items()}
    paths = type("Paths", (), {"metrics": str(tmp_path / "m"), "plots": str(tmp_path / "p"),
                               "predictions": str(tmp_path / "pred")})()
    reports.write(paths, labels, {k: [f"t{i}" for i in range(4)] for k in y}, y, probs, DecisionRule(0.5))
    written = sorted(p.name for p in (tmp_path / "p" / "pr").iterdir())
    assert written == ["%2E%2E.json", "..%2F..%2Fescaped.json", "a%2Fb.json", "joy.json"]
    assert not (tmp_path.parent / "escaped.json").exists() and not list(tmp_path.glob("escaped*"))
    assert reports.file_name("très bien") == "très bien"  # letters of any script are kept


def test_invisible_characters_are_removed_by_every_variant_and_counted():
    text = "so\u200b happy\u202e today\x00 \U0001F468\u200d\U0001F469\u200d\U0001F467"
    cleaned, removed = without_invisible(text)
    assert removed == 3 and "\u200d" in cleaned  # the family emoji keeps its joiners
    for variant in make_params().preprocess.variants.values():
        assert not any(without_invisible(t)[1] for t in Preprocessor(variant).tokens(text))
    table = pd.DataFrame({"original_text": [text, "plain"], "tokens": [["so"], ["plain"]], "empty": [False, False]})
    assert diagnostics({"train": table}, Preprocessor(Variant()))["train"]["invisible_characters_removed"] == 3


def test_a_text_of_invisible_characters_only_is_empty(tmp_path):
    write(tmp_path, "data.csv", "id,text,joy,sad\n1,\u200b\u200b,1,0\n2,\x00,0,1\n3,fine,0,1\n4,ok,1,0\n")
    result = ingest(ingest_cfg(tmp_path))
    assert result.report["dropped"] == {"empty_text": 2} and result.table["id"].tolist() == ["3", "4"]


def test_an_infinite_learning_rate_is_refused_and_a_huge_one_stops_with_the_param():
    with pytest.raises(UserError, match=r"train.lr is inf: input should be a finite number"):
        make_params(train__lr=float("inf"))
    vocab = ["<pad>", "<unk>", "good", "bad"]
    ids = TokenIds([["good"], ["bad"], ["good", "bad"]] * 4, vocab, max_len=5, min_len=3)
    y = np.array([[1, 0], [0, 1], [1, 1]] * 4, dtype=np.float32)
    model = WordCNN(np.random.default_rng(0).normal(size=(4, 8)).astype(np.float32), 2, "non_static",
                    widths=(2, 3), filters=4)
    huge = fit_options(optimizer="adam", lr=1e30, batch_size=4, max_epochs=3, patience=2)
    with pytest.raises(UserError, match=r"training diverged in epoch 1: .* lower train.lr \(and train.optimizer\)"):
        fit(model, (ids, y), (ids, y), huge, seed=0)


def test_a_broken_safetensors_file_is_one_message(tmp_path):
    from transformers import BertConfig, BertModel, BertTokenizerFast

    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "happy", "sad"]
    (tmp_path / "vocab.txt").write_text("\n".join(words) + "\n")
    BertTokenizerFast(str(tmp_path / "vocab.txt")).save_pretrained(tmp_path)
    BertModel(BertConfig(vocab_size=len(words), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                         intermediate_size=32, max_position_embeddings=32)).save_pretrained(tmp_path)
    weights = tmp_path / "model.safetensors"
    for broken in (b"\xff" * 8 + b"{}", (8).to_bytes(8, "little") + b"not json", weights.read_bytes()[:200]):
        weights.write_bytes(broken)
        with pytest.raises(UserError, match=r"bert.model .*: cannot load its weights \(SafetensorError"):
            transformer_models.load_model(bert_cfg(tmp_path, max_length=16))


def command(*argv, cwd=ROOT):
    return subprocess.run([str(BIN / "embedding-bench"), *argv], cwd=cwd, capture_output=True, text=True)


def test_files_given_to_compare_and_review_that_are_missing_or_not_what_they_should_be(tmp_path):
    missing = command("compare", "--from-json", str(tmp_path / "gone.json"))
    assert missing.returncode == 2 and "gone.json: not found (--from-json)" in missing.stderr
    (tmp_path / "bad.json").write_text("{not json")
    bad = command("compare", "--from-json", str(tmp_path / "bad.json"))
    assert bad.returncode == 2 and "bad.json: not valid JSON" in bad.stderr and "Traceback" not in bad.stderr
    for content, message in (("{not json", "not valid JSON"), ("[1, 2]", "not a headline file"),
                             ((ROOT / "metrics/metrics.json").read_text(), "not a headline file")):
        (tmp_path / "base.json").write_text(content)
        review = command("review", "--base", str(tmp_path / "base.json"))
        assert review.returncode == 2 and message in review.stderr and "Traceback" not in review.stderr
