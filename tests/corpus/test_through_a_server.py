"""`simservice import / export / snapshot / reindex --url`: the same commands against a running server
(uvicorn on a loopback port, with an API key), and reindex on a data directory."""

from __future__ import annotations

import contextlib
import io
import json
from tests.corpus.test_import_export import MODEL, TEXTS, contents, write_jsonl
from tests.serving.api.browser import serving

from simservice.cli import main

KEY = "s3cret"


def run(*argv) -> tuple[int, str, str]:
    """main(argv) with its stdout and stderr (not capsys: uvicorn's log handlers would keep its stream)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def records():
    return [{"id": f"q{i}", "text": t, "metadata": {"n": i}} for i, t in enumerate(TEXTS)]


def test_import_export_and_snapshots_through_a_server(roformer, tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", records() + [{"id": "q0", "text": "重复"}])
    with serving(roformer, tmp_path / "data", model=MODEL, api_key=KEY) as url:
        remote = ["--url", url, "--api-key", KEY, "--collection", "faq", "--quiet"]
        code, _, err = run("import", str(source), *remote, "--chunk", "4")
        assert code == 0 and "added: 10, updated: 0, skipped: 1" in err and "line 11: duplicate id 'q0'" in err
        code, _, err = run("import", str(source), "--url", url, "--collection", "faq", "--quiet")
        assert code == 2 and "API key" in err
        out = tmp_path / "out.jsonl"
        assert run("export", *remote, "-o", str(out))[0] == 0
        exported = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        assert {r["id"]: (r["text"], r["metadata"]) for r in exported} == {
            r["id"]: (r["text"], r["metadata"]) for r in records()}
        code, printed, _ = run("snapshot", "create", *remote)
        made = json.loads(printed)
        assert made["manifest"]["count"] == 10 and made["manifest"]["labels"]["model"] == "roformer_tf1"
        file = tmp_path / "faq.snapshot"
        assert run("snapshot", "download", made["name"], *remote, "-o", str(file))[0] == 0
        code, _, err = run("snapshot", "restore", str(file), *remote)
        assert code == 2 and "replace" in err
        code, printed, _ = run("snapshot", "restore", str(file), *remote, "--replace")
        assert code == 0 and json.loads(printed)["count"] == 10
        code, printed, _ = run("snapshot", "list", *remote)
        assert len(json.loads(printed)) == 2  # the one made and the one uploaded
        copy = ["--url", url, "--api-key", KEY, "--collection", "copy", "--quiet"]
        code, printed, err = run("snapshot", "restore", made["name"], *copy, "--source", "faq")
        assert code == 0 and json.loads(printed)["count"] == 10, err
        code, _, err = run("snapshot", "restore", str(file), *copy, "--source", "faq")
        assert code == 2 and "needs no --source" in err
        code, _, err = run("reindex", *remote)
        assert code == 0, err
        assert run("export", *remote, "-o", str(out))[0] == 0
        assert len(out.read_text(encoding="utf-8").splitlines()) == 10
    assert contents(tmp_path / "data") == {r["id"]: (r["text"], r["metadata"]) for r in records()}


def test_snapshot_restore_and_reindex_on_a_data_directory(tmp_path, capsys):
    source = write_jsonl(tmp_path / "in.jsonl", records())
    local = ["--index", f"faiss://{tmp_path / 'd'}", "--model", MODEL, "--collection", "faq", "--quiet"]
    assert main(["import", str(source), *local]) == 0
    before = contents(tmp_path / "d")
    capsys.readouterr()
    assert main(["snapshot", "create", *local]) == 0
    name = json.loads(capsys.readouterr().out)["name"]
    assert main(["reindex", *local]) == 0
    assert contents(tmp_path / "d") == before
    assert main(["snapshot", "restore", name, *local, "--model", str(MODEL).replace("roformer_tf1", "bert_tf1"),
                 "--replace"]) == 2
    assert "model 'roformer_tf1'" in capsys.readouterr().err
    assert main(["snapshot", "restore", name, *local, "--replace"]) == 0
    assert contents(tmp_path / "d") == before
    copy = [*local[:-3], "--collection", "copy", "--quiet"]
    assert main(["snapshot", "restore", name, *copy]) == 2
    assert "no snapshot" in capsys.readouterr().err
    assert main(["snapshot", "restore", name, *copy, "--source", "faq"]) == 0
    assert contents(tmp_path / "d", "copy") == before
    assert main(["snapshot", "delete", name, *local]) == 0
    assert main(["snapshot", "download", name, *local]) == 2
    assert "no snapshot" in capsys.readouterr().err
