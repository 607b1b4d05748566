"""Exports that were read wrong without a word, or crashed: a names file with pandas' header
line, files joined with their byte-order marks, a quote left open over two lines, tuples and
vectors as text, `#`-joined labels, R's NA as a text, csv quoting read with quoting: none, a
repeated JSON key, half an emoji, a cut gzip; and a valid text over lines that was refused."""

import gzip
import json

import pytest

from conftest import ingest_cfg
from embedding_bench.errors import UserError
from embedding_bench.ingest import ingest

LONG = {"layout": "long", "column": "labels"}


def write(folder, name, text):
    (folder / name).write_text(text, encoding="utf-8")


def long_csv(cells):
    return "id,text,labels\n" + "".join(f'{i},tweet {i},"{c}"\n' for i, c in enumerate(cells))


def test_a_names_file_with_a_header_line_is_refused_not_shifted_by_one(tmp_path):
    write(tmp_path, "data.csv", long_csv(["0", "1", "2", "0,1", "1,2", ""]))
    write(tmp_path, "emotions.txt", "emotion\njoy\nsad\nfear\n")  # pandas' Series.to_csv(index=False)
    with pytest.raises(UserError, match=r"data.csv: line 2, column 'labels': the column gives ids \('0'\), and "
                                        r"the names file's last line, 'fear' \(id 3\), is no text's label: does "
                                        r"the file start with a header line \('emotion'"):
        ingest(ingest_cfg(tmp_path, labels={**LONG, "names_file": "emotions.txt"}))
    write(tmp_path, "emotions.txt", "joy\nsad\nfear\n")  # without it: ids 0..2 are the three names
    result = ingest(ingest_cfg(tmp_path, labels={**LONG, "names_file": "emotions.txt"}))
    assert result.labels == ["joy", "sad", "fear"]
    assert result.report["label_frequency"] == {"joy": 2, "sad": 3, "fear": 2}
    write(tmp_path, "emotions.txt", "0,joy\n1,sad\n2,fear\n")  # an id and a name a line
    with pytest.raises(UserError, match=r"emotions.txt: line 1 \('0,joy'\) looks like an id and a name"):
        ingest(ingest_cfg(tmp_path, labels={**LONG, "names_file": "emotions.txt"}))


def test_files_joined_with_their_byte_order_marks_repeat_the_header(tmp_path):
    part = "\ufeffid,text,labels\r\n" + "".join(f"{i},tweet {i},joy\r\n" for i in range(3))
    write(tmp_path, "data.csv", part + part.replace("joy", "sad").replace(",tweet", "1,tweet"))
    with pytest.raises(UserError, match=r"data.csv: line 5 repeats the header"):
        ingest(ingest_cfg(tmp_path, labels=LONG))


def test_a_quote_left_open_over_two_rows_is_refused_and_a_text_over_lines_is_read(tmp_path):
    rows = ["id,text,joy,sad"] + [f"{i},tweet {i},{i % 2},0" for i in range(4)]
    rows[2:4] = ['1,"To be or not to be,1,0', '2,that is the question",0,1']  # two rows became one
    write(tmp_path, "data.csv", "\n".join(rows) + "\n")
    with pytest.raises(UserError, match=r"data.csv: line 3: a quote \(\"\) starts a field that runs over"):
        ingest(ingest_cfg(tmp_path))
    # a quoted text over three lines, its middle line splitting into as many fields as the header
    write(tmp_path, "data.csv", 'id,text,joy,sad\n1,"Dear diary\nI love pizza, pasta, wine, and beer\nthe end",1,0\n'
                                "2,ok,0,1\n")
    assert ingest(ingest_cfg(tmp_path)).table["text"].tolist() == [
        "Dear diary\nI love pizza, pasta, wine, and beer\nthe end", "ok"]
    with pytest.raises(UserError, match=r"line 2 has 2 fields .*with ingest.quoting: none a delimiter inside a "
                                        r"text splits it"):  # not advice to set what is set
        ingest(ingest_cfg(tmp_path, quoting="none"))


@pytest.mark.parametrize("cells, message", [
    (["(2, 27)", "(3,)", "(2,)", "()"], r"hold brackets, quotes or unbalanced parentheses"),  # pandas' tuples
    (["0.0,1.0,0.0", "1.0,0.0,0.0"], r"'0.0' in the labels \['0.0', '1.0', '0.0'\] is a value per label"),
    (["0.25,0.75", "1,0"], r"'0.25' in the labels .* is a value per label"),
    (["joy#fear", "joy", "fear", "fear#joy"], r"labels like 'fear#joy' look like labels joined by '#'"),
    (["joy", "sad", "2"], r"the label '2' is a number among names \('joy', 'sad'\): an id\?"),
])
def test_label_cells_that_are_not_names_are_refused(tmp_path, cells, message):
    write(tmp_path, "data.csv", long_csv(cells))
    with pytest.raises(UserError, match=r"data.csv: line \d, column 'labels': .*" + message):
        ingest(ingest_cfg(tmp_path, labels=LONG))


def test_labels_that_only_look_odd_are_still_read(tmp_path):
    write(tmp_path, "data.csv", long_csv(["joy (mild)", "anger", "401.9", "joy (mild),anger", ""]))
    assert ingest(ingest_cfg(tmp_path, labels=LONG)).labels == ["401.9", "anger", "joy (mild)"]


def test_missing_value_texts_are_dropped_and_counted(tmp_path):
    write(tmp_path, "data.csv", '"","id","text","joy","sad"\n"1",1,"a tweet",TRUE,FALSE\n"2",2,NA,FALSE,TRUE\n'
                                '"3",3,"nan",FALSE,TRUE\n"4",4,"another",FALSE,TRUE\n"5",5,"NAN bread",TRUE,TRUE\n')
    cfg = dict(labels={"columns": ["joy", "sad"]})
    result = ingest(ingest_cfg(tmp_path, **cfg))
    assert result.table["text"].tolist() == ["a tweet", "another", "NAN bread"]
    assert result.report["dropped"] == {"missing_value_text": 2} and result.report["rows_read"] == 5
    with pytest.raises(UserError, match=r"data.csv: line 3: the text 'NA' marks a missing value \(2 such rows\)"):
        ingest(ingest_cfg(tmp_path, on_bad_rows="error", **cfg))


def test_csv_quoting_read_with_quoting_none_is_refused(tmp_path):
    write(tmp_path, "data.tsv", 'id\ttext\tjoy\tsad\n1\t"He said ""hi"" to me"\t1\t0\n2\t"so" happy\t0\t1\n')
    with pytest.raises(UserError, match=r"data.tsv: line 2: the field .* is quoted by a csv writer \(doubled "
                                        r"quotes inside\).*set ingest.quoting: minimal"):
        ingest(ingest_cfg(tmp_path, files={"all": "data.tsv"}, quoting="none"))
    write(tmp_path, "data.csv", 'id,text,joy,sad\n1,"I am \\"fine\\"",1,0\n2,ok,0,1\n')  # Spark's escapes
    with pytest.raises(UserError, match=r"line 2: .*\(backslash-escaped quotes inside\).*re-export it"):
        ingest(ingest_cfg(tmp_path, quoting="none"))
    write(tmp_path, "data.tsv", 'id\ttext\tjoy\tsad\n1\t"quoted tweet"\t1\t0\n2\t"so" happy\t0\t1\n')
    assert ingest(ingest_cfg(tmp_path, files={"all": "data.tsv"}, quoting="none")).table["text"].tolist() == [
        '"quoted tweet"', '"so" happy']  # a tweet's own quotes are kept


def test_json_with_a_repeated_key_or_half_an_emoji_is_refused_where_it_is(tmp_path):
    write(tmp_path, "data.jsonl", '{"id": 1, "text": "a", "joy": 1, "sad": 0}\n'
                                  '{"id": 2, "text": "b", "joy": 1, "sad": 0, "joy": 0}\n')
    with pytest.raises(UserError, match=r"data.jsonl: line 2: a JSON object gives the key\(s\) \['joy'\] more "
                                        r"than once"):
        ingest(ingest_cfg(tmp_path, files={"all": "data.jsonl"}))
    write(tmp_path, "data.jsonl", '{"id": 1, "text": "fine \\ud83d\\ude00", "labels": ["joy"]}\n'
                                  '{"id": 2, "text": "so happy \\ud83d", "labels": ["sad"]}\n')
    with pytest.raises(UserError, match=r"data.jsonl: line 2, key 'text': '\\ud83d' is half of a UTF-16 "
                                        r"surrogate pair"):
        ingest(ingest_cfg(tmp_path, files={"all": "data.jsonl"}, labels=LONG))


@pytest.mark.parametrize("damage", ["cut", "flipped"])
def test_a_truncated_or_damaged_gzip_file_is_one_message(tmp_path, damage):
    data = gzip.compress("".join(f"{i},tweet number {i},{i % 2},1\n" for i in range(2000)).encode(), mtime=0)
    data = data[:len(data) // 2] if damage == "cut" else data[:40] + bytes(b ^ 0xFF for b in data[40:44]) + data[44:]
    (tmp_path / "data.csv.gz").write_bytes(b"" + data)
    with pytest.raises(UserError, match=r"data.csv.gz: the gzip'd file is truncated or damaged"):
        ingest(ingest_cfg(tmp_path, files={"all": "data.csv.gz"}))


def test_the_labels_column_cannot_be_the_text_column(tmp_path):
    with pytest.raises(UserError, match=r"ingest.labels.column and ingest.text_column are both 'text'"):
        ingest_cfg(tmp_path, labels={**LONG, "column": "text"})


def test_listed_label_columns_match_the_header_in_either_unicode_form(tmp_path):
    write(tmp_path, "data.csv", "id,text,joy,cafe\u0301\n1,a,1,0\n2,b,0,1\n")  # e + combining accent
    result = ingest(ingest_cfg(tmp_path, labels={"columns": ["joy", "caf\u00e9"]}))
    assert result.labels == ["joy", "caf\u00e9"] and result.report["label_frequency"] == {"joy": 1, "caf\u00e9": 1}


def test_json_records_read_as_before(tmp_path):
    rows = [{"id": i, "text": f"t{i} \U0001F600", "labels": ["joy"] if i % 2 else ["sad"]} for i in range(4)]
    write(tmp_path, "data.json", json.dumps(rows))
    table = ingest(ingest_cfg(tmp_path, files={"all": "data.json"}, labels=LONG)).table
    assert table["text"].tolist() == [f"t{i} \U0001F600" for i in range(4)]
