"""`simservice augment`: rows, labels and order kept, filters, resume after a crash, bad rows."""

from __future__ import annotations

import csv
import json

import pytest
from tests.paths import FIXTURES

from simservice.augment.filters import Filters, Keeper
from simservice.augment.generators import LocalGenerator, Sampling
from simservice.augment.output import Output
from simservice.datafiles import BadRow, Row, read_rows
from simservice.augment.run import augment
from simservice.cli import main

SENTENCES = ["今天天气怎么样", "怎么开通花呗", "我想买一台新的笔记本电脑", "北京到上海的高铁要多久", "这部电影好看吗",
             "如何提高英语口语", "手机充不进电怎么办", "周末去哪里玩比较好"]


def write_tsv(path, rows):
    path.write_text("text\tlabel\n" + "".join(f"{t}\t{y}\n" for t, y in rows), encoding="utf-8")
    return path


def read_tsv(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def run(roformer, source, out, chunk=64, **sampling):
    header, rows = read_rows(source, "tsv", "text")
    sampling = Sampling(**{"n": 8, "max_length": 8, "seed": 3, "top_p": 1.0, **sampling})
    return augment(list(rows), LocalGenerator(roformer, sampling), Filters(), 3, Output(out, "tsv", header, "text"),
                   {"test": True}, progress=False, chunk=chunk)


def test_labels_and_row_order_are_kept(roformer, tmp_path):
    source = write_tsv(tmp_path / "in.tsv", [(t, i % 2) for i, t in enumerate(SENTENCES)])
    summary = run(roformer, source, tmp_path / "out.tsv")
    out = read_tsv(tmp_path / "out.tsv")
    assert summary.kept == len(out) > len(SENTENCES)
    rows = [int(r["source_row"]) for r in out]
    assert rows == sorted(rows) and set(rows) <= set(range(len(SENTENCES)))
    assert all(r["label"] == str(int(r["source_row"]) % 2) for r in out)
    assert all(float(r["logprob"]) < 0 for r in out)  # the generator's mean log-probability per token
    assert all(r["text"] != SENTENCES[int(r["source_row"])] for r in out)
    assert len({r["text"] for r in out}) == len(out)
    assert not (tmp_path / "out.tsv.state.json").exists()


def test_resume_after_a_crash_gives_the_same_file(roformer, tmp_path):
    source = write_tsv(tmp_path / "in.tsv", [(t, 1) for t in SENTENCES * 2])
    run(roformer, source, tmp_path / "whole.tsv", chunk=3)

    class Crash(Exception):
        pass

    def crash_after_two_chunks(rows_done):
        if rows_done >= 6:
            raise Crash

    header, rows = read_rows(source, "tsv", "text")
    output = Output(tmp_path / "part.tsv", "tsv", header, "text")
    generator = LocalGenerator(roformer, Sampling(n=8, max_length=8, seed=3, top_p=1.0))
    with pytest.raises(Crash):
        augment(list(rows), generator, Filters(), 3, output, {"test": True}, progress=False, chunk=3,
                on_chunk=crash_after_two_chunks)
    with open(tmp_path / "part.tsv", "a", encoding="utf-8") as f:
        f.write("half a chunk written before the state\t1\t6\t0.5\n")  # a kill between the two writes
    run(roformer, source, tmp_path / "part.tsv", chunk=3)
    assert (tmp_path / "part.tsv").read_bytes() == (tmp_path / "whole.tsv").read_bytes()


def test_each_filter_keeps_and_drops():
    cases = [
        (Filters(min_score=0.9), ("今天天气如何", 0.95), ("今天天气如何", 0.85), "min_score"),
        (Filters(max_score=0.99), ("今天天气如何", 0.95), ("今天天气怎么样呢", 0.995), "max_score"),
        (Filters(min_edit=3), ("明天天气如何呢", 0.9), ("今天天气怎么样!", 0.9), "min_edit"),
        (Filters(min_length_ratio=0.8, max_length_ratio=1.5), ("今天天气如何", 0.9), ("天气", 0.9), "length_ratio"),
    ]
    for filters, kept, dropped, reason in cases:
        keeper = Keeper(filters)
        assert keeper.keep("今天天气怎么样", [kept, dropped], 5) == [kept]
        assert keeper.dropped == {reason: 1}
    keeper = Keeper(Filters())
    assert keeper.keep("a", [("b", 0.9)], 5) == [("b", 0.9)]
    assert keeper.keep("c", [("b", 0.9), ("d", 0.8)], 5) == [("d", 0.8)] and keeper.dropped == {"duplicate": 1}
    assert Keeper(Filters(dedupe=False)).keep("c", [("b", 0.9), ("b", 0.9)], 5) == [("b", 0.9)] * 2


def test_bad_jsonl_rows_are_reported_with_their_lines(tmp_path):
    jsonl = tmp_path / "in.jsonl"
    jsonl.write_text('{"text": "好的", "y": 1}\n{"text": \n[1]\n{"q": "x"}\n{"text": "\\ud800"}\n'
                     '{"text": "a", "y": NaN}\n{"text": "a", "y": ' + "[" * 3000 + "]" * 3000 + "}\n", encoding="utf-8")
    _, rows = read_rows(jsonl, "jsonl", "text")
    got = list(rows)
    assert got[0].record == {"text": "好的", "y": 1}
    assert [b.line for b in got[1:]] == [2, 3, 4, 5, 6, 7] and "malformed JSON" in got[1].reason
    assert all(isinstance(b, BadRow) for b in got[1:])
    assert ["lone surrogate" in got[4].reason, "y: NaN" in got[5].reason, "nested" in got[6].reason] == [True] * 3


def test_cli_fails_before_writing_on_bad_rows_and_says_where(tmp_path, capsys):
    source = write_tsv(tmp_path / "in.tsv", [("好的", 1), ("", 0)])
    out = tmp_path / "out.tsv"
    code = main(["augment", str(source), "-o", str(out), "--model", str(FIXTURES / "roformer_tf1"),
                 "--on-bad-row", "fail", "--n", "2", "--k", "1"])
    assert code == 2 and not out.exists()
    assert f"{source}:3: empty text" in capsys.readouterr().err


def test_cli_jsonl_keeps_keys_and_refuses_to_overwrite(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({"text": t, "intent": i}, ensure_ascii=False) + "\n"
                              for i, t in enumerate(SENTENCES[:3])), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    args = ["augment", str(source), "-o", str(out), "--model", str(FIXTURES / "roformer_tf1"), "--n", "6",
            "--k", "2", "--max-length", "6", "--seed", "1", "--quiet", "--mask-fraction", "0.3"]
    assert main(args) == 0
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert records and all(r["intent"] == r["source_row"] for r in records)
    assert main(args) == 2  # a finished output is not overwritten


def test_augment_through_a_server_keeps_rows_and_names_the_row_it_refused(roformer, tmp_path):
    import contextlib
    import io

    from tests.serving.api.browser import serving

    source = write_tsv(tmp_path / "in.tsv", [(SENTENCES[0], "a"), ("长" * 100, "b"), (SENTENCES[1], "c")])
    out, err = tmp_path / "out.tsv", io.StringIO()
    with serving(roformer, tmp_path / "data", model=str(FIXTURES / "roformer_tf1"), api_key="k") as url, \
            contextlib.redirect_stderr(err):
        code = main(["augment", str(source), "-o", str(out), "--url", url, "--api-key", "k", "--n", "8", "--k", "3",
                     "--max-length", "8", "--top-p", "1.0", "--quiet"])
    assert code == 0
    assert "line 3: texts[0] is 102 tokens, over the limit of 64" in err.getvalue()
    kept = read_tsv(out)
    assert kept and {r["source_row"] for r in kept} <= {"0", "2"}
    assert all(r["label"] == {"0": "a", "2": "c"}[r["source_row"]] for r in kept)
