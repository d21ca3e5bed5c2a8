"""`simservice export-model --model DIR --format savedmodel|onnx|hf [--dtype D] -o OUT [--force]`: the subcommand."""

from __future__ import annotations

import argparse

from simservice.defaults import demo_model
from simservice.model_export import FORMATS, HF_DTYPES


def register(subparsers) -> None:
    """Add the `export-model` subcommand to the `simservice` command's subparsers."""
    cmd = subparsers.add_parser(
        "export-model", help="export a checkpoint as a SavedModel (TF Serving, Triton) or ONNX files, "
                             "or again in the Hugging Face layout with smaller weights",
        description="Write the sentence encoder and the UniLM next-token head of a checkpoint for other "
                    "serving stacks, with vocab.txt and model.json beside them (see docker/README.md).")
    cmd.add_argument("--model", default=demo_model(),
                     help="checkpoint directory, official TF1 or Hugging Face port (default: models/demo)")
    cmd.add_argument("--format", required=True, metavar="|".join(FORMATS),
                     help="savedmodel: one SavedModel directory with signatures serving_default (vectors) "
                          "and next_token; onnx: encoder.onnx and next_token.onnx (opset 17); hf: the same "
                          "checkpoint in the Hugging Face layout, weights in --dtype (mean or CLS pooling models)")
    cmd.add_argument("--dtype", choices=HF_DTYPES, default="float32",
                     help="weights of the hf format: float16 halves them, int8 stores the large matrices in int8 "
                          "with a scale per block of 32 values (about a quarter; read back by simservice only); "
                          "default float32")
    cmd.add_argument("-o", "--output", required=True,
                     help="directory to create (for TF Serving, a version directory such as exports/sim/1)")
    cmd.add_argument("--force", action="store_true", help="replace OUTPUT if it exists")
    cmd.add_argument("--architecture", choices=("roformer", "bert"), default=None,
                     help="force the architecture (default: told from the checkpoint)")
    cmd.set_defaults(func=export_model_command)


def export_model_command(args: argparse.Namespace) -> int:
    from simservice.model_export.export import export_model

    print(export_model(args.model, args.format, args.output, force=args.force, architecture=args.architecture,
                       dtype=args.dtype))
    return 0
