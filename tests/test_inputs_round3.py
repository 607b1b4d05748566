"""Inputs that were read wrong without a word, could write outside the repository, or ended in a
traceback: labels that are not what they look like, names that are paths, texts that are no
strings, divergent training, broken model files, bad files given to the commands."""

import contextlib
import gzip
import io
import json
import re
import subprocess

import numpy as np
import pandas as pd
import pytest

from conftest import ROOT, bert_cfg, fit_options, ingest_cfg, make_params
from embedding_bench import reports, transformer_models
from embedding_bench.__main__ import main as cli_main
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
    """`embedding-bench argv` in this process (its exit status and stderr), as the console
    script calls it; tests/test_layout.py runs the installed command itself."""
    err = io.StringIO()
    with contextlib.chdir(cwd), contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        try:
            status = cli_main(list(argv))
        except SystemExit as e:
            status = e.code if isinstance(e.code, int) else 1
    return subprocess.CompletedProcess(argv, status, "", err.getvalue())


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


def test_a_gzipped_csv_is_read_by_its_content(tmp_path):
    import gzip

    for name in ("data.csv.gz", "data.csv"):  # the extension may or may not say it
        (tmp_path / name).write_bytes(gzip.compress("id,text,joy,sad\n1,café,1,0\n2,b,0,1\n".encode()))
        result = ingest(ingest_cfg(tmp_path, files={"all": name}))
        assert result.table["text"].tolist() == ["café", "b"]
        (tmp_path / name).unlink()


def test_excels_sep_line_names_the_separator(tmp_path, capsys):
    write(tmp_path, "data.csv", "sep=;\nid;text;joy;sad\n1;a;1;0\n2;b;0;1\n3;c,d;0;1\n")
    result = ingest(ingest_cfg(tmp_path))
    assert result.table["text"].tolist() == ["a", "b", "c,d"] and result.labels == ["joy", "sad"]
    assert "line 1 (sep=;, as Excel writes it) names the separator" in capsys.readouterr().err
    write(tmp_path, "data.csv", "sep=;\nid;text;joy;sad\n1;a;1;x\n")  # lines counted from the file's first
    with pytest.raises(UserError, match=r"line 3, column 'sad' has label value 'x'"):
        ingest(ingest_cfg(tmp_path))
    with pytest.raises(UserError, match=r"line 1 declares the separator ';' \(sep=;\), ingest.delimiter says '\|'"):
        ingest(ingest_cfg(tmp_path, delimiter="|"))


def test_json_records_under_one_key_and_labels_as_a_mapping_are_read(tmp_path, capsys):
    records = [{"id": 1, "text": "a", "labels": {"joy": 1, "sad": 0, "fear": 0}},
               {"id": 2, "text": "b", "labels": {"joy": 0, "sad": True, "fear": 0}}]
    write(tmp_path, "data.json", json.dumps({"data": records}))
    result = ingest(ingest_cfg(tmp_path, files={"all": "data.json"}, labels=LONG))
    assert result.labels == ["fear", "joy", "sad"]  # fear: a label no text has, still a label
    assert result.table[["fear", "joy", "sad"]].to_numpy().tolist() == [[0, 1, 0], [0, 0, 1]]
    assert "the records are the list under 'data'; read 2 of them" in capsys.readouterr().err
    records[1]["labels"]["sad"] = 3
    write(tmp_path, "data.json", json.dumps({"data": records}))
    with pytest.raises(UserError, match=r"record 2, column 'labels': labels .* map names to values; \{'sad': 3\}"):
        ingest(ingest_cfg(tmp_path, files={"all": "data.json"}, labels=LONG))


@pytest.mark.parametrize("dotted, message", [
    ({"ingest__path": "~/data"}, "ingest.path is '~/data': ~ is not expanded"),
    ({"ingest__path": "."}, "ingest.path is '.': the repository itself is no dataset folder"),
    ({"ingest__files": {"all": "~/x.csv"}}, "ingest.files.all is '~/x.csv': ~ is not expanded"),
    ({"glove__source": "~/glove.txt"}, "glove.source is '~/glove.txt': ~ is not expanded"),
    ({"glove__source": "s3://bucket/glove.txt"}, "s3:// is not read; download the file and name it"),
    ({"fasttext__source": "https://dl.fbaipublicfiles.com/fasttext/vectors-crawl/cc.en.300.bin.gz"},
     "fasttext.source is 'https://dl.fbaipublicfiles.com/fasttext/vectors-crawl/cc.en.300.bin.gz': a URL is "
     "not downloaded for fastText"),
    ({"fasttext__source": "file:///data/cc.en.300.bin"}, "fasttext.source is 'file:///data/cc.en.300.bin': "
     "give the file's path, not a file:// URL (here '/data/cc.en.300.bin')"),
    ({"glove__source": "FILE:///data/glove.txt"}, "give the file's path, not a file:// URL (here '/data/glove.txt')"),
    ({"word2vec__extra_files": ["~/more.txt"]}, "word2vec.extra_files.0 is '~/more.txt': ~ is not expanded"),
    ({"preprocess__variants__light": None, "preprocess__variants": {"../up": {}, "light": {}}},
     "preprocess.variants: variant name '../up': use letters, digits, _ and -"),
])
def test_paths_params_name_that_cannot_be_what_the_user_means(dotted, message):
    dotted.pop("preprocess__variants__light", None)
    with pytest.raises(UserError, match=re.escape(message)):
        make_params(**dotted)


def test_a_folder_named_as_a_data_file_and_an_empty_params_file(tmp_path):
    (tmp_path / "data.csv").mkdir()
    with pytest.raises(UserError, match=r"data.csv: a folder, not a file; name the file in it"):
        ingest(ingest_cfg(tmp_path))
    from embedding_bench import params

    (tmp_path / "params.yaml").write_text("")
    with pytest.raises(UserError, match=r"params.yaml: the file is empty; it needs every param"):
        params.load(tmp_path / "params.yaml")


def test_a_pandas_index_column_without_a_name_can_be_the_id(tmp_path):
    write(tmp_path, "data.csv", ",text,joy,sad\n17,a,1,0\n42,b,0,1\n")  # df.to_csv() as pandas writes it
    result = ingest(ingest_cfg(tmp_path, id_column=""))
    assert result.table["id"].tolist() == ["17", "42"] and result.labels == ["joy", "sad"]
    with pytest.raises(UserError, match=r"no column 'Unnamed: 0' .*set ingest.id_column: '' to use it"):
        ingest(ingest_cfg(tmp_path, id_column="Unnamed: 0"))


def test_one_row_per_text_and_label_is_named_not_numbered_into_texts_of_one_label(tmp_path):
    records = [{"id": f"t{i}", "text": f"text {i}", "label": label}
               for i in range(20) for label in (["joy", "love"] if i % 2 else ["anger"])]
    write(tmp_path, "data.json", json.dumps(records))
    with pytest.raises(UserError, match=r"every repeated id holds the same text: one row per \(text, label\)") as error:
        ingest(ingest_cfg(tmp_path, files={"all": "data.json"}, labels={**LONG, "column": "label"}))
    assert "id_column: null" not in str(error.value)  # that advice would make 30 texts of 20


def test_three_hundred_wide_labels_are_read_without_a_pandas_warning(tmp_path):
    import warnings

    rng = np.random.default_rng(0)
    labels = [f"l{i}" for i in range(300)]
    rows = "".join(f"{i},text {i},{','.join(str(int(x)) for x in rng.random(300) < 0.05)}\n" for i in range(50))
    write(tmp_path, "data.csv", f"id,text,{','.join(labels)}\n" + rows)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # pandas' PerformanceWarning (columns added one by one) fails
        result = ingest(ingest_cfg(tmp_path))
    assert sorted(result.labels) == sorted(labels) and result.table[labels].shape == (50, 300)


def test_conflicting_labels_on_a_repeated_text_are_counted_and_warned(tmp_path, capsys):
    from embedding_bench.sections import Split
    from embedding_bench.splits import duplicates, split

    rows = "".join(f"{i},text {i % 30},{int(i < 30)},{int(i >= 30)}\n" for i in range(60))  # twice each, flipped
    write(tmp_path, "data.csv", "id,text,joy,sad\n" + rows)
    result = ingest(ingest_cfg(tmp_path))
    parts = split(result.table, result.labels, Split(seed=0, test_size=0.2, val_size=0.1))
    assert duplicates(parts, result.labels)["conflicting_labels"] == 30


def test_a_batch_holding_every_training_text_is_warned(capsys):
    vocab = ["<pad>", "<unk>", "good", "bad"]
    ids = TokenIds([["good"], ["bad"]] * 3, vocab, max_len=5, min_len=3)
    y = np.array([[1, 0], [0, 1]] * 3, dtype=np.float32)
    model = WordCNN(np.zeros((4, 8), np.float32), 2, "non_static", widths=(2, 3), filters=4)
    fit(model, (ids, y), (ids, y), fit_options(batch_size=10**9, max_epochs=2), seed=0)
    assert "batches of 1000000000 (x 1 accumulated) hold all 6 training texts: one optimizer step" in capsys.readouterr().err

    class Measured(TokenIds):  # inputs that know their lengths, as fine-tuning's word pieces do
        lengths = np.full(6, 3)

    budget = Measured([["good"], ["bad"]] * 3, vocab, max_len=5, min_len=3)
    fit(model, (budget, y), (budget, y), fit_options(batch_size=2, max_epochs=1, by_length=True,
                                                     max_tokens=100), seed=0)
    said = capsys.readouterr().err  # the budget sets those batches: it is what to lower
    assert "batches of 100 word pieces (x 1 accumulated) hold all 6" in said
    assert "lower bert.finetune_batch_tokens (0: batches of bert.finetune_batch_size texts)" in said


def test_compare_names_failed_experiments_and_refuses_a_pair_of_one_configuration(capsys):
    from embedding_bench.compare import pairs, runs
    from test_compare import EXP_JSON

    failed = json.loads(json.dumps(EXP_JSON))
    failed[1]["experiments"].append({"name": "broken", "executor": {"state": "failed"}, "revs": []})
    table = runs.runs(runs.experiments(failed))
    assert "experiment broken failed and is left out; `dvc queue logs broken` says why" in capsys.readouterr().err
    with pytest.raises(UserError, match="select the same configuration"):
        pairs.paired(table, "embedding=glove", "embedding=glove,mode=non_static")


def test_excels_unicode_text_export_utf16_is_read_by_its_byte_order_mark(tmp_path, caplog):
    import logging

    rows = "id\ttext\tjoy\tsad\n1\tcafé ☕\t1\t0\n2\tnot happy\t0\t1\n"
    (tmp_path / "data.tsv").write_bytes(rows.encode("utf-16"))  # Excel's "Unicode Text": UTF-16 LE, BOM, tabs
    with caplog.at_level(logging.INFO):
        result = ingest(ingest_cfg(tmp_path, files={"all": "data.tsv"}))
    assert result.table["text"].tolist() == ["café ☕", "not happy"] and result.labels == ["joy", "sad"]
    assert "its byte-order mark says UTF-16; read as utf-16" in caplog.text
    (tmp_path / "data.tsv").write_bytes(rows.replace("☕", "").encode("cp1252"))  # no mark: not guessed
    with pytest.raises(UserError, match=r"line 2 is not valid utf-8 .*a Windows export is often cp1252"):
        ingest(ingest_cfg(tmp_path, files={"all": "data.tsv"}))
    assert ingest(ingest_cfg(tmp_path, files={"all": "data.tsv"}, encoding="cp1252")).table["text"][0] == "café "


@pytest.mark.parametrize("codec, words", [("utf-16-le", "café"), ("utf-16-be", "sad day"),
                                          ("utf-16-le", "привет мир как дела друг мой"),
                                          ("utf-16-le", "今天天气很好我很开心"), ("utf-32-le", "café")])
def test_utf16_without_a_byte_order_mark_is_refused_with_the_encoding_to_set(tmp_path, codec, words):
    rows = "id,text,joy,sad\n" + "".join(f"{i},{words},{i % 2},1\n" for i in range(40))
    (tmp_path / "data.csv").write_bytes(rows.encode(codec))  # no mark: read as UTF-8 it was NULs and text
    wide = codec[:6].upper()
    with pytest.raises(UserError, match=rf"data.csv: the file holds NUL bytes, as {wide} without a "
                                        rf"byte-order mark does .*set ingest.encoding: {codec} if it is {wide}"):
        ingest(ingest_cfg(tmp_path))
    assert ingest(ingest_cfg(tmp_path, encoding=codec)).table["text"].tolist() == [words] * 40  # the fix said


def test_undecodable_bytes_are_placed_by_the_codec_the_file_was_read_with(tmp_path):
    bad_unit = b"\x00\xd8"  # a lone UTF-16 surrogate, after a byte-order mark said UTF-16
    head = "id,text,joy\n1,I am so angry,1\n".encode("utf-16")
    (tmp_path / "data.csv").write_bytes(head + bad_unit + ",x,0\n".encode("utf-16-le"))
    with pytest.raises(UserError, match=rf"line 3 is not valid utf-16 \(illegal UTF-16 surrogate at byte {len(head)} of the file\)"):
        ingest(ingest_cfg(tmp_path))
    marked = "\ufeffid,text,joy\n1,ok,1\n2,caf".encode("utf-8")  # UTF-8 with Excel's mark: bytes counted from the file's start
    (tmp_path / "data.csv").write_bytes(marked + b"\xe9,0\n")
    with pytest.raises(UserError, match=rf"line 3 is not valid utf-8 \(invalid continuation byte at byte {len(marked)} of the file\)"):
        ingest(ingest_cfg(tmp_path))
    (tmp_path / "data.csv").write_bytes(gzip.compress(marked + b"\xe9,0\n"))  # gzip'd, named .csv
    with pytest.raises(UserError, match=rf"at byte {len(marked)} of the decompressed file\)"):
        ingest(ingest_cfg(tmp_path))
