"""`simservice augment`: paraphrase every row of a TXT, TSV, CSV or JSONL file into a new file."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
from pathlib import Path

from simservice.augment.filters import Filters
from simservice.augment.generators import HttpGenerator, Sampling
from simservice.augment.output import Output
from simservice.datafiles import BadRow, detect_format, read_rows
from simservice.augment.run import augment
from simservice.defaults import demo_model


def register(subparsers) -> None:
    p = subparsers.add_parser("augment", help="paraphrase every row of a dataset (labels and columns kept)",
                              description=__doc__)
    p.add_argument("file", type=Path)
    p.add_argument("-o", "--output", type=Path, required=True,
                   help="output file, same format as the input (TXT input gives TSV); rerun to resume")
    p.add_argument("--format", choices=["txt", "tsv", "csv", "jsonl"], help="input format (default: extension)")
    p.add_argument("--text-column", default="text", help="column (TSV/CSV) or key (JSONL) of the text")
    p.add_argument("--n", type=int, default=32, help="samples drawn per row (default 32)")
    p.add_argument("--k", type=int, default=5, help="paraphrases kept per row, best first (default 5)")
    p.add_argument("--top-p", type=float, help="nucleus sampling mass (default: the model's default sampling, "
                                              "top-p 0.95 unless its generation_config.json names another)")
    p.add_argument("--max-length", type=int, default=32, help="tokens per sample (default 32)")
    p.add_argument("--seed", type=int, help="make the run reproducible (resume gives the same file)")
    p.add_argument("--mask-fraction", type=float, default=0.0,
                   help="fraction of each source's tokens replaced by [MASK] for variety (--model only)")
    p.add_argument("--min-score", type=float, default=-1.0, help="lowest cosine to the source kept")
    p.add_argument("--max-score", type=float, default=1.0, help="highest cosine kept (drop near-copies)")
    p.add_argument("--min-edit", type=int, default=1, help="fewest characters changed (default 1)")
    p.add_argument("--length-ratio", type=float, nargs=2, default=(0.0, float("inf")), metavar=("LOW", "HIGH"),
                   help="keep paraphrases whose length / the source's is within this window")
    p.add_argument("--keep-duplicates", action="store_true", help="allow a paraphrase twice in the output")
    p.add_argument("--on-bad-row", choices=["skip", "fail"], default="skip",
                   help="bad rows (empty, not UTF-8, malformed, over the length limit): skip them or stop "
                        "before writing anything")
    p.add_argument("--truncate", action="store_true", help="cut rows over the length limit instead of skipping")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--model", default=demo_model(), help="checkpoint directory (default models/demo)")
    source.add_argument("--url", help="a running simservice to ask instead of loading a model")
    p.add_argument("--api-key", help="the server's API key (with --url)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run_command)


def run_command(args: argparse.Namespace) -> int:
    from simservice.service.config import UNLIMITED
    from simservice.service.texts import check_samples

    check_samples(args.n, args.k, UNLIMITED)  # the core's check, before a model loads or a server is asked
    if not 0.0 <= args.mask_fraction < 1.0:
        raise ValueError("--mask-fraction must be in [0, 1)")
    filters = Filters(args.min_score, args.max_score, args.min_edit, *args.length_ratio,
                      dedupe=not args.keep_duplicates)
    sampling = Sampling(args.n, args.top_p, args.max_length, args.mask_fraction, args.seed)
    fmt = detect_format(args.file, args.format)
    header, rows = read_rows(args.file, fmt, args.text_column)
    items = list(rows)
    bad = [r for r in items if isinstance(r, BadRow)]
    if bad and args.on_bad_row == "fail":
        for b in bad[:20]:
            print(f"{args.file}:{b.line}: {b.reason}", file=sys.stderr)
        raise ValueError(f"{len(bad)} bad rows in {args.file}; nothing written (--on-bad-row skip skips them)")
    options = {"input": str(args.file.resolve()), "text_column": args.text_column, "k": args.k,
               "sampling": dataclasses.asdict(sampling), "filters": repr(filters), "truncate": args.truncate,
               "source": args.url or str(Path(args.model).resolve())}
    progress = False if args.quiet else None
    if args.url:
        generator = HttpGenerator(args.url, sampling, args.api_key, args.truncate)
        output = Output(args.output, fmt, header, args.text_column)
        summary = augment(items, generator, filters, args.k, output, options, progress=progress)
    else:
        summary = asyncio.run(_local(args.model).augment_rows(
            items, Output(args.output, fmt, header, args.text_column), sampling=sampling, filters=filters, k=args.k,
            options=options, truncate=args.truncate, progress=progress))
    for line in summary.lines():
        print(line, file=sys.stderr)
    return 0


def _local(model_path: str):
    """The service core over the model at `model_path`, loaded when the first row is paraphrased."""
    from simservice.inference.load_pipeline import load_model
    from simservice.service.core import Service

    return Service.local(lambda: load_model(model_path), model_path=model_path)
