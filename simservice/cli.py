"""The `simservice` command: run the service, use a model from the shell, train and evaluate."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys

from simservice.tensorflow_import import import_tensorflow
from simservice.cli_args import add_model_args, add_sampling_args, local_service, positive_int, text_arg


def _encode(args: argparse.Namespace) -> int:
    vectors = asyncio.run(local_service(args).embed(args.texts, truncate=True)).vectors
    for text, vector in zip(args.texts, vectors):
        print(json.dumps({"text": text, "vector": [round(float(x), 6) for x in vector]}, ensure_ascii=False))
    return 0


def _similarity(args: argparse.Namespace) -> int:
    scores = asyncio.run(local_service(args).similarity(args.source, args.targets, truncate=True))
    for target, score in zip(args.targets, scores):
        print(f"{score:.4f}\t{target}")
    return 0


def _paraphrase(args: argparse.Namespace) -> int:
    from simservice.inference.sampler import KNOBS, SamplingParams
    from simservice.service.model_ops import ParaphraseOptions

    SamplingParams.of(args)  # checked before the model loads
    service = local_service(args)
    options = ParaphraseOptions(n=args.n, k=args.k, sampler=args.sampler,
                                knobs={name: getattr(args, name) for name in KNOBS}, seed=args.seed, truncate=True)
    for text in args.texts:
        print(text)
        [result] = asyncio.run(service.paraphrase([text], options))
        for candidate, score in result.paraphrases:
            print(f"  {score:.4f}\t{candidate}")
    return 0


class StrictParser(argparse.ArgumentParser):
    """No abbreviated flags: `--prot` is an error, not `--protect-docs`."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)


def build_parser() -> argparse.ArgumentParser:
    parser = StrictParser(prog="simservice", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO level")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=StrictParser)

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
    add_sampling_args(paraphrase)
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
    args, extra = parser.parse_known_args(argv)
    if extra:  # said by the subcommand, with its own usage line
        command = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        command.choices[args.command].error(f"unrecognized arguments: {' '.join(extra)}")
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
    except Exception as e:
        from simservice.service.errors import ServiceError  # here: commands that never use the core skip its import

        if not isinstance(e, ServiceError):
            raise
        print(f"simservice {args.command}: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
