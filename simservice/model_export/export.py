"""`export_model`: a checkpoint directory -> a SavedModel or ONNX files, with vocab.txt and model.json.

The output is written into a temporary sibling directory and moved into place only once
complete, so a failed export leaves nothing half-written and `force` replaces an old export
only with a finished new one.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from simservice.model.checkpoint_files import find_checkpoint
from simservice.model.config import Architecture
from simservice.model_export import FORMATS, HF_DTYPES
from simservice.model_export.errors import ExportError

log = logging.getLogger(__name__)


def export_model(model_dir: str | Path, fmt: str, output: str | Path, *, force: bool = False,
                 architecture: Architecture | None = None, max_length: int | None = None,
                 dtype: str = "float32") -> Path:
    """Export the checkpoint in `model_dir` as `fmt` into the directory `output`; returns `output`.
    `dtype` is the weights' storage of the `hf` format (float32, float16, int8)."""
    if fmt not in FORMATS:
        raise ExportError(f"unsupported format {fmt!r}: choose one of {', '.join(FORMATS)}")
    if dtype not in HF_DTYPES or (dtype != "float32" and fmt != "hf"):
        raise ExportError(f"--dtype {dtype!r}: the hf format stores {', '.join(HF_DTYPES)}; the others float32")
    out = Path(output)
    _check_output(Path(model_dir), out, force)
    files = find_checkpoint(model_dir)  # a CheckpointError naming what is missing, before TensorFlow loads

    import keras
    import tensorflow as tf

    from simservice.model.loader import load_checkpoint
    from simservice.model_export.manifest import model_facts, write_manifest

    model, tokenizer = load_checkpoint(model_dir, architecture=architecture, max_length=max_length)
    if fmt == "hf":
        return _export_hf(model, tokenizer, Path(model_dir), out, dtype)
    exporter = {"tensorflow": tf.__version__, "keras": keras.__version__}
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.parent / f".{out.name}.partial-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        if fmt == "savedmodel":
            from simservice.model_export.savedmodel import write_savedmodel

            functions = write_savedmodel(model, staging)
        else:
            from simservice.model_export.onnx_files import OPSET, write_onnx

            functions = write_onnx(model, staging)
            import tf2onnx

            exporter |= {"tf2onnx": tf2onnx.__version__, "onnx_opset": OPSET}
        write_manifest(staging, model_facts(model, tokenizer, fmt, functions, exporter),
                       files.directory / tokenizer.FILE)
        if out.exists() or out.is_symlink():
            _remove(out)
        staging.rename(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log.info("exported %s as %s to %s", model_dir, fmt, out)
    return out


def _export_hf(model, tokenizer, model_dir: Path, out: Path, dtype: str) -> Path:
    from simservice.inference import default_sampling
    from simservice.model.hf_writer import save_hf

    if model.pooler is not None:
        raise ExportError(f"{model_dir}: a model with a linear pooler (SimBERT / RoFormer-Sim) has no Hugging Face "
                          "layout here; the hf format is for mean or CLS pooling models")
    save_hf(model, tokenizer, out, dtype)  # staged and moved into place whole, as the other formats
    default_sampling.write(out, default_sampling.read(model_dir))  # the model's default sampler travels with it
    log.info("exported %s as hf (%s weights) to %s", model_dir, dtype, out)
    return out


def _check_output(model_dir: Path, out: Path, force: bool) -> None:
    if not (out.exists() or out.is_symlink()):
        return
    if not force:
        raise ExportError(f"{out}: already exists; choose another -o/--output or add --force to replace it")
    if model_dir.exists() and out.resolve() in (model_dir.resolve(), *model_dir.resolve().parents):
        raise ExportError(f"{out}: holds the model directory {model_dir}; --force would delete it, "
                          "choose another -o/--output")


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()
