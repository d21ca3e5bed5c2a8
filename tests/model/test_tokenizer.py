"""The tokenizer against bert4keras's ids and decoded strings (goldens from tests/reference)."""

import pytest

from tests.paths import FIXTURES, golden
from simservice.model.tokenizer import Tokenizer

CASES = golden("tokenizer")["cases"]


@pytest.fixture(scope="module")
def tokenizer():
    return Tokenizer.from_file(FIXTURES / "vocab.txt")


@pytest.mark.parametrize("case", CASES, ids=[repr(c["text"])[:30] for c in CASES])
def test_ids_equal_bert4keras(tokenizer, case):
    max_length = case["maxlen"] if case["maxlen"] is not None else 10_000
    assert tokenizer.encode(case["text"], max_length) == case["token_ids"]


@pytest.mark.parametrize("case", CASES, ids=[repr(c["text"])[:30] for c in CASES])
def test_decode_equals_bert4keras(tokenizer, case):
    assert tokenizer.decode(case["token_ids"]) == case["decoded"]


def test_golden_covers_the_hard_cases(tokenizer):
    texts = "".join(c["text"] for c in CASES)
    assert any(c.isupper() for c in texts)
    assert any(0xFF01 <= ord(c) <= 0xFF5E for c in texts)  # full-width forms
    assert any(tokenizer.unk_id in c["token_ids"] for c in CASES)
    assert any(c["maxlen"] and len(tokenizer.tokenize(c["text"])) + 2 > c["maxlen"] for c in CASES)


def test_truncation_keeps_cls_and_sep(tokenizer):
    ids = tokenizer.encode("我" * 100, max_length=10)
    assert len(ids) == 10
    assert ids[0] == tokenizer.cls_id and ids[-1] == tokenizer.sep_id


def test_default_max_length_is_64(tokenizer):
    assert len(tokenizer.encode("好" * 200)) == 64


def test_decode_joins_chinese_and_drops_special_tokens(tokenizer):
    ids = tokenizer.encode("今天天气怎么样？")
    assert tokenizer.decode(ids) == "今天天气怎么样？"


def test_vocab_without_special_tokens_is_refused():
    with pytest.raises(ValueError, match=r"\[MASK\]"):
        Tokenizer({"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "a": 4})
