import json

import pandas as pd
import pytest

from conftest import SEMEVAL, ingest_cfg, needs_semeval
from embedding_bench.ingest import ingest
from embedding_bench.errors import UserError

WIDE = "id,text,joy,anger\n1,so happy,1,0\n2,\"so mad, really\",0,1\n3,meh,0,0\n"


def write(tmp_path, name, content, mode="w"):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_wide_csv(tmp_path):
    write(tmp_path, "data.csv", WIDE)
    result = ingest(ingest_cfg(tmp_path))
    assert result.labels == ["joy", "anger"]
    assert result.table["text"].tolist() == ["so happy", "so mad, really", "meh"]
    assert result.table[["joy", "anger"]].to_numpy().tolist() == [[1, 0], [0, 1], [0, 0]]
    assert result.table["id"].tolist() == ["1", "2", "3"]
    assert result.report["rows_read"] == 3 and result.report["rows_kept"] == 3
    assert result.report["label_frequency"] == {"joy": 1, "anger": 1}
    assert result.report["texts_without_labels"] == 1


def test_given_splits_and_formats(tmp_path):
    write(tmp_path, "train.tsv", "id\ttext\tjoy\tsad\n1\thappy\t1\t0\n2\tsad\t0\t1\n")
    rows = [{"id": "3", "text": "glad", "joy": 1, "sad": 0}, {"id": "4", "text": "gloomy", "joy": 0, "sad": 1}]
    write(tmp_path, "test.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n")
    pd.DataFrame([{"id": "5", "text": "ok", "joy": "0", "sad": "0"}]).to_parquet(tmp_path / "val.parquet")
    cfg = ingest_cfg(tmp_path, files={"train": "train.tsv", "test": "test.jsonl",
                                      "val": "val.parquet"})
    table = ingest(cfg).table
    assert table["split"].tolist() == ["train", "train", "test", "test", "val"]
    assert table["joy"].tolist() == [1, 0, 1, 0, 0]


def test_long_layout_names_and_ids(tmp_path):
    write(tmp_path, "names.txt", "admiration\namusement\nanger\n")
    write(tmp_path, "data.tsv", "text\tlabels\tid\nwow\t0,1\ta\ngrr\tanger\tb\nhm\t\tc\n")
    cfg = ingest_cfg(tmp_path, files={"all": "data.tsv"},
                     labels={"layout": "long", "column": "labels", "names_file": "names.txt"})
    result = ingest(cfg)
    assert result.labels == ["admiration", "amusement", "anger"]
    assert result.table[result.labels].to_numpy().tolist() == [[1, 1, 0], [0, 0, 1], [0, 0, 0]]


def test_long_layout_without_names_file_collects_sorted_names(tmp_path):
    write(tmp_path, "data.csv", 'id,text,labels\n1,a,"joy;love"\n2,b,anger\n')
    cfg = ingest_cfg(tmp_path, labels={"layout": "long", "separator": ";"})
    result = ingest(cfg)
    assert result.labels == ["anger", "joy", "love"]
    assert result.table[result.labels].to_numpy().tolist() == [[0, 1, 1], [1, 0, 0]]


def test_no_id_column_numbers_rows(tmp_path):
    write(tmp_path, "data.csv", "text,joy,sad\nhi,1,0\nho,0,1\n")
    assert ingest(ingest_cfg(tmp_path, id_column=None)).table["id"].tolist() == ["all-0", "all-1"]


def test_empty_texts_dropped_and_counted(tmp_path):
    write(tmp_path, "data.csv", "id,text,joy,sad\n1,hi,1,0\n2,   ,0,0\n3,,1,0\n")
    result = ingest(ingest_cfg(tmp_path))
    assert result.table["id"].tolist() == ["1"]
    assert result.report["dropped"] == {"empty_text": 2}
    assert result.report["rows_read"] == 3 and result.report["rows_kept"] == 1
    with pytest.raises(UserError, match=r"data.csv: line 3: empty text \(2 such rows\)"):
        ingest(ingest_cfg(tmp_path, on_bad_rows="error"))


@pytest.mark.parametrize("content, files, overrides, message", [
    (None, {"all": "missing.csv"}, {}, r"missing.csv: file not found"),
    ("", None, {}, r"data.csv: the file is empty"),
    ("id,text,joy\n", None, {}, r"data.csv: no data rows \(header only\?\)"),
    ("id,tweet,joy\n1,hi,1\n", None, {}, r"no column 'text' \(ingest.text_column\); columns found: id, tweet, joy"),
    ("id,text,joy\n1,hi,1\n2,ho,2\n", None, {}, r"line 3, column 'joy' has label value '2', not 0/1"),
    ("id,text,joy,sad\n1,hi,1,0\n1,ho,0,1\n", None, {}, r"duplicate ids \(2 rows\).*line 2 id '1'"),
    ("id,text,joy\n1,hi,1\n2,ho,0,9\n", None, {}, r"line 3 has 4 fields and the header 3 \(id, text, joy\)"),
    ("id,text,labels\n1,hi,joy\n2,ho,glee\n", None,
     {"labels": {"layout": "long", "names_file": "names.txt"}},
     r"line 3, column 'labels': unknown label 'glee'"),
])
def test_bad_input_names_file_row_and_fix(tmp_path, content, files, overrides, message):
    write(tmp_path, "names.txt", "joy\nanger\n")
    if content is not None:
        write(tmp_path, "data.csv", content)
    cfg = ingest_cfg(tmp_path, **overrides, **({"files": files} if files else {}))
    with pytest.raises(UserError, match=message):
        ingest(cfg)


def test_non_utf8_names_the_line(tmp_path):
    write(tmp_path, "data.csv", "id,text,joy,sad\n1,fine,1,0\n2,caf\xe9,0,1\n".encode("latin-1"))
    with pytest.raises(UserError, match=r"data.csv: line 3 is not valid utf-8.*ingest.encoding"):
        ingest(ingest_cfg(tmp_path))
    table = ingest(ingest_cfg(tmp_path, encoding="latin-1")).table
    assert table["text"].tolist() == ["fine", "café"]


@needs_semeval
def test_semeval_ec_tsv():
    cfg = ingest_cfg(SEMEVAL, files={"train": "train.tsv", "test": "dev.tsv"}, quoting="none",
                     id_column="ID", text_column="Tweet")
    result = ingest(cfg)
    t = result.table
    assert result.labels == ["anger", "anticipation", "disgust", "fear", "joy", "love", "optimism",
                             "pessimism", "sadness", "surprise", "trust"]
    assert (t["split"] == "train").sum() == 6838 and (t["split"] == "test").sum() == 886
    assert result.report["rows_kept"] == 6838 + 886 and result.report["dropped"] == {}
    assert not t["text"].str.contains("\r").any()  # CRLF line ends are not part of the text
    first = t.iloc[0]
    assert first["id"] == "2017-En-21441"
    assert first["text"].startswith("“Worry is a down payment on a problem you may never have'")
    assert first[result.labels].tolist() == [0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1]
    assert t["text"].str.contains("“").sum() > 10  # curly quotes and emoji kept as text
    assert t["text"].str.contains("😂").sum() > 10
    assert sum(result.report["label_frequency"].values()) == int(t[result.labels].to_numpy().sum())


def test_quoting_none_keeps_unbalanced_quotes_and_crlf(tmp_path):
    write(tmp_path, "data.tsv", 'id\ttext\tjoy\tsad\r\n1\the said "hi\t1\t0\r\n2\t"quoted" 😂\t0\t1\r\n')
    table = ingest(ingest_cfg(tmp_path, files={"all": "data.tsv"}, quoting="none")).table
    assert table["text"].tolist() == ['he said "hi', '"quoted" 😂']
    assert table["joy"].tolist() == [1, 0]


def test_very_long_texts_truncated_and_counted(tmp_path):
    write(tmp_path, "data.csv", f"id,text,joy,sad\n1,{'a' * 50},1,0\n2,short,0,1\n")
    result = ingest(ingest_cfg(tmp_path, max_chars=10))
    assert result.table["text"].tolist() == ["a" * 10, "short"]
    assert result.report["truncated_texts"] == 1


def test_all_empty_dataset_is_an_error(tmp_path):
    write(tmp_path, "data.csv", "id,text,joy,sad\n1,   ,1,0\n2,,0,1\n")
    with pytest.raises(UserError, match=r"no rows left to use \(read 2, dropped \{'empty_text': 2\}\)"):
        ingest(ingest_cfg(tmp_path))


def test_max_rows_is_a_seeded_subsample_reported(tmp_path):
    write(tmp_path, "data.csv", "id,text,joy,sad\n" + "".join(f"{i},text {i},{i % 2},{1 - i % 2}\n" for i in range(50)))
    first = ingest(ingest_cfg(tmp_path, max_rows=10, max_rows_seed=3))
    again = ingest(ingest_cfg(tmp_path, max_rows=10, max_rows_seed=3))
    other = ingest(ingest_cfg(tmp_path, max_rows=10, max_rows_seed=4))
    assert len(first.table) == 10 and first.table["id"].tolist() == again.table["id"].tolist()
    assert first.table["id"].tolist() != other.table["id"].tolist()
    assert first.table["id"].map(int).is_monotonic_increasing  # file order kept
    assert first.report["rows_kept"] == 10 and first.report["subsampled"] == {"from_rows": 50, "seed": 3}
    assert "subsampled" not in ingest(ingest_cfg(tmp_path, max_rows=100)).report



def test_max_rows_keeps_each_given_files_share(tmp_path):
    rows = lambda prefix, n: "id,text,joy,sad\n" + "".join(f"{prefix}{i},text {prefix}{i},{i % 2},{1 - i % 2}\n"
                                                        for i in range(n))
    write(tmp_path, "train.csv", rows("t", 1000))
    write(tmp_path, "test.csv", rows("e", 10))
    for seed in range(4):  # a plain sample of 100 of the 1,010 rows often held no test row at all
        t = ingest(ingest_cfg(tmp_path, files={"train": "train.csv", "test": "test.csv"}, max_rows=100,
                              max_rows_seed=seed)).table
        assert len(t) == 100 and (t["split"] == "test").sum() == 1 and (t["split"] == "train").sum() == 99
    with pytest.raises(UserError, match=r"ingest.max_rows 1 is fewer than the 2 splits"):
        ingest(ingest_cfg(tmp_path, files={"train": "train.csv", "test": "test.csv"}, max_rows=1))


def test_a_given_file_with_every_row_dropped_is_refused(tmp_path):
    write(tmp_path, "train.csv", "id,text,joy,sad\n1,a,1,0\n2,b,0,1\n")
    write(tmp_path, "test.csv", 'id,text,joy,sad\ne1,,1,0\ne2, ,0,1\ne3,"",1,1\n')
    with pytest.raises(UserError, match=r"test.csv: no row of this test file is left \(dropped: "
                                        r"\{'empty_text': 3\}\).*remove it from ingest.files"):
        ingest(ingest_cfg(tmp_path, files={"train": "train.csv", "test": "test.csv"}))


# Files as common exporters write them: each must parse to the same labels.
LONG = {"layout": "long", "column": "labels", "separator": ","}


@pytest.mark.parametrize("name, content, overrides", [
    ("json-list strings (pandas/HF export)", 'id,text,labels\n1,a,"[""joy"", ""love""]"\n2,b,"[""anger""]"\n3,c,[]\n',
     {"labels": LONG}),
    ("python list reprs", "id,text,labels\n1,a,\"['joy', 'love']\"\n2,b,['anger']\n3,c,[]\n", {"labels": LONG}),
    # pandas' to_csv of a column of numpy arrays: no commas, wrapped over lines when long
    # (literal_eval would read 'joy' 'love' as one label 'joylove')
    ("numpy array reprs", "id,text,labels\n1,a,\"['joy'\n 'love']\"\n2,b,['anger']\n3,c,[]\n", {"labels": LONG}),
    ("delimited names", 'id,text,labels\n1,a,"joy, love"\n2,b,anger\n3,c,\n', {"labels": LONG}),
    ("semicolon csv (Excel)", "id;text;anger;joy;love\n1;a;0;1;1\n2;b;1;0;0\n3;c;0;0;0\n", {"delimiter": ";"}),
    ("true/false", "id,text,anger,joy,love\n1,a,False,True,True\n2,b,TRUE,false,false\n3,c,false,false,false\n", {}),
    ("yes/no", "id,text,anger,joy,love\n1,a,no,yes,yes\n2,b,yes,no,no\n3,c,no,no,no\n", {}),
    ("0.0/1.0 (pandas float)", "id,text,anger,joy,love\n1,a,0.0,1.0,1.0\n2,b,1.0,0.0,0.0\n3,c,0.0,0.0,0.0\n", {}),
    ("headerless tsv", "a\tjoy,love\t1\nb\tanger\t2\nc\t\t3\n",
     {"files": {"all": "data.tsv"}, "header": False, "column_names": ["text", "labels", "id"], "labels": LONG}),
])
def test_exported_formats_parse_to_the_same_labels(tmp_path, name, content, overrides):
    fname = overrides.get("files", {}).get("all", "data.csv")
    write(tmp_path, fname, content)
    result = ingest(ingest_cfg(tmp_path, **overrides))
    table = result.table.set_index("id")
    assert result.labels == ["anger", "joy", "love"], name
    assert table.loc["1", ["anger", "joy", "love"]].tolist() == [0, 1, 1], name
    assert table.loc["2", ["anger", "joy", "love"]].tolist() == [1, 0, 0], name
    assert table.loc["3", ["anger", "joy", "love"]].tolist() == [0, 0, 0], name
    assert table["text"].tolist() == ["a", "b", "c"]


def test_list_typed_columns_in_parquet_and_jsonl(tmp_path):
    df = pd.DataFrame({"id": ["1", "2"], "text": ["a", "b"], "labels": [["joy", "love"], ["anger"]]})
    df.to_parquet(tmp_path / "data.parquet")
    write(tmp_path, "data.jsonl", "".join(json.dumps(r) + "\n" for r in df.to_dict("records")))
    for fname in ("data.parquet", "data.jsonl"):
        table = ingest(ingest_cfg(tmp_path, files={"all": fname}, labels=LONG)).table
        assert table[["anger", "joy", "love"]].to_numpy().tolist() == [[0, 1, 1], [1, 0, 0]], fname


def test_null_text_in_jsonl_is_dropped_and_counted(tmp_path):
    write(tmp_path, "data.jsonl", '{"id": "1", "text": "hi", "joy": 1, "sad": 0}\n{"id": "2", "text": null, "joy": 0, "sad": 1}\n')
    result = ingest(ingest_cfg(tmp_path, files={"all": "data.jsonl"}))
    assert result.table["id"].tolist() == ["1"] and result.report["dropped"] == {"empty_text": 1}


@pytest.mark.parametrize("content, overrides, message", [
    ("id,text,joy,anger\n1,a,1,0\n2,b,,1\n", {},
     r"line 3, column 'joy' is empty \(a missing label value\)"),
    ("id,text,joy,anger\n1,a,1.0,0.0\n2,b,0.0,\n", {}, r"line 3, column 'anger' is empty"),
    ("id,text,joy,anger\n1,a,1,0\n2,b,nan,1\n", {}, r"line 3, column 'joy' is 'nan' \(a missing label value\)"),
    ("id,text,labels\n1,a,\"[joy, 'love]\"\n", {"labels": LONG}, r"line 2, column 'labels'.*looks like a list"),
    ("id,text,labels\n1,a,Joy\n2,b,joy\n", {"labels": LONG},
     r"data.csv: line 3, column 'labels': label names differ only by case, spaces or Unicode form: 'Joy' / 'joy'"),
    ("id,text,labels\n1,a,{joy}\n2,b,'anger'\n", {"labels": LONG}, r"hold brackets, quotes"),
    ("a\tjoy\n", {"files": {"all": "data.tsv"}, "header": False},
     r"ingest.header is false, so name the columns in order in ingest.column_names"),
    # a column that is not a label, read as one because ingest.labels.columns is empty
    ("id,text,joy,anger\n1,happy,1,0\n2,mad,0,1\n", {"id_column": None},
     r"line 3, column 'id' has label value '2'.*if this one is not, list the label columns there"),
    ("id,text,joy,anger\n0,happy,1,0\n1,mad,0,1\n", {"id_column": None},
     r"label name\(s\) \['id'\] are column names the pipeline uses.*list the label columns in ingest"),
    ('{"id": 1, "text": "a", "joy": 1, "anger": 0}\n{"id": 2, "text": "b", "joy": 0, "angr": 1}\n'
     '{"id": 3, "text": "c", "joy": 0, "anger": 1}\n', {"files": {"all": "data.jsonl"}},
     r"data.jsonl: only 1 of 3 records have the label key 'angr' \(the first: line 2\)"),
])
def test_unusual_inputs_refused_at_their_row(tmp_path, content, overrides, message):
    write(tmp_path, overrides.get("files", {}).get("all", "data.csv"), content)
    with pytest.raises(UserError, match=message):
        ingest(ingest_cfg(tmp_path, **overrides))


# Real-world inputs: each read right, or refused with the line and the param to fix.
def test_multiline_quoted_fields_report_file_lines_and_trailing_delimiters_are_read(tmp_path):
    write(tmp_path, "data.csv", 'id,text,joy,sad\n1,"two\nlines",1,0,\n2,ok,0,1,\n3,bad,0,7,\n')
    with pytest.raises(UserError, match=r"data.csv: line 5, column 'sad' has label value '7'"):
        ingest(ingest_cfg(tmp_path))  # line 5 of the file, though it is the third row
    write(tmp_path, "data.csv", 'id,text,joy,sad\n1,"two\nlines, here",1,0,\n2,ok,0,1,\n')
    table = ingest(ingest_cfg(tmp_path)).table
    assert table["text"].tolist() == ["two\nlines, here", "ok"]
    assert table[["joy", "sad"]].to_numpy().tolist() == [[1, 0], [0, 1]]


def test_json_values_kept_as_written_json_arrays_and_byte_order_marks(tmp_path):
    big = 1234567890123456789  # a float would change it (and make ids collide)
    rows = [{"id": big, "text": "a", "labels": [1]}, {"id": big + 1, "text": "b", "labels": None},
            {"id": 7, "text": "c", "labels": [0, 1]}]
    write(tmp_path, "names.txt", "\ufeffjoy\nsad\n")  # saved by Notepad: a byte-order mark
    write(tmp_path, "data.jsonl", "\ufeff" + "".join(json.dumps(r) + "\n" for r in rows))
    write(tmp_path, "data.json", json.dumps(rows, indent=2))  # one JSON array, as Kaggle exports
    for name in ("data.jsonl", "data.json"):
        result = ingest(ingest_cfg(tmp_path, files={"all": name},
                                   labels={**LONG, "names_file": "names.txt"}))
        assert result.labels == ["joy", "sad"], name
        assert result.table["id"].tolist() == [str(big), str(big + 1), "7"], name
        assert result.table[["joy", "sad"]].to_numpy().tolist() == [[0, 1], [0, 0], [1, 1]], name


@pytest.mark.parametrize("content, overrides, message", [
    # a tweet that starts with a quote: read with quoting, it would swallow the next rows
    ('id\ttext\tjoy\tsad\n1\tfine\t1\t0\n2\t"so angry\t1\t0\n3\tmore\t0\t1\n4\tend"\t1\t1\n',
     {"files": {"all": "data.tsv"}}, r"data.tsv: line 3: a quote .* set ingest.quoting: none"),
    ('id\ttext\tjoy\tsad\n1\t"Great game\t1\t0\n2\tok"\t0\t1\n', {"files": {"all": "data.tsv"}},
     r"data.tsv: line 2: a quote .* set ingest.quoting: none"),  # one row swallowed
    ('id,text,joy,sad\n1,"Great" game,1,0\n', {}, r"line 2: malformed quoting .* set ingest.quoting: none"),
    ('id,text,joy,sad\n1,ok,1,0\n2,"never closed,0,1\n', {}, r"line 3: malformed quoting"),
    ("id,text,labels\n1,hello,joy\n2,hi, there,\n3,bye,anger\n", {"labels": LONG},
     r"line 3 has 4 fields and the header 3"),  # a comma in the text, not a trailing delimiter
    ("id,text,labels\n1,a,tcp\n2,b,ip\n3,c,tcp/ip\n", {"labels": LONG}, r"or, if 'tcp/ip' is one label, list"),
    ("id,text,labels\n1,a,empty\n2,b,joy\n", {"labels": LONG}, r"label name\(s\) \['empty'\] are column names"),
    ('[{"id": 1, "text": "a", "joy": 1, "sad": 0},\n {"id": 2, "text": "b", "joy": 5, "sad": 0}]',
     {"files": {"all": "data.json"}}, r"data.json: record 2, column 'joy' has label value 5"),
    ("id,text,labels\n1,a,anger|joy\n2,b,joy\n3,c,anger\n", {"labels": LONG},
     r"labels like 'anger\|joy' look like labels joined by '\|'.*set ingest.labels.separator: '\|'"),
    ("id,text,joy\n1,a,1\n2,b,0\n", {}, r"one label only \('joy'\).*not_joy"),
    ("id,text,Joy,joy\n1,a,1,0\n", {}, r"differ only by case, spaces or Unicode form: 'Joy' / 'joy'"),
    ("id,text,joy,joy\n1,a,1,0\n", {}, r"names the column\(s\) \['joy'\] more than once"),
    (",id,text,joy,sad\n0,1,a,1,0\n", {}, r"the column '' has no name of its own.*index=False"),
    ("id;text;joy;sad\n1;a;1;0\n", {}, r"the header was read as one column: is the delimiter ';'\? set ingest.delimiter"),
    ("a,1,0,x\n", {"header": False, "column_names": ["text", "joy", "sad"]},
     r"line 1 has 4 fields and the ingest.column_names 3 \(text, joy, sad\)"),
    ("id,text,joy,sad\n1,a,1\n", {}, r"line 2 has 3 fields and the header 4"),
    ('{"id": 1, "text": "a", "joy": 1, "sad": 0}\n{"id": null, "text": "b", "joy": 0, "sad": 1}\n',
     {"files": {"all": "data.jsonl"}}, r"data.jsonl: line 2 has no id \(1 such rows\)"),
    ('{"id": 1, "text": "a", "joy": 1, "sad": 0}\n{"id": 2, "text": "b", "joy": 0, "sad":\n',
     {"files": {"all": "data.jsonl"}}, r"data.jsonl: line 2 is not valid JSON"),
    ("id,text,joy,sad\n1,a,1,0\n", {"files": {"test": "data.csv"}}, r"ingest.files names no training data"),
    # the model would be scored on its own training texts
    ("id,text,joy,sad\n1,a,1,0\n", {"files": {"train": "data.csv", "test": "./data.csv"}},
     r"ingest.files: names 'data.csv' for train and test: each split needs a file of its own"),
    # a header read as data would add a text 'text' and a label 'labels'
    ('id,text,labels\n1,a,"anger,joy"\n2,b,joy\nid,text,labels\n3,c,anger\n', {"labels": LONG},
     r"data.csv: line 4 repeats the header \(text, id, labels\); if files were joined"),
    ("ID,Text,Labels\n1,a,joy\n2,b,anger\n", {"labels": LONG, "header": False, "column_names": ["id", "text", "labels"]},
     r"data.csv: line 1 repeats the header"),
    ("id,text,labels\n1,a,anger joy\n2,b,joy\n3,c,anger\n", {"labels": LONG},
     r"labels like 'anger joy' look like labels joined by ' '"),
    ("id,text,labels\n1,a,anger;fear\n2,b,joy\n3,c,anger\n", {"labels": LONG},
     r"labels like 'anger;fear' look like labels joined by ';'"),  # though fear is never alone
    (WIDE, {"column_names": ["id", "text", "happy", "mad"]},
     r"ingest.column_names is set, but ingest.header is true.*set ingest.header: false"),
    ("1,a,1,0\n2,b,0,1\n", {}, r"names the column\(s\) \['1'\] more than once.*if the first line is data"),
    ('{"id": 1, "text": "a", "labels": ["joy"]}\n{"id": 2, "text": "b", "lables": ["sad"]}\n'
     '{"id": 3, "text": "c", "labels": null}\n', {"files": {"all": "data.jsonl"}, "labels": LONG},
     r"data.jsonl: line 2 has no 'labels' key \(1 such records; a misspelt key\?\)"),
    ('{"id": 1.50, "text": "a", "joy": 1, "sad": 0}\n{"id": 2, "text": "b", "joy": 0, "sad": 1}\n',
     {"files": {"all": "data.jsonl"}}, r"data.jsonl: line 1: id 1.5 is a floating-point number"),
    ("PK\x03\x04 not really a workbook", {"files": {"all": "data.xlsx"}},
     r"data.xlsx: spreadsheets are not read; save the sheet as CSV UTF-8"),
    ("id,text,joy,sad\n1,caf\u00e9 \U0001F600,1,0\n2,b,0,1\n", {"encoding": "cp1252"},
     r"the file is UTF-8 \(e.g. '1,caf\u00e9'\), but ingest.encoding is 'cp1252', which would read it "
     r"as '1,caf\u00c3\u00a9'; set ingest.encoding: utf-8"),
    ("id,text,joy,sad\n1,a,1,0\n 1,b,0,1\n", {}, r"duplicate ids \(2 rows\)"),  # ' 1' is the id 1
])
def test_real_world_mistakes_refused_at_their_line(tmp_path, content, overrides, message):
    write(tmp_path, overrides.get("files", {}).get("all", "data.csv"), content)
    with pytest.raises(UserError, match=message):
        ingest(ingest_cfg(tmp_path, **overrides))


def test_parquet_missing_label_is_empty_not_a_bad_value(tmp_path):
    pd.DataFrame({"id": ["1", "2"], "text": ["a", "b"], "joy": pd.array([1, None], dtype="Int8"),
                  "sad": [0, 1]}).to_parquet(tmp_path / "data.parquet")
    with pytest.raises(UserError, match=r"data.parquet: row 2, column 'joy' is empty \(a missing label value\)"):
        ingest(ingest_cfg(tmp_path, files={"all": "data.parquet"}))


def test_missing_long_labels_in_parquet_are_no_labels_not_a_label_named_na(tmp_path):
    pd.DataFrame({"id": ["1", "2", "3"], "text": ["a", "b", "c"],
                  "labels": pd.array(["joy", None, "sad,joy"], dtype="string")}).to_parquet(tmp_path / "d.parquet")
    result = ingest(ingest_cfg(tmp_path, files={"all": "d.parquet"}, labels=LONG))
    assert result.labels == ["joy", "sad"]
    assert result.table[["joy", "sad"]].to_numpy().tolist() == [[1, 0], [0, 0], [1, 1]]


@pytest.mark.parametrize("name, content, overrides, expected", [
    ("quoted paragraphs with commas", 'id,text,labels\n1,"Dear all,\nI think, honestly, great",joy\n2,bye,sad\n',
     {"labels": LONG}, ["Dear all,\nI think, honestly, great", "bye"]),
    ("Excel's empty trailing columns", "id,text,labels,,\n1,a,joy,,\n2,b,sad,,\n", {"labels": LONG}, ["a", "b"]),
    ("whitespace-only lines", "id,text,labels\n1,a,joy\n   \n2,b,sad\n \n", {"labels": LONG}, ["a", "b"]),
    ("a line separator inside a JSON string", '{"id": 1, "text": "a\u2028b", "labels": ["joy"]}\n'
     '{"id": 2, "text": "b", "labels": ["sad"]}\n', {"files": {"all": "data.jsonl"}, "labels": LONG}, ["a\u2028b", "b"]),
])
def test_valid_files_the_checks_must_not_refuse(tmp_path, name, content, overrides, expected):
    write(tmp_path, overrides.get("files", {}).get("all", "data.csv"), content)
    result = ingest(ingest_cfg(tmp_path, **overrides))
    assert result.table["text"].tolist() == expected, name
    assert result.labels == ["joy", "sad"], name


def test_label_names_with_joiner_or_quote_characters_that_are_real(tmp_path):
    write(tmp_path, "data.csv", "id,text,tags\n1,a,c|c++\n2,b,c\n3,c,tcp/ip|tcp|ip\n")
    write(tmp_path, "names.txt", "c\nc++\ntcp\nip\ntcp/ip\n")
    long = {"layout": "long", "column": "tags", "separator": "|"}
    with pytest.raises(UserError, match=r"'tcp/ip' look like labels joined by '/'"):
        ingest(ingest_cfg(tmp_path, labels=long))  # tcp/ip: a joined pair, or a name? ambiguous
    named = ingest(ingest_cfg(tmp_path, labels={**long, "names_file": "names.txt"}))
    assert named.labels == ["c", "c++", "tcp", "ip", "tcp/ip"]  # the names file decides
    assert named.table["c++"].tolist() == [1, 0, 0]
    write(tmp_path, "data.csv", "id,text,women's health,sports\n1,a,1,0\n2,b,0,1\n")
    assert ingest(ingest_cfg(tmp_path)).labels == ["women's health", "sports"]  # a wide column


def test_padded_names_and_ids_are_stripped_and_a_parquet_index_is_a_column(tmp_path):
    write(tmp_path, "data.csv", "id ,text , joy,sad \n 1,a,1,0\n2 ,b,0,1\n")  # as Excel pads them
    result = ingest(ingest_cfg(tmp_path))
    assert result.labels == ["joy", "sad"]
    assert result.table["id"].tolist() == ["1", "2"]
    pd.DataFrame({"id": ["7", "8"], "text": ["a", "b"], "joy": [1, 0], "sad": [0, 1]}).set_index("id") \
        .to_parquet(tmp_path / "data.parquet")  # the id saved as the index, as set_index leaves it
    assert ingest(ingest_cfg(tmp_path, files={"all": "data.parquet"})).table["id"].tolist() == ["7", "8"]
    frame = pd.DataFrame({"id": ["7", "8"], "text": ["a", "b"], "joy": [1, 0], "sad": [0, 1]})
    for indexed in (frame.set_index("id", drop=False), frame.rename_axis("row")):  # neither is data
        indexed.to_parquet(tmp_path / "data.parquet")
        result = ingest(ingest_cfg(tmp_path, files={"all": "data.parquet"}))
        assert result.labels == ["joy", "sad"] and result.table["id"].tolist() == ["7", "8"]


def test_label_taxonomies_and_scales_are_not_joined_labels(tmp_path):
    write(tmp_path, "data.csv", 'id,text,labels\n1,a,"sports,sports/football"\n2,b,politics\n'
                                '3,c,sports+\n')
    assert ingest(ingest_cfg(tmp_path, labels=LONG)).labels == ["politics", "sports", "sports+", "sports/football"]


def test_names_file_encoding_and_duplicates_refused(tmp_path):
    write(tmp_path, "data.csv", "id,text,labels\n1,a,0\n2,b,1\n")
    long = {**LONG, "names_file": "names.txt"}
    write(tmp_path, "names.txt", "col\u00e8re\njoie\n".encode("latin-1"))
    with pytest.raises(UserError, match=r"names.txt: the label-names file is not UTF-8 .* re-save it as UTF-8"):
        ingest(ingest_cfg(tmp_path, labels=long))
    write(tmp_path, "names.txt", "anger\njoy\nanger\n")
    with pytest.raises(UserError, match=r"names.txt: the label-names file lists \['anger'\] more than once"):
        ingest(ingest_cfg(tmp_path, labels=long))
    write(tmp_path, "names.txt", "anger\n\njoy\n")  # a blank line would shift joy to id 1
    with pytest.raises(UserError, match=r"names.txt: line 2 is blank; .* write the name of id 1 there"):
        ingest(ingest_cfg(tmp_path, labels=long))
    write(tmp_path, "names.txt", "anger\njoy\nlove\n\n\n")  # blank lines at the end are fine
    write(tmp_path, "data.csv", "id,text,labels\n1,a,[0 2]\n2,b,[1]\n")  # numpy's repr of ids
    result = ingest(ingest_cfg(tmp_path, labels=long))
    assert result.table[["anger", "joy", "love"]].to_numpy().tolist() == [[1, 0, 1], [0, 1, 0]]


def test_a_label_column_listed_twice_is_refused_in_params(tmp_path):
    write(tmp_path, "data.csv", "id,text,joy,anger\n1,a,1,0\n2,b,0,1\n")
    with pytest.raises(UserError, match=r"ingest.labels.columns.*lists 'joy' more than once"):
        ingest(ingest_cfg(tmp_path, labels={"columns": ["joy", "joy", "anger"]}))
