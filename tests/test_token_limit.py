"""token_limit.py, the one token-limit policy: what fits, what is cut, what is refused and why (the prompt counted)."""

import pytest

from tests.paths import FIXTURES
from simservice.token_limit import NO_TOKENS, fit
from simservice.model.tokenizer import Tokenizer


@pytest.fixture(scope="module")
def tokenizer():
    return Tokenizer.from_file(FIXTURES / "vocab.txt")


def test_a_text_within_the_limit_is_whole(tokenizer):
    [text] = fit(tokenizer, ["今天天气"], 8, truncate=False)
    assert (text.ids, text.length, text.problem, text.cut) == (tokenizer.encode("今天天气", 8), 6, None, False)


def test_over_the_limit_is_refused_unless_cut_keeping_sep(tokenizer):
    [refused] = fit(tokenizer, ["今天天气很好"], 5, truncate=False)
    assert refused.too_long and refused.problem == "8 tokens, over the limit of 5"
    assert refused.reason("pass --truncate") == "8 tokens, over the limit of 5 (pass --truncate to cut)"
    [cut] = fit(tokenizer, ["今天天气很好"], 5, truncate=True)
    assert cut.problem is None and cut.cut and len(cut.ids) == 5 and cut.ids[-1] == tokenizer.encode("好", 8)[-1]


def test_nothing_but_control_characters_has_no_tokens(tokenizer):
    [empty] = fit(tokenizer, ["\x00\x01"], 8, truncate=True)
    assert empty.problem == NO_TOKENS and empty.reason("pass --truncate") == NO_TOKENS and not empty.too_long


def test_the_prompt_counts_toward_the_limit_and_is_named(tokenizer):
    [alone] = fit(tokenizer, ["今天"], 6, truncate=False)
    [prompted] = fit(tokenizer, ["今天"], 6, truncate=False, prompt="天气天气")
    assert alone.problem is None
    assert prompted.problem == "8 tokens with the model's prompt, over the limit of 6"
    [only_prompt] = fit(tokenizer, [""], 16, truncate=False, prompt="天气")
    assert only_prompt.problem == NO_TOKENS
