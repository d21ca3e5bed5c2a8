"""`simservice import` / `export` on an index URL, the service stopped: round trip, bad rows with their lines,
resume after a kill, another backend, the deprecated data directory flag."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from tests.paths import FIXTURES, ROOT

from simservice.cli import main
from simservice.index import open_index
from tests.pg_server import fresh_schema, session_uri

MODEL = str(FIXTURES / "roformer_tf1")
TEXTS = ["今天天气怎么样", "怎么开通花呗", "我想买一台新的笔记本电脑", "北京到上海的高铁要多久", "这部电影好看吗",
         "如何提高英语口语", "手机充不进电怎么办", "周末去哪里玩比较好", "花呗怎么还款", "明天会下雨吗"]


def write_jsonl(path, records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def import_file(path, data_dir, *extra):
    return main(["import", str(path), "--index", f"faiss://{data_dir}", "--model", MODEL, "--collection", "faq",
                 "--quiet", *extra])


def contents(data_dir, collection="faq"):
    manager = open_index(f"faiss://{data_dir}")
    try:
        store = manager.get(collection)
        return {i.id: (i.text, i.metadata) for i in store.page(0, 10_000)}
    finally:
        manager.close()


def search(data_dir, queries):
    manager = open_index(f"faiss://{data_dir}")
    try:
        return [[(h.id, round(h.score, 5)) for h in row] for row in manager.get("faq").search(queries, k=5)]
    finally:
        manager.close()


def test_export_then_import_gives_the_same_collection(tmp_path, roformer):
    source = tmp_path / "faq.csv"
    source.write_text("qid,question,topic\n" + "".join(f"q{i},{t},t{i % 3}\n" for i, t in enumerate(TEXTS)),
                      encoding="utf-8")
    assert import_file(source, tmp_path / "a", "--id-column", "qid", "--text-column", "question") == 0
    first = contents(tmp_path / "a")
    assert first == {f"q{i}": (t, {"topic": f"t{i % 3}"}) for i, t in enumerate(TEXTS)}
    exported = tmp_path / "faq.jsonl"
    assert main(["export", "--index", f"faiss://{tmp_path / 'a'}", "--collection", "faq", "-o", str(exported),
                 "--quiet"]) == 0
    lines = [json.loads(line) for line in exported.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in lines] == sorted(first) and all("vector" not in r for r in lines)
    assert import_file(exported, tmp_path / "b") == 0
    assert contents(tmp_path / "b") == first
    queries = roformer.encode(["花呗如何开通", "天气好吗", "笔记本电脑推荐"])
    assert search(tmp_path / "b", queries) == search(tmp_path / "a", queries)


def test_ids_are_made_from_the_text_and_a_rerun_updates(tmp_path, capsys):
    source = write_jsonl(tmp_path / "in.jsonl", [{"text": t, "lang": "zh"} for t in TEXTS[:4]])
    assert import_file(source, tmp_path / "d") == 0
    first = contents(tmp_path / "d")
    assert len(first) == 4 and all(meta == {"lang": "zh"} for _, meta in first.values())
    assert "added: 4, updated: 0" in capsys.readouterr().err
    assert import_file(source, tmp_path / "d") == 0
    assert contents(tmp_path / "d") == first
    assert "added: 0, updated: 4" in capsys.readouterr().err


def bad_file(tmp_path):
    lines = [json.dumps({"id": "a", "text": TEXTS[0]}, ensure_ascii=False).encode(),  # line 1 good
             b'{"id": "b", "text": ',  # 2 malformed JSON
             json.dumps({"id": "c", "text": "  "}).encode(),  # 3 empty text
             json.dumps({"id": "a", "text": TEXTS[1]}, ensure_ascii=False).encode(),  # 4 id twice
             '{"id": "d", "text": "坏'.encode("utf-8")[:-1] + b'"}',  # 5 not UTF-8
             json.dumps({"id": "e", "text": "很长" * 200}, ensure_ascii=False).encode(),  # 6 over the limit
             json.dumps({"id": "f", "text": TEXTS[2]}, ensure_ascii=False).encode()]  # 7 good
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_bad_rows_are_reported_with_their_lines_and_skipped(tmp_path, capsys):
    assert import_file(bad_file(tmp_path), tmp_path / "d") == 0
    err = capsys.readouterr().err
    assert "added: 2, updated: 0, skipped: 5" in err
    for line, words in [(2, "malformed JSON"), (3, "empty text"), (4, "duplicate id 'a' (first on line 1)"),
                        (5, "not UTF-8"), (6, "tokens, over the limit of 64 (pass --truncate")]:
        assert any(row.startswith(f"  line {line}: ") and words in row for row in err.splitlines()), err
    assert set(contents(tmp_path / "d")) == {"a", "f"}


def test_on_bad_row_fail_writes_nothing(tmp_path, capsys):
    assert import_file(bad_file(tmp_path), tmp_path / "d", "--on-bad-row", "fail") == 2
    err = capsys.readouterr().err
    assert "5 bad rows; nothing written" in err and "line 6:" in err
    assert open_index(f"faiss://{tmp_path / 'd'}").list() == []


def test_a_killed_import_resumes_without_loss_or_duplicates(tmp_path):
    records = [{"id": f"r{i}", "text": f"{TEXTS[i % len(TEXTS)]}{i}", "n": i} for i in range(600)]
    source = write_jsonl(tmp_path / "big.jsonl", records)
    state = tmp_path / "big.jsonl.faq.import-state.json"
    command = [sys.executable, "-m", "simservice.cli", "import", str(source), "--index", f"faiss://{tmp_path / 'd'}",
               "--model", MODEL, "--collection", "faq", "--chunk", "3", "--quiet"]
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
                               stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    done = 0
    while done < 60:  # kill it well inside the run, wherever it is
        assert process.poll() is None, process.stderr.read().decode()
        assert time.monotonic() < deadline
        if state.exists():
            try:
                done = json.loads(state.read_text())["rows_done"]
            except (ValueError, KeyError):
                pass
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert state.exists() and done < len(records)
    assert import_file(source, tmp_path / "d", "--chunk", "3") == 0
    assert not state.exists()
    items = contents(tmp_path / "d")
    assert items == {r["id"]: (r["text"], {"n": r["n"]}) for r in records}


def test_a_resume_with_other_options_is_refused(tmp_path, capsys):
    source = write_jsonl(tmp_path / "in.jsonl", [{"text": t} for t in TEXTS])
    state = tmp_path / "in.jsonl.faq.import-state.json"
    state.write_text(json.dumps({"options": {"other": True}, "rows_done": 3}))
    assert import_file(source, tmp_path / "d") == 2
    assert "other options" in capsys.readouterr().err


def test_import_and_export_through_another_index_url(tmp_path):
    url = f"postgresql://postgres@/postgres?host={session_uri().split('host=', 1)[1]}&schema={fresh_schema()}"
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": f"q{i}", "text": t} for i, t in enumerate(TEXTS[:4])])
    where = ["--index", url, "--collection", "faq", "--quiet"]
    assert main(["import", str(source), "--model", MODEL, *where]) == 0
    exported = tmp_path / "out.jsonl"
    assert main(["export", "-o", str(exported), *where]) == 0
    lines = [json.loads(line) for line in exported.read_text(encoding="utf-8").splitlines()]
    assert [(r["id"], r["text"]) for r in lines] == [(f"q{i}", t) for i, t in enumerate(TEXTS[:4])]


def test_data_dir_still_works_with_a_deprecation_line(tmp_path, capsys):
    source = write_jsonl(tmp_path / "in.jsonl", [{"text": t} for t in TEXTS[:3]])
    assert main(["import", str(source), "--data-dir", str(tmp_path / "d"), "--model", MODEL, "--collection", "faq",
                 "--quiet"]) == 0
    assert f"--data-dir deprecated (removed in the next release): use --index faiss://{tmp_path / 'd'}" \
        in capsys.readouterr().err
    assert sorted(text for text, _ in contents(tmp_path / "d").values()) == sorted(TEXTS[:3])


def test_a_gbk_csv_imports_and_an_unclosed_quote_writes_nothing(tmp_path, capsys):
    broken = tmp_path / "broken.csv"
    broken.write_bytes(f'id,text\r\na,{TEXTS[0]}\r\nb,"{TEXTS[1]}\r\nc,{TEXTS[2]}\r\n'.encode("gbk"))
    assert import_file(broken, tmp_path / "d") == 2
    assert "broken.csv: line 3: a quoted field opened in this row is never closed" in capsys.readouterr().err
    assert not (tmp_path / "d").exists()  # refused before the data directory is opened
    excel = tmp_path / "excel.csv"
    excel.write_bytes(f'id,text,topic\r\na,"{TEXTS[0]}",天气\r\nb,"{TEXTS[1]}，""花呗""",金融\r\n'.encode("gbk"))
    assert import_file(excel, tmp_path / "d") == 0
    assert contents(tmp_path / "d") == {"a": (TEXTS[0], {"topic": "天气"}), "b": (f'{TEXTS[1]}，"花呗"', {"topic": "金融"})}
