"""The `simservice` command: run the service, use a model from the shell, train and evaluate."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys

DEFAULT_MODEL = "models/demo"


def _add_model_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", default=DEFAULT_MODEL,
                        help=f"checkpoint directory, official TF1 or Hugging Face port (default: {DEFAULT_MODEL})")


def _encode(args: argparse.Namespace) -> int:
    from simservice import load_model

    model = load_model(args.model)
    vectors = model.encode(args.texts)
    for text, vector in zip(args.texts, vectors):
        print(json.dumps({"text": text, "vector": [round(float(x), 6) for x in vector]}, ensure_ascii=False))
    return 0


def _similarity(args: argparse.Namespace) -> int:
    from simservice import load_model

    model = load_model(args.model)
    vectors = model.encode([args.source, *args.targets])
    for target, score in zip(args.targets, vectors[1:] @ vectors[0]):
        print(f"{score:.4f}\t{target}")
    return 0


def _paraphrase(args: argparse.Namespace) -> int:
    from simservice import load_model

    model = load_model(args.model)
    for text in args.texts:
        print(text)
        for candidate, score in model.paraphrase(text, n=args.n, k=args.k, top_p=args.top_p, seed=args.seed):
            print(f"  {score:.4f}\t{candidate}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="simservice", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO level")
    sub = parser.add_subparsers(dest="command", required=True)

    encode = sub.add_parser("encode", help="print the sentence vectors of texts as JSON lines")
    _add_model_arg(encode)
    encode.add_argument("texts", nargs="+")
    encode.set_defaults(func=_encode)

    similarity = sub.add_parser("similarity", help="cosine of a source text to each target text")
    _add_model_arg(similarity)
    similarity.add_argument("source")
    similarity.add_argument("targets", nargs="+")
    similarity.set_defaults(func=_similarity)

    paraphrase = sub.add_parser("paraphrase", help="paraphrases of texts, ranked by the encoder (gen_synonyms)")
    _add_model_arg(paraphrase)
    paraphrase.add_argument("texts", nargs="+")
    paraphrase.add_argument("-n", type=int, default=32, help="samples to draw (default 32)")
    paraphrase.add_argument("-k", type=int, default=8, help="paraphrases to keep (default 8)")
    paraphrase.add_argument("--top-p", type=float, default=0.95, help="nucleus sampling mass (default 0.95)")
    paraphrase.add_argument("--seed", type=int, default=None, help="make the samples reproducible")
    paraphrase.set_defaults(func=_paraphrase)

    from simservice.augment.commands import register as register_augment
    from simservice.download.commands import register as register_download
    from simservice.evaluation.commands import register as register_eval
    from simservice.model_export.commands import register as register_export_model
    from simservice.serving.commands import register as register_serve
    from simservice.training.commands import register as register_training

    register_serve(sub)
    register_training(sub)
    register_eval(sub)
    register_download(sub)
    register_export_model(sub)
    register_augment(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter short
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args)
    except (ValueError, OSError) as e:  # CheckpointError is a ValueError
        print(f"simservice {args.command}: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
