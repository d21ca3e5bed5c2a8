"""The `eval` subcommand: Spearman, ROC AUC and best-threshold accuracy of a model's cosines."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from simservice.precision import PRECISIONS


def add_eval_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("eval", help="Spearman, ROC AUC and best-threshold accuracy of cosines on labelled pairs",
                              description="Files: TSV with a header naming sentence1, sentence2 and label (or score).")
    p.add_argument("--model", type=Path, default=Path("models/demo"), help="checkpoint directory (default models/demo)")
    p.add_argument("files", type=Path, nargs="+")
    p.add_argument("--json", action="store_true", help="print one JSON object per file")
    p.add_argument("--precision", choices=PRECISIONS, default="float32",
                   help="compute precision (default float32); int8 needs --xla")
    p.add_argument("--xla", action="store_true", help="compile the encoder with XLA")
    p.set_defaults(func=run_eval)
    return p


def run_eval(args: argparse.Namespace) -> int:
    from simservice.evaluation.report import evaluate_file
    from simservice.loading import load_model

    pipeline = load_model(args.model, precision=args.precision, jit_compile=args.xla)
    for path in args.files:
        result = evaluate_file(path, pipeline.encode)
        print(json.dumps(result.as_dict(), allow_nan=False) if args.json else result.line(), flush=True)
    return 0


def register(subparsers) -> None:
    """Add `eval` to an argparse subparsers object."""
    add_eval_parser(subparsers)
