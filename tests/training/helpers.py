"""Tiny made-up Chinese pair files and tiny-model options for the training tests (no tests of its own)."""

from __future__ import annotations

from pathlib import Path

from simservice.training.options import TrainOptions

THINGS = ["手机", "电脑", "银行卡", "花呗", "护照", "驾照", "信用卡", "邮箱", "密码", "账户", "车票", "快递"]


def write_pair_files(directory: Path) -> tuple[Path, Path]:
    """A positives-rich binary file (24 paraphrase pairs, 12 non-pairs) and an STS-style file."""
    rows = []
    for i, thing in enumerate(THINGS):
        rows.append((f"怎么办理{thing}？", f"如何办理{thing}", 1))
        rows.append((f"{thing}丢了怎么办", f"{thing}丢失了该怎么处理", 1))
        rows.append((f"怎么办理{thing}？", f"{THINGS[(i + 1) % len(THINGS)]}丢了怎么办", 0))
    pairs = directory / "pairs.tsv"
    pairs.write_text("sentence1\tsentence2\tlabel\n" + "".join(f"{a}\t{b}\t{y}\n" for a, b, y in rows),
                     encoding="utf-8")
    sts = directory / "sts.tsv"
    sts.write_text("sentence1\tsentence2\tscore\n" + "".join(
        f"{t}很好用\t{t}非常好用\t{4 + i % 2}\n{t}很好用\t今天下雨\t{i % 2}\n" for i, t in enumerate(THINGS[:6])
    ), encoding="utf-8")
    return pairs, sts


def write_sentences(directory: Path) -> Path:
    """Plain sentences, one a line, for the objectives that need no labels."""
    path = directory / "sentences.txt"
    lines = [f"{verb}{thing}要多久" for thing in THINGS for verb in ("办理", "补办")] + ["", "今天下雨"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def tiny_options(tmp_path: Path, **changes) -> TrainOptions:
    tmp_path.mkdir(parents=True, exist_ok=True)
    pairs, sts = write_pair_files(tmp_path)
    values = dict(
        work_dir=tmp_path / "work", objectives=("simbert", "cosent"), positives=(pairs, sts), labelled=(pairs, sts),
        triplets=(pairs,), sentences=(write_sentences(tmp_path),),
        vocab_min_count=1, layers=1, hidden=32, heads=2, intermediate=64, dropout=0.1, max_length=16,
        batch_size=8, cosent_batch_size=8, steps=6, lr=3e-3, warmup=2, checkpoint_minutes=1e6,
    )
    values.update(changes)
    return TrainOptions(**values)
