"""Exports that were read wrong without a word: label vectors read as ids, missing-value markers
and array syntax read as labels, a Windows file read as latin-1, a test file without its
answers, a misspelt text key; and the messages for pandas' index, a repeated header, a blank cell."""

import csv
import gzip
import json

import pandas as pd
import pytest

from conftest import ingest_cfg
from embedding_bench.errors import UserError
from embedding_bench.ingest import ingest

LONG = {"layout": "long", "column": "labels"}
VECTOR = r"is a value per label \(a 0/1 or probability vector\?\), not a label name or a whole-number id"
REPEATED = r"name '0' more than once: a 0/1 value per label \(a multi-hot vector\)\?"


def write(folder, name, text):
    (folder / name).write_text(text, encoding="utf-8")


def jsonl(records):
    return "".join(json.dumps(r) + "\n" for r in records)


@pytest.mark.parametrize("cells, message", [
    ([[0, 1, 0, 0], [1, 0, 0, 1]], REPEATED),  # a multi-hot vector as a JSON list: ids 0 and 1 before
    ([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]], VECTOR),  # Hugging Face's float vectors
    ([[True, False, True], [False, True, False]], VECTOR),
    ([[1.0, 0.0], [0.0, 1.0]], VECTOR),  # no repeat to tell it: the floats do
])
def test_a_label_vector_in_a_list_is_refused_not_read_as_ids(tmp_path, cells, message):
    write(tmp_path, "labels.txt", "anger\njoy\nfear\nsadness\n")
    write(tmp_path, "data.jsonl", jsonl({"id": i, "text": f"t{i}", "labels": c} for i, c in enumerate(cells)))
    for names in ("labels.txt", None):
        with pytest.raises(UserError, match=r"data.jsonl: line 1, column 'labels': .*" + message):
            ingest(ingest_cfg(tmp_path, files={"all": "data.jsonl"}, labels={**LONG, "names_file": names}))


@pytest.mark.parametrize("cell, message", [
    ('"[0, 1, 0, 0]"', REPEATED),
    ("[0. 1. 0. 0.]", VECTOR),  # numpy's repr of a float array, as pandas' to_csv writes it
    ('"0,1,0,0"', REPEATED),
])
def test_a_label_vector_written_as_text_is_refused(tmp_path, cell, message):
    write(tmp_path, "data.csv", f"id,text,labels\n1,a,{cell}\n2,b,joy\n")
    with pytest.raises(UserError, match=r"data.csv: line 2, column 'labels': .*" + message):
        ingest(ingest_cfg(tmp_path, labels=LONG))


def test_ids_and_names_each_once_still_read(tmp_path):
    write(tmp_path, "labels.txt", "anger\njoy\nfear\n")
    write(tmp_path, "data.jsonl", jsonl([{"id": 1, "text": "a", "labels": [0, 2]},
                                         {"id": 2, "text": "b", "labels": ["joy"]}]))
    table = ingest(ingest_cfg(tmp_path, files={"all": "data.jsonl"},
                              labels={**LONG, "names_file": "labels.txt"})).table
    assert table[["anger", "joy", "fear"]].to_numpy().tolist() == [[1, 0, 1], [0, 1, 0]]


@pytest.mark.parametrize("marker", ["NA", "NaN", "None", "null", "N/A", "-1"])
def test_a_missing_value_marker_is_no_label(tmp_path, marker):
    write(tmp_path, "data.csv", f"id,text,labels\n1,a,joy\n2,b,{marker}\n3,c,sad\n")
    with pytest.raises(UserError, match=rf"line 3, column 'labels': '{marker}' reads as a missing value, "
                                        r"not a label: leave the cell empty"):
        ingest(ingest_cfg(tmp_path, labels=LONG))


def test_a_marker_the_names_file_lists_is_a_label(tmp_path):
    write(tmp_path, "labels.txt", "joy\nNone\n")
    write(tmp_path, "data.csv", "id,text,labels\n1,a,joy\n2,b,None\n")
    result = ingest(ingest_cfg(tmp_path, labels={**LONG, "names_file": "labels.txt"}))
    assert result.labels == ["joy", "None"] and result.table["None"].tolist() == [0, 1]


def test_postgres_arrays_and_pipe_joined_labels_are_refused(tmp_path):
    write(tmp_path, "data.csv", 'id,text,labels\n1,a,{joy}\n2,b,"{anger,sadness}"\n3,c,{}\n')
    with pytest.raises(UserError, match=r"label names .* hold brackets, quotes"):
        ingest(ingest_cfg(tmp_path, labels=LONG))
    # no part ever alone: joined all the same (before: three labels named 'anger|disgust' ...)
    write(tmp_path, "data.csv", "id,text,labels\n1,a,anger|disgust\n2,b,joy|love\n3,c,fear|sadness\n")
    with pytest.raises(UserError, match=r"labels like 'anger\|disgust' look like labels joined by '\|'.*"
                                        r"set ingest.labels.separator: '\|'"):
        ingest(ingest_cfg(tmp_path, labels=LONG))
    assert ingest(ingest_cfg(tmp_path, labels={**LONG, "separator": "|"})).labels == [
        "anger", "disgust", "fear", "joy", "love", "sadness"]


def test_numbers_as_label_names_that_are_also_ids_are_refused_where_ids_are_used(tmp_path):
    write(tmp_path, "names.txt", "1\n2\n3\n4\n5\n")  # cell 1: the name "1", or the id of "2"?
    write(tmp_path, "data.csv", "id,text,labels\n1,a,0\n2,b,1\n")
    with pytest.raises(UserError, match=r"data.csv: line 3, column 'labels': '1' is a label's name and the id "
                                        r"of '2', and the column gives ids as well \(line 2: '0'\)"):
        ingest(ingest_cfg(tmp_path, labels={**LONG, "names_file": "names.txt"}))
    write(tmp_path, "names.txt", "0\n1\n2\n")  # each number its own id: nothing to mix up
    assert ingest(ingest_cfg(tmp_path, labels={**LONG, "names_file": "names.txt"})).labels == ["0", "1", "2"]
    # ICD-9 codes by name: 99 and 042 stay names, though they are also the ids of other codes
    codes = ["99", "E836", "4019", "042"] + [f"{c}" for c in range(100, 196)]
    write(tmp_path, "names.txt", "\n".join(codes) + "\n")
    write(tmp_path, "data.csv", 'id,text,labels\n1,a,"042,4019"\n2,b,99\n3,c,"4019,4019,E836"\n')
    table = ingest(ingest_cfg(tmp_path, labels={**LONG, "names_file": "names.txt"})).table
    assert table[["042", "4019", "99", "E836"]].to_numpy().tolist() == [[1, 1, 0, 0], [0, 0, 1, 0], [0, 1, 0, 1]]
    write(tmp_path, "names.txt", "\u2460\n\u00b2\n")  # digits int() cannot read: names, no crash
    write(tmp_path, "data.csv", "id,text,labels\n1,a,\u00b2\n2,b,\u2460\n")
    assert ingest(ingest_cfg(tmp_path, labels={**LONG, "names_file": "names.txt"})).labels == ["\u2460", "\u00b2"]


def test_repeated_ids_and_decimal_codes(tmp_path):
    write(tmp_path, "data.csv", 'id,text,labels\n1,a,"3,3,27"\n2,b,27\n')  # a repeat among ids: one label
    assert ingest(ingest_cfg(tmp_path, labels=LONG)).labels == ["27", "3"]
    write(tmp_path, "data.jsonl", jsonl([{"id": 1, "text": "a", "labels": [401.9, 428.0]},
                                         {"id": 2, "text": "b", "labels": ["401.9"]}]))
    with pytest.raises(UserError, match=r"line 1, column 'labels': 401.9 in the labels \[401.9, 428.0\] is a "
                                        r"number with a decimal point, no label id.*write such codes as strings"):
        ingest(ingest_cfg(tmp_path, files={"all": "data.jsonl"}, labels=LONG))


@pytest.mark.parametrize("encoding", ["latin-1", "iso-8859-15"])
def test_a_windows_file_read_as_latin1_is_refused_with_cp1252(tmp_path, encoding):
    text = "Caf\u00e9 au lait \u2013 \u201cgood\u201d"
    (tmp_path / "data.csv").write_bytes(f"id,text,joy,sad\n1,fine,1,0\n2,{text},0,1\n".encode("cp1252"))
    with pytest.raises(UserError, match=rf"data.csv: line 3 holds the byte 0x96, which ingest.encoding "
                                        rf"'{encoding}' reads as an invisible control character and Windows' "
                                        r"cp1252 as '\u2013': set ingest.encoding: cp1252"):
        ingest(ingest_cfg(tmp_path, encoding=encoding))
    assert ingest(ingest_cfg(tmp_path, encoding="cp1252")).table["text"].tolist() == ["fine", text]
    (tmp_path / "data.csv").write_bytes(gzip.compress("id,text,joy,sad\n1,caf\u00e9,1,0\n2,b,0,1\n".encode("latin-1")))
    assert ingest(ingest_cfg(tmp_path, encoding=encoding)).table["text"][0] == "caf\u00e9"  # real latin-1


def test_a_test_file_without_its_labels_is_refused(tmp_path):
    write(tmp_path, "train.csv", "id,text,labels\n" + "".join(f"{i},t{i},{'joy' if i % 2 else 'sad'}\n"
                                                             for i in range(40)))
    write(tmp_path, "test.csv", "id,text,labels\n" + "".join(f"{i},u{i},\n" for i in range(100, 112)))
    files = {"train": "train.csv", "test": "test.csv"}
    with pytest.raises(UserError, match=r"test.csv: none of its 12 texts has a label \(the column 'labels' is "
                                        r"empty in every row\), while 100% of the other files' texts have one"):
        ingest(ingest_cfg(tmp_path, files=files, labels=LONG))
    write(tmp_path, "test.csv", "id,text,labels\n" + "".join(f"{i},u{i},\n" for i in range(100, 105)))
    assert len(ingest(ingest_cfg(tmp_path, files=files, labels=LONG)).table) == 45  # 5 texts: may be chance


def test_a_misspelt_text_key_is_refused_not_an_empty_text(tmp_path):
    records = [{"id": i, "text": f"t{i}", "labels": ["sad"]} for i in range(6)]
    records += [{"id": i, "txt": f"t{i}", "labels": ["joy"]} for i in range(6, 10)]
    write(tmp_path, "data.jsonl", jsonl(records))
    with pytest.raises(UserError, match=r"data.jsonl: line 7 has no 'text' key \(4 such records; a misspelt "
                                        r"key\?\); fix the records, or ingest.text_column"):
        ingest(ingest_cfg(tmp_path, files={"all": "data.jsonl"}, labels=LONG))


@pytest.mark.parametrize("csv, message", [
    ("Unnamed: 0,id,text,joy,sad\n0,1,a,1,0\n1,2,b,0,1\n",  # pandas' index after read_csv, then to_csv
     r"the column 'Unnamed: 0' has no name of its own \(an index written by pandas' to_csv without "
     r"index=False\?\).*the ids are in 'id'"),
    ("Unnamed: 0,text,joy,sad\n0,a,1,0\n1,b,0,1\n",
     r"no column 'id' \(ingest.id_column\); columns found: Unnamed: 0, text, joy, sad \(the column 'Unnamed: 0' "
     r"is an index pandas wrote: if it holds the ids, set ingest.id_column: 'Unnamed: 0'"),
    (",id,text,joy,sad\n0,1,a,1,0\n1,2,b,0,1\n",  # pandas' index beside an id column
     r"the column '' has no name of its own .*: the ids are in 'id', so list the label columns in "
     r"ingest.labels.columns, or remove that column$"),
    ("id,text,joy,sad\n1,a,1,0\nid,text,joy,sad\n2,b,0,1\n",  # two exports joined with cat
     r"line 3, column 'joy' repeats the header \(files joined with their headers\?\); remove that line$"),
    ("id,text,joy,sad\n1,a,1,0\n2,b,,1\n",
     r"line 3, column 'joy' is empty \(a missing label value\); give every text 0 or 1 in every label column$"),
])
def test_wide_layout_messages_name_the_real_cause(tmp_path, csv, message):
    write(tmp_path, "data.csv", csv)
    with pytest.raises(UserError, match=message) as refused:
        ingest(ingest_cfg(tmp_path))
    assert "layout: long" not in str(refused.value)  # the long layout is not the cure for any of these


def test_a_parquet_list_of_floats_is_refused(tmp_path):
    pd.DataFrame({"id": ["1", "2"], "text": ["a", "b"], "labels": [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]}) \
        .to_parquet(tmp_path / "data.parquet")
    with pytest.raises(UserError, match=r"data.parquet: row 1, column 'labels': 0.0 in the labels \[0.0, 1.0, 0.0\] "
                                        + VECTOR):
        ingest(ingest_cfg(tmp_path, files={"all": "data.parquet"}, labels=LONG))


@pytest.mark.parametrize("orient, indent", [("columns", None), ("index", None), ("columns", 2),
                                           ("split", None), ("table", 2)])
def test_pandas_default_to_json_is_told_how_to_write_records(tmp_path, orient, indent):
    pd.DataFrame({"id": [1, 2], "text": ["a", "b"], "joy": [1, 0], "sad": [0, 1]}).to_json(
        tmp_path / "data.json", orient=orient, indent=indent)
    with pytest.raises(UserError, match=r"data.json: one JSON object of objects or tables .* as pandas' to_json "
                                        r"writes them .* df.to_json\(path, orient='records', lines=True\)"):
        ingest(ingest_cfg(tmp_path, files={"all": "data.json"}))


def test_cut_texts_are_said_on_the_console(tmp_path, capsys):
    write(tmp_path, "data.csv", "id,text,joy,sad\n1,aaaaaaaaaa,1,0\n2,b,0,1\n")
    result = ingest(ingest_cfg(tmp_path, max_chars=4))
    assert result.table["text"].tolist() == ["aaaa", "b"] and result.report["truncated_texts"] == 1
    assert "1 of 2 texts are longer than ingest.max_chars 4 and were cut to it" in capsys.readouterr().err


def test_a_tsv_tweet_in_quotes_is_not_read_as_quoting(tmp_path):
    """`"Be yourself"` in a TSV whose other texts go unquoted: the quotes are the tweet's own;
    quoting: minimal dropped them without a word (and `""` became an empty text)."""
    write(tmp_path, "data.tsv", 'id\ttext\tjoy\tsad\n1\t"Be yourself"\t0\t1\n2\tplain text\t1\t0\n3\tok\t1\t0\n')
    with pytest.raises(UserError, match=r"data.tsv: line 2: the field '\"Be yourself\"' in column 'text' is "
                                        r"wrapped in quotes no writer would add, while other texts there go "
                                        r"unquoted.*set ingest.quoting: none"):
        ingest(ingest_cfg(tmp_path, files={"all": "data.tsv"}))
    kept = ingest(ingest_cfg(tmp_path, files={"all": "data.tsv"}, quoting="none")).table["text"]
    assert kept.tolist() == ['"Be yourself"', "plain text", "ok"]


@pytest.mark.parametrize("sep_char", [",", ";"])
def test_a_quoted_tsv_tweet_with_a_comma_is_its_own_where_unquoted_texts_hold_commas(tmp_path, sep_char):
    """A writer may quote a field for a comma or semicolon; not this file's, whose unquoted texts
    hold them: so `"Wait{c} what"` keeps its quotes (quoting: minimal dropped them silently)."""
    write(tmp_path, "data.tsv", f'id\ttext\tjoy\tsad\n1\t"Wait{sep_char} what"\t0\t1\n'
                                f'2\tyes{sep_char} it is\t1\t0\n3\tok\t1\t0\n')
    name = {",": "comma", ";": "semicolon"}[sep_char]
    with pytest.raises(UserError, match=rf"line 2: the field '\"Wait{sep_char} what\"' in column 'text' is wrapped "
                                        rf"in quotes no writer would add \(a {name} is no reason: line 3 holds one "
                                        r"unquoted\), while other texts there go unquoted"):
        ingest(ingest_cfg(tmp_path, files={"all": "data.tsv"}))
    kept = ingest(ingest_cfg(tmp_path, files={"all": "data.tsv"}, quoting="none")).table["text"]
    assert kept.tolist()[0] == f'"Wait{sep_char} what"'


def test_a_tsv_writer_that_quotes_fields_with_commas_still_reads(tmp_path):
    write(tmp_path, "data.tsv", 'id\ttext\tjoy\tsad\n1\t"Wait, what"\t0\t1\n2\tplain text\t1\t0\n')
    assert ingest(ingest_cfg(tmp_path, files={"all": "data.tsv"})).table["text"].tolist() == ["Wait, what",
                                                                                              "plain text"]


@pytest.mark.parametrize("style", [csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC, csv.QUOTE_MINIMAL])
def test_tsv_writers_that_quote_consistently_still_read(tmp_path, style):
    frame = pd.DataFrame({"id": [1, 2, 3], "text": ["a tweet", 'say "hi"', "tab\there"],
                          "joy": [1, 0, 1], "sad": [0, 1, 0]})
    frame.to_csv(tmp_path / "data.tsv", sep="\t", index=False, quoting=style)
    table = ingest(ingest_cfg(tmp_path, files={"all": "data.tsv"})).table
    assert table["text"].tolist() == ["a tweet", 'say "hi"', "tab\there"]


def test_a_name_listed_twice_is_one_label(tmp_path):
    write(tmp_path, "data.csv", 'id,text,labels\n1,a,"joy,joy"\n2,b,sad\n')
    assert ingest(ingest_cfg(tmp_path, labels=LONG)).table[["joy", "sad"]].to_numpy().tolist() == [[1, 0], [0, 1]]


@pytest.mark.parametrize("tsv", [
    'id\ttext\tjoy\tsad\n1\t"so happy"\t1\t0\n2\tNA\t0\t1\n3\t"so sad"\t0\t1\n',  # R write.table, NA
    'id\ttext\tjoy\tsad\n1\t"so happy today"\t1\t0\n2\tUgh\t0\t1\n',  # Perl Text::CSV quote_space
    'id\ttext\tjoy\tsad\n1\t" leading space"\t1\t0\n2\tplain text\t0\t1\n',  # Go: a leading space
    'id\ttext\tjoy\tsad\n1\t"#happy day"\t1\t0\n2\tplain text\t0\t1\n',  # Commons CSV: a leading #
    'id\ttext\tjoy\tsad\n1\t"so happy"\t1\t0\n2\t2020\t0\t1\n',  # LibreOffice: numbers unquoted
    'id\ttext\tjoy\tsad\r1\thello world\t1\t0\r2\tplain\t0\t1\r',  # old Mac line ends (was a crash)
])
def test_tsv_writers_that_quote_by_content_still_read(tmp_path, tsv):
    write(tmp_path, "data.tsv", tsv)
    texts = ingest(ingest_cfg(tmp_path, files={"all": "data.tsv"})).table["text"].tolist()
    assert len(texts) >= 2 and not any(t.startswith('"') for t in texts)


@pytest.mark.parametrize("value", ["NA", "-1"])
def test_a_missing_marker_in_the_wide_layout_is_said_so(tmp_path, value):
    write(tmp_path, "data.csv", f"id,text,toxic,insult\n1,a,1,0\n2,b,{value},{value}\n")
    with pytest.raises(UserError, match=rf"line 3, column 'toxic' is '{value}', a missing label value; give "
                                        r"every text 0 or 1 in every label column, and remove texts nobody labelled "
                                        r"\(or, for labels coded 1/-1, write -1 as 0\)$"):
        ingest(ingest_cfg(tmp_path))


def test_a_mostly_utf8_file_with_a_latin1_byte_is_not_sent_to_cp1252(tmp_path):
    (tmp_path / "data.csv").write_bytes("id,text,joy,sad\n1,caf\u00e9 \u2013 nice,1,0\n2,".encode("utf-8")
                                        + b"na\xefve,0,1\n")
    with pytest.raises(UserError, match=r"line 2 holds the byte 0x80, .* the file also holds UTF-8 characters "
                                        r"\(e.g. '\u2013'\): it mixes encodings; re-save it as UTF-8"):
        ingest(ingest_cfg(tmp_path, encoding="latin-1"))
    (tmp_path / "data.csv").write_bytes(b"id,text,joy,sad\n1,a\x81b,1,0\n2,c,0,1\n")
    with pytest.raises(UserError, match=r"holds the byte 0x81, .*and no Windows encoding reads it either"):
        ingest(ingest_cfg(tmp_path, encoding="latin-1"))
