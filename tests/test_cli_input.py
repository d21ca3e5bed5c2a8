"""The command line refuses bad input with a message and exit status 2, never a traceback,
and keeps TensorFlow's start-up lines out of its output."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from tests.paths import FIXTURES, ROOT

from simservice.cli import main

MODEL = str(FIXTURES / "roformer_tf1")


@pytest.mark.parametrize("argv, words", [
    (["encode", "\udcff"], ["not valid UTF-8"]),  # how Python passes the byte 0xff of argv
    (["encode", ""], ["empty or only whitespace"]),
    (["encode", "ok", "  "], ["empty or only whitespace"]),
    (["similarity", "你好", "\t"], ["empty or only whitespace"]),
    (["paraphrase", " "], ["empty or only whitespace"]),
    (["paraphrase", "你好", "-k", "5", "-n", "2"], ["-k 5 is more than -n 2"]),
    (["paraphrase", "你好", "-n", "0"], ["not a positive integer"]),
    (["paraphrase", "你好", "--min-p", "1.5"], ["--min-p", "min_p must be >= 0.0 and <= 1.0, got 1.5"]),
    (["paraphrase", "你好", "--repetition-penalty", "0"], ["repetition_penalty must be > 0.0"]),
    (["paraphrase", "你好", "--top-k", "two"], ["--top-k", "invalid"]),
])
def test_bad_arguments_exit_2_with_a_message(capsys, argv, words):
    with pytest.raises(SystemExit) as exited:
        main([argv[0], "--model", MODEL, *argv[1:]])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    for word in words:
        assert word in err, err


@pytest.mark.parametrize("argv, usage", [
    (["serve", "--prot", "8101"], "usage: simservice serve"),  # once read as --protect-docs
    (["encode", "--mod", MODEL, "hi"], "usage: simservice encode"),  # once read as --model
    (["export", "--collection", "faq", "-o", "out.jsonl", "--bogus", "1"], "usage: simservice export"),
])
def test_flags_are_never_abbreviated_and_errors_show_the_subcommands_usage(capsys, argv, usage):
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert usage in err and "unrecognized arguments" in err, err


@pytest.mark.parametrize("command", [["export", "-o", "out.jsonl"], ["import", "rows.jsonl"]])
@pytest.mark.parametrize("name", ["", "a b", "_x", "名字", "x" * 65])
def test_a_collection_name_the_api_refuses_is_refused_before_any_request(capsys, command, name):
    with pytest.raises(SystemExit) as exited:
        main([command[0], "--collection", name, "--url", "http://127.0.0.1:1", *command[1:]])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "is not allowed" in err and "Traceback" not in err, err


def test_int8_is_refused_without_xla_and_by_train(tmp_path, capsys):
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("sentence1\tsentence2\tlabel\n你好\t您好\t1\n明天\t今天\t0\n", encoding="utf-8")
    assert main(["eval", "--model", MODEL, "--precision", "int8", str(pairs)]) == 2
    assert "precision int8 needs XLA (--xla" in capsys.readouterr().err
    assert main(["eval", "--model", MODEL, "--precision", "int8", "--xla", str(pairs), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["pairs"] == 2
    with pytest.raises(SystemExit) as exited:  # a trained model is float; int8 is for serving
        main(["train", "--precision", "int8"])
    assert exited.value.code == 2
    assert "invalid choice: 'int8'" in capsys.readouterr().err


def test_model_commands_take_the_precision_and_xla_flags(capsys):
    assert main(["encode", "--model", MODEL, "--precision", "int8", "你好"]) == 2
    assert "precision int8 needs XLA (--xla" in capsys.readouterr().err
    vectors = {}
    for flags in ([], ["--precision", "int8", "--xla"]):
        assert main(["encode", "--model", MODEL, *flags, "你好", "明天见"]) == 0
        vectors[len(flags)] = np.array([json.loads(line)["vector"] for line in capsys.readouterr().out.splitlines()])
    cosines = (vectors[0] * vectors[3]).sum(axis=1) / np.linalg.norm(vectors[3], axis=1)
    assert cosines.min() > 0.999 and not np.array_equal(vectors[0], vectors[3])  # int8: close, not the same
    assert main(["similarity", "--model", MODEL, "--xla", "你好", "您好"]) == 0
    assert main(["paraphrase", "--model", MODEL, "--precision", "int8", "--xla", "你好", "-n", "2", "-k", "1",
                 "--seed", "1"]) == 0


def test_eval_refuses_a_header_only_file_and_a_binary_one(tmp_path, capsys):
    empty = tmp_path / "empty.tsv"
    empty.write_text("sentence1\tsentence2\tlabel\n", encoding="utf-8")
    assert main(["eval", "--model", MODEL, str(empty), "--json"]) == 2
    assert "empty.tsv: no pairs after the header" in capsys.readouterr().err
    binary = tmp_path / "binary.tsv"
    binary.write_bytes("sentence1\tsentence2\tlabel\n".encode() + bytes(range(256)))
    assert main(["eval", "--model", MODEL, str(binary)]) == 2
    assert "binary.tsv: binary data" in capsys.readouterr().err


def test_eval_json_is_json_when_spearman_is_undefined(tmp_path, capsys):
    same = tmp_path / "same.tsv"  # every label equal: no rank correlation
    same.write_text("sentence1\tsentence2\tlabel\n你好\t您好\t1\n明天\t今天\t1\n", encoding="utf-8")
    assert main(["eval", "--model", MODEL, str(same), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)  # NaN would not parse as strict JSON
    assert result["spearman"] is None and result["pairs"] == 2


def test_tensorflow_start_up_lines_stay_out_of_the_output():
    run = subprocess.run([sys.executable, "-m", "simservice", "encode", "--model", MODEL, "你好"],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["text"] == "你好"
    assert run.stderr == "", run.stderr


def test_the_demo_model_is_found_from_another_directory(tmp_path):
    run = subprocess.run([sys.executable, "-m", "simservice.cli", "encode", "你好"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert len(json.loads(run.stdout)["vector"]) > 0


def test_paraphrase_takes_every_sampling_knob(capsys, roformer):
    flags = ["-n", "6", "-k", "3", "--seed", "2", "--min-p", "0.05", "--repetition-penalty", "1.5", "--top-k", "20"]
    assert main(["paraphrase", "--model", MODEL, "你好", *flags]) == 0
    lines = capsys.readouterr().out.splitlines()[1:]
    expected = roformer.paraphrase("你好", n=6, k=3, seed=2, min_p=0.05, repetition_penalty=1.5, top_k=20)
    assert [line.split("\t")[1] for line in lines] == [text for text, _ in expected]
    assert main(["paraphrase", "--model", MODEL, "你好", "--sampler", "top_k"]) == 2
    assert "the top_k sampler needs top_k" in capsys.readouterr().err
