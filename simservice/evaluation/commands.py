"""The `eval` subcommand: Spearman, ROC AUC and best-threshold accuracy of a model's cosines."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

from simservice.cli_args import add_model_args, local_service


def add_eval_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("eval", help="Spearman, ROC AUC and best-threshold accuracy of cosines on labelled pairs",
                              description="Files: TSV with a header naming sentence1, sentence2 and label (or score).")
    add_model_args(p)
    p.add_argument("files", type=Path, nargs="+")
    p.add_argument("--json", action="store_true", help="print one JSON object per file")
    p.set_defaults(func=run_eval)
    return p


def run_eval(args: argparse.Namespace) -> int:
    from simservice.evaluation.report import evaluate_file

    service = local_service(args)
    service.require_ready()  # the model loads (or refuses its flags) before any file is read

    def encode(texts):
        return asyncio.run(service.embed(texts, truncate=True)).vectors

    for path in args.files:
        result = evaluate_file(path, encode)
        print(json.dumps(result.as_dict(), allow_nan=False) if args.json else result.line(), flush=True)
    return 0


def register(subparsers) -> None:
    """Add `eval` to an argparse subparsers object."""
    add_eval_parser(subparsers)
