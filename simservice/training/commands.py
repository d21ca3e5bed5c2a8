"""The `train` subcommand; `register(subparsers)` adds it to the main `simservice` parser."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from simservice.precision import DTYPE_POLICIES
from simservice.training.options import EXPORT_DTYPES, OBJECTIVES, TrainOptions


def _objectives(text: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    bad = [n for n in names if n not in OBJECTIVES]
    if bad or not names:
        raise argparse.ArgumentTypeError(f"objectives are a comma-separated subset of {','.join(OBJECTIVES)}")
    return names


def add_train_parser(subparsers) -> argparse.ArgumentParser:
    d = TrainOptions.__dataclass_fields__
    p = subparsers.add_parser(
        "train", help="train or fine-tune a RoFormer-Sim model (SimBERT recipe) and write it in the official format",
        description="Trains with the objectives given (summed every step), checkpoints to --work-dir every "
                    "few minutes and resumes from there when run again with the same flags.")
    p.add_argument("--work-dir", type=Path, required=True, help="training state (resumed from if present)")
    p.add_argument("--output", type=Path, help="final checkpoint directory (default WORK_DIR/export)")
    p.add_argument("--init", type=Path, help="fine-tune this checkpoint (official TF1 or HF) instead of scratch; "
                                             "an embedding model gets a fresh MLM head")
    p.add_argument("--init-layers", type=int, help="keep this many of --init's layers (evenly spaced, the last kept)")
    p.add_argument("--export-dtype", choices=EXPORT_DTYPES, default="float32",
                   help="weights of a Hugging Face export (CLS or mean pooling); int8: the large matrices in int8 "
                        "with a scale per block of 32 values (about a quarter of float32's size, read by simservice "
                        "only); "
                        "default float32")
    p.add_argument("--objectives", type=_objectives, default=("simbert",),
                   help="comma-separated: simbert (seq2seq + in-batch contrastive on positives), "
                        "cosent (labelled pairs), triplet (hard negatives), mlm, simcse and denoise "
                        "(plain sentences), distil (the student's vectors kept near a teacher's); default simbert")
    p.add_argument("--positives", type=Path, nargs="+", default=(), help="labelled TSVs; their positives feed simbert")
    p.add_argument("--labelled", type=Path, nargs="+", default=(), help="labelled TSVs for cosent (one group each)")
    p.add_argument("--triplets", type=Path, nargs="+", default=(),
                   help="labelled TSVs for triplet: a sentence1 with both a positive and a negative sentence2")
    p.add_argument("--sentences", type=Path, nargs="+", default=(),
                   help="text files, a sentence a line, for mlm, simcse, denoise and distil")
    g = p.add_argument_group("distillation (objective distil)")
    g.add_argument("--distil-teacher", type=Path,
                   help="embedding checkpoint whose vectors the student keeps near (default --init, all its layers)")
    for flag, field, kind in (("--distil-weight", "distil_weight", float),
                              ("--distil-batch-size", "distil_batch_size", int),
                              ("--distil-limit", "distil_limit", int)):
        g.add_argument(flag, type=kind, default=d[field].default, help="default %(default)s")
    g = p.add_argument_group("model from scratch (a character vocab is built from all the data given)")
    for flag, field in (("--layers", "layers"), ("--hidden", "hidden"), ("--heads", "heads"),
                        ("--intermediate", "intermediate"), ("--vocab-min-count", "vocab_min_count")):
        g.add_argument(flag, type=int, default=d[field].default, help=f"default {d[field].default}")
    g.add_argument("--dropout", type=float, default=d["dropout"].default, help="default %(default)s")
    g = p.add_argument_group("optimisation")
    for flag, field, kind in (("--steps", "steps", int), ("--lr", "lr", float), ("--warmup", "warmup", int),
                              ("--batch-size", "batch_size", int), ("--cosent-batch-size", "cosent_batch_size", int),
                              ("--triplet-batch-size", "triplet_batch_size", int),
                              ("--mlm-batch-size", "mlm_batch_size", int),
                              ("--simcse-batch-size", "simcse_batch_size", int),
                              ("--denoise-batch-size", "denoise_batch_size", int), ("--max-length", "max_length", int),
                              ("--weight-decay", "weight_decay", float), ("--scale", "scale", float),
                              ("--cosent-scale", "cosent_scale", float), ("--seed", "seed", int)):
        g.add_argument(flag, type=kind, default=d[field].default, help="default %(default)s")
    g = p.add_argument_group("machine")
    g.add_argument("--precision", choices=DTYPE_POLICIES, default="float32",
                   help="mixed_float16 (with loss scaling) or mixed_bfloat16 for GPUs; default float32")
    g.add_argument("--xla", action="store_true", help="compile the train step with XLA")
    g.add_argument("--recompute", action="store_true", help="gradient checkpointing of every transformer block")
    g.add_argument("--checkpoint-minutes", type=float, default=d["checkpoint_minutes"].default,
                   help="save state and export this often (default %(default)s)")
    g.add_argument("--eval", dest="eval_files", type=Path, nargs="+", default=(),
                   help="labelled TSVs scored (Spearman) at every checkpoint; the export with the best mean "
                        "is kept in WORK_DIR/best (its step and scores in WORK_DIR/best.json)")
    g.add_argument("--eval-limit", type=int, default=d["eval_limit"].default,
                   help="first N pairs of each --eval file (default %(default)s)")
    p.set_defaults(func=run_train)
    return p


def run_train(args: argparse.Namespace) -> int:
    from simservice.training.run import train

    fields = TrainOptions.__dataclass_fields__
    options = TrainOptions(**{k: v for k, v in vars(args).items() if k in fields})
    try:
        path = train(options)
    except KeyboardInterrupt as e:
        print(str(e) or "interrupted", file=sys.stderr)
        return 130
    print(f"wrote {path}")
    return 0


def add_mine_parser(subparsers) -> argparse.ArgumentParser:
    from simservice.cli_args import add_model_args, cosine_arg, non_negative_int, positive_int

    p = subparsers.add_parser(
        "mine-pairs", help="mine paraphrase pairs from plain sentences with an encoder (training data for simbert)",
        description="Encodes every distinct sentence, pairs each with its nearest neighbours at or above "
                    "--threshold (cosine), drops pairs that differ only in punctuation, spaces or case (or by "
                    "fewer than --min-edit characters), and writes a labelled pair file (label 1, the cosine "
                    "beside it), best first, for train --positives.")
    add_model_args(p)
    p.add_argument("--sentences", type=Path, nargs="+", required=True, help="text files, a sentence a line")
    p.add_argument("-o", "--output", type=Path, required=True, help="pair file to write (TSV)")
    p.add_argument("--threshold", type=cosine_arg, default=0.95, help="least cosine of a pair (default %(default)s)")
    p.add_argument("--neighbours", type=positive_int, default=5,
                   help="neighbours looked at per sentence (default %(default)s)")
    p.add_argument("--min-edit", type=non_negative_int, default=2,
                   help="least characters changed, punctuation and spaces aside (default %(default)s)")
    p.add_argument("--limit", type=positive_int, help="only the first N distinct sentences")
    p.set_defaults(func=run_mine)
    return p


def run_mine(args: argparse.Namespace) -> int:
    from simservice.cli_args import load_args_model
    from simservice.training.data import read_sentences
    from simservice.training.mining import distinct, encode_all, mine, write_pairs

    texts = distinct(read_sentences(args.sentences))[: args.limit]
    model = load_args_model(args)
    vectors = encode_all(model.encode, texts)
    pairs = mine(texts, vectors, threshold=args.threshold, neighbours=args.neighbours, min_edit=args.min_edit)
    write_pairs(pairs, args.output)
    print(f"wrote {args.output}: {len(pairs)} pairs from {len(texts)} distinct sentences")
    return 0


def register(subparsers) -> None:
    """Add `train` and `mine-pairs` to an argparse subparsers object."""
    add_train_parser(subparsers)
    add_mine_parser(subparsers)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simservice.training")
    from simservice.evaluation.commands import register as register_eval

    subparsers = parser.add_subparsers(dest="command", required=True)
    register(subparsers)
    register_eval(subparsers)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return args.func(args)
