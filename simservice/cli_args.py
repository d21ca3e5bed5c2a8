"""Arguments the model commands share (`encode`, `similarity`, `paraphrase`, `eval`): the model's
flags and the local service over it, the sampling flags, and the checks on texts and counts."""

from __future__ import annotations

import argparse

from simservice.defaults import demo_model
from simservice.precision import PRECISIONS
from simservice.serving.commands import POOLINGS

DEFAULT_MODEL = demo_model()


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


def non_negative_int(value: str) -> int:
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError(f"{number} is negative")
    return number


def cosine_arg(value: str) -> float:
    number = float(value)
    if not -1.0 <= number <= 1.0:
        raise argparse.ArgumentTypeError(f"{number} is not a cosine (-1 to 1)")
    return number


def add_model_args(parser: argparse.ArgumentParser) -> None:
    """--model, --precision and --xla: what `load_args_model` loads."""
    parser.add_argument("--model", default=DEFAULT_MODEL,
                        help=f"checkpoint directory, official TF1 or Hugging Face (default: {DEFAULT_MODEL})")
    parser.add_argument("--precision", choices=PRECISIONS, default="float32",
                        help="compute precision (default float32; auto: the fastest that keeps float32's vectors on "
                             "this machine, measured once); int8 needs --xla")
    parser.add_argument("--xla", action="store_true", help="compile the encoder and the decode loop with XLA")
    parser.add_argument("--family", default=None, help="model family: roformer-sim, bert-embedding or bert-unilm "
                                                       "(default: told from the checkpoint)")
    parser.add_argument("--pooling", choices=POOLINGS, default=None,
                        help="sentence vector: linear (SimBERT's pooler), cls or mean (default: the checkpoint's)")


def load_args_model(args: argparse.Namespace):
    """The model that `add_model_args`' flags name (ValueError for int8 without --xla)."""
    from simservice.inference.load_pipeline import load_model

    return load_model(args.model, precision=args.precision, jit_compile=args.xla, family=args.family,
                      pooling=args.pooling)


def local_service(args: argparse.Namespace):
    """The service core over the model the flags name, for one user on this thread (see `Service.local`)."""
    from simservice.service.core import Service

    return Service.local(lambda: load_args_model(args), model_path=args.model)


def add_sampling_args(parser: argparse.ArgumentParser) -> None:
    """--sampler and a flag per sampling knob (`--top-p`, `--min-p`, ...), from their registries."""
    from simservice.inference.sampler import KNOBS, SAMPLERS

    def checked(knob):
        def parse(value: str):
            try:
                number = knob.type(value)
                knob.check(number)
            except ValueError as exc:
                raise argparse.ArgumentTypeError(str(exc)) from None
            return number
        return parse

    parser.add_argument("--sampler", choices=list(SAMPLERS), help="the sampler by name (default: told from the "
                        "knobs; with no sampler, --top-k or --top-p, the model's default sampling: top-p 0.95 unless "
                        "its generation_config.json names another)")
    for knob in KNOBS.values():
        parser.add_argument("--" + knob.name.replace("_", "-"), type=checked(knob), default=knob.default,
                            help=f"{knob.help} (default {'unset' if knob.default is None else knob.default})")
