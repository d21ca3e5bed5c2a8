"""The one dataset reader: RFC 4180 CSV with strict quoting, TSV, JSONL and TXT; the encoding from a
BOM, UTF-8, GB18030 or detection; every bad row and every refused file named with its line."""

from __future__ import annotations

import pytest

from simservice.datafiles import BadInput, BadRow, Row, decode, read_data, read_table
from simservice.evaluation import read_labelled_pairs

CSV = 'id,text,topic\r\n1,"今天天气怎么样",天气\r\n2,"一个""引号""和\r\n换行",其他\r\n\r\n3,花呗怎么开通,金融\r\n'


def rows_of(data: bytes, fmt: str, column: str = "text"):
    return list(read_data(data, fmt, column, "faq." + fmt)[1])


def test_csv_quotes_and_newlines_keep_their_lines():
    got = rows_of(CSV.encode(), "csv")
    assert [(r.line, r.text) for r in got] == [(2, "今天天气怎么样"), (3, '一个"引号"和\r\n换行'), (6, "花呗怎么开通")]
    assert got[2].record == {"id": "3", "text": "花呗怎么开通", "topic": "金融"} and got[2].number == 2


@pytest.mark.parametrize("body, line, words", [
    ('text,n\n"好的",1\n"没有闭合的引号,2\n第三行,3\n', 3, "never closed"),
    ('text,n\n"好的",1\n"引号"之后,2\n', 3, "expected after"),
    ('text,n\n"好的",1\n"引号,2\n"第三行",3\n', 3, "expected after"),
    ("text,text\n好的,1\n", 1, "more than once"),
])
def test_a_malformed_csv_is_refused_whole_with_the_line(body, line, words):
    with pytest.raises(BadInput, match=rf"faq.csv: line {line}: .*{words}"):
        rows_of(body.encode(), "csv")


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-16", "utf-8"])
def test_excel_encodings_read_as_the_same_rows(encoding):
    got = rows_of(CSV.encode(encoding), "csv")
    assert [r.text for r in got] == ["今天天气怎么样", '一个"引号"和\r\n换行', "花呗怎么开通"]
    assert got[0].record["topic"] == "天气"


def test_short_gbk_text_is_not_mistaken_for_another_encoding():
    assert decode("text\n明天会下雨吗\n".encode("gbk")) == ("text\n明天会下雨吗\n", "gb18030")


def test_a_utf8_file_with_a_broken_line_reports_that_line_only():
    data = "text\tlabel\n好的\t1\n\t1\n".encode() + b"\xff\xfe\t0\n" + "只有一列\n".encode()
    got = rows_of(data, "tsv")
    assert isinstance(got[0], Row) and got[0].text == "好的"
    assert [(b.line, b.reason) for b in got[1:]] == [(3, "empty text"), (4, "not UTF-8"),
                                                     (5, "1 columns, the header has 2")]
    assert all(isinstance(b, BadRow) for b in got[1:])


def test_binary_data_is_refused():
    with pytest.raises(BadInput, match="binary data"):
        rows_of(b"text\n\x00\x01\x02", "txt")


def test_jsonl_and_txt_lines():
    jsonl = '{"text": "好的"}\n\n{"text": 1}\n{"x": "y"}\n[1]\n'.encode("gbk")
    got = rows_of(jsonl, "jsonl")
    assert got[0] == Row(0, 1, "好的", {"text": "好的"})
    assert [(b.line, b.reason) for b in got[1:]] == [(3, "the text is int, not a string"), (4, "no 'text' key"),
                                                     (5, "not a JSON object")]
    assert [(r.line, r.text) for r in rows_of("一\r\n二\n".encode(), "txt")] == [(1, "一"), (2, "二")]


def test_unknown_format_and_missing_column():
    with pytest.raises(BadInput, match="unknown format 'xlsx'"):
        read_data(b"text\n", "xlsx", "text", "a.xlsx")
    with pytest.raises(BadInput, match="no column 'text' in the header"):
        rows_of(b"sentence\nhello\n", "csv")


def test_plain_tsv_keeps_quotes_as_characters():
    table = read_table('a\tb\n"引号\t2\n', "\t", quoted=False)
    assert table.rows == [(2, ['"引号', "2"])]


def test_eval_pairs_read_through_the_same_reader(tmp_path):
    path = tmp_path / "pairs.tsv"
    path.write_bytes('sentence1\tsentence2\tlabel\n"你好\t您好\t1\n\n明天\t今天\t0\n'.encode("gbk"))
    pairs = read_labelled_pairs(path)
    assert pairs.first == ['"你好', "明天"] and list(pairs.labels) == [1, 0]
    path.write_bytes("sentence1\tsentence2\tlabel\n你好\t您好\n".encode())
    with pytest.raises(ValueError, match="pairs.tsv:2: 2 fields, header has 3"):
        read_labelled_pairs(path)
