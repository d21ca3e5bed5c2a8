"""The `simservice` command: run the service, use a model from the shell, train and evaluate."""

from __future__ import annotations

import argparse
import json
import logging
import sys

from simservice.backend import import_tensorflow
from simservice.precision import PRECISIONS
from simservice.serving.commands import POOLINGS

DEFAULT_MODEL = "models/demo"


def text_arg(value: str) -> str:
    """A text from the command line: whole UTF-8 characters, not blank."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:  # bytes the locale could not decode arrive as lone surrogates
        raise argparse.ArgumentTypeError(f"{value!r} is not valid UTF-8 (character {exc.start}): pass UTF-8 text")
    if not value.strip():
        raise argparse.ArgumentTypeError("text is empty or only whitespace: pass some text")
    return value


def positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"{number} is not a positive integer")
    return number


def add_model_args(parser: argparse.ArgumentParser) -> None:
    """--model, --precision and --xla: what `load_args_model` loads."""
    parser.add_argument("--model", default=DEFAULT_MODEL,
                        help=f"checkpoint directory, official TF1 or Hugging Face (default: {DEFAULT_MODEL})")
    parser.add_argument("--precision", choices=PRECISIONS, default="float32",
                        help="compute precision (default float32); int8 needs --xla")
    parser.add_argument("--xla", action="store_true", help="compile the encoder and the decode loop with XLA")
    parser.add_argument("--family", default=None, help="model family: roformer-sim, bert-embedding or "
                                                       "bert-unilm (default: told from the checkpoint)")
    parser.add_argument("--pooling", choices=POOLINGS, default=None,
                        help="sentence vector: linear (SimBERT's pooler), cls or mean (default: the checkpoint's)")


def load_args_model(args: argparse.Namespace):
    """The model that `add_model_args`' flags name (ValueError for int8 without --xla)."""
    from simservice.loading import load_model

    return load_model(args.model, precision=args.precision, jit_compile=args.xla, family=args.family,
                      pooling=args.pooling)


def _encode(args: argparse.Namespace) -> int:
    model = load_args_model(args)
    vectors = model.encode(args.texts)
    for text, vector in zip(args.texts, vectors):
        print(json.dumps({"text": text, "vector": [round(float(x), 6) for x in vector]}, ensure_ascii=False))
    return 0


def _similarity(args: argparse.Namespace) -> int:
    model = load_args_model(args)
    vectors = model.encode([args.source, *args.targets])
    for target, score in zip(args.targets, vectors[1:] @ vectors[0]):
        print(f"{score:.4f}\t{target}")
    return 0


def _paraphrase(args: argparse.Namespace) -> int:
    model = load_args_model(args)
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
    add_model_args(encode)
    encode.add_argument("texts", nargs="+", type=text_arg)
    encode.set_defaults(func=_encode)

    similarity = sub.add_parser("similarity", help="cosine of a source text to each target text")
    add_model_args(similarity)
    similarity.add_argument("source", type=text_arg)
    similarity.add_argument("targets", nargs="+", type=text_arg)
    similarity.set_defaults(func=_similarity)

    paraphrase = sub.add_parser("paraphrase", help="paraphrases of texts, ranked by the encoder (gen_synonyms)")
    add_model_args(paraphrase)
    paraphrase.add_argument("texts", nargs="+", type=text_arg)
    paraphrase.add_argument("-n", type=positive_int, default=32, help="samples to draw (default 32)")
    paraphrase.add_argument("-k", type=positive_int, default=8, help="paraphrases to keep, at most n (default 8)")
    paraphrase.add_argument("--top-p", type=float, default=0.95, help="nucleus sampling mass (default 0.95)")
    paraphrase.add_argument("--seed", type=int, default=None, help="make the samples reproducible")
    paraphrase.set_defaults(func=_paraphrase)

    from simservice.augment.commands import register as register_augment
    from simservice.convert.commands import register as register_convert
    from simservice.corpus.commands import register as register_corpus
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
    register_corpus(sub)
    register_convert(sub)
    return parser


NO_TENSORFLOW = ("download", "convert")  # commands that never load a model


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "paraphrase" and args.k > args.n:
        parser.error(f"paraphrase: -k {args.k} is more than -n {args.n}: keep at most as many as are drawn")
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        if args.command not in NO_TENSORFLOW:
            import_tensorflow()  # its start-up lines kept out of the output
        return args.func(args)
    except ModuleNotFoundError as e:
        if e.name != "tensorflow":
            raise
        print(f"simservice {args.command}: {e}", file=sys.stderr)
        return 2
    except (ValueError, OSError) as e:  # CheckpointError is a ValueError
        print(f"simservice {args.command}: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
