"""Which pieces a pruned vocabulary keeps, for the texts of some files: the specials, every piece
the tokenizer makes of their lines (bare and with each prompt), every single-character piece of
the character classes they use, every piece of the scripts they write in (or of the scripts
named) and of their digits, punctuation and symbols, "▁", <mask> (for mask_idxs and MLM training)
and the lowest-scored piece (it sets the score of <unk>)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

from simservice.convert.char_classes import NON_LETTERS, char_class
from simservice.convert.e5_prompts import PROMPTS
from simservice.convert.errors import ConvertError
from simservice.convert.unigram_tokenizer import MASK, META, Specials

# A script with this share of the files' letters is kept whole: the Latin words of Chinese text
# (4% of train/sentences.txt's letters) too, so that its unseen words are tokenized as before.
SCRIPT_SHARE = 0.01


@dataclass(frozen=True)
class KeptPieces:
    ids: np.ndarray  # sorted ids into the full vocabulary
    whole: list[str]  # the classes of which every piece is kept
    seen: list[str]  # the classes of which every single-character piece is kept
    files: list[tuple[str, int]]  # name and non-blank lines of each file
    scripts: list[str] | None  # the scripts named instead of those of SCRIPT_SHARE


def read_lines(path: Path) -> list[str]:
    """The non-blank lines of a UTF-8 text file."""
    try:
        return [line for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    except UnicodeDecodeError as e:
        raise ConvertError(f"{path}: not UTF-8 text ({e})") from None


def pieces_to_keep(tokenizer: Tokenizer, pieces: list[str], scores: np.ndarray, specials: Specials,
                   files: list[Path], scripts: list[str] | None = None) -> KeptPieces:
    """The pieces to keep for the lines of `files`, with every piece of `scripts` (class names
    such as CJK or LATIN; default: those with SCRIPT_SHARE of the files' letters)."""
    per_file = [read_lines(path) for path in files]
    lines = [line for file_lines in per_file for line in file_lines]
    keep = {specials.bos, specials.eos, specials.pad, specials.unk, int(np.argmin(scores))}
    for piece in (META, MASK):  # the bare word start; the mask token, for mask_idxs and MLM training
        if piece in pieces:
            keep.add(pieces.index(piece))
    for prompt in ("", *PROMPTS.values()):
        for encoding in tokenizer.encode_batch([prompt + line for line in lines], add_special_tokens=False):
            keep.update(encoding.ids)
    counts = Counter(char_class(ch) for line in lines for ch in tokenizer.normalizer.normalize_str(line)
                     if not ch.isspace())
    whole = (written_scripts(counts) if scripts is None else set(scripts)) | (NON_LETTERS & counts.keys())
    found = set()
    for i, piece in enumerate(pieces):
        classes = {char_class(ch) for ch in piece.lstrip(META)}
        found |= classes
        if (len(piece) == 1 and classes <= counts.keys()) or (classes and classes <= whole):
            keep.add(i)
    if scripts is not None and set(scripts) - found:
        raise ConvertError(f"no piece is of script {sorted(set(scripts) - found)}: scripts are named by the first "
                           "word of their letters' Unicode names (CJK, LATIN, CYRILLIC, HANGUL...)")
    return KeptPieces(np.array(sorted(keep), dtype=np.int64), sorted(whole), sorted(counts),
                      [(Path(path).name, len(file_lines)) for path, file_lines in zip(files, per_file)],
                      None if scripts is None else sorted(scripts))


def written_scripts(counts: Counter) -> set[str]:
    """The letter classes that make up at least SCRIPT_SHARE of the letters counted."""
    letters = {c: n for c, n in counts.items() if c not in NON_LETTERS and c != "other"}
    total = sum(letters.values())
    return {c for c, n in letters.items() if n >= SCRIPT_SHARE * total}
