"""A tokenizer read from a Hugging Face `tokenizer.json` (XLM-R Unigram for e5 and bge-m3, or any
other model the `tokenizers` library reads), under the same rules as the WordPiece `Tokenizer`."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
from tokenizers import Tokenizer as _HFTokenizer

from simservice.model.prompts import Prompts
from simservice.model.tokenizer import Tokenizer

# The names of each special token in BERT's and in XLM-R's vocabularies, in that order.
_SPECIALS = {
    "cls": ("[CLS]", "<s>"),
    "sep": ("[SEP]", "</s>"),
    "pad": ("[PAD]", "<pad>"),
    "unk": ("[UNK]", "<unk>"),
    "mask": ("[MASK]", "<mask>"),
}


class PieceTokenizer(Tokenizer):
    """Text <-> ids through the checkpoint's own `tokenizer.json`: its normalizer, pre-tokenizer and
    model; our truncation (keep the opening and closing tokens, cut the end of the text)."""

    FILE = "tokenizer.json"
    KIND = "the tokenizers library's tokenizer.json (normalizer, pre-tokenizer, model), without its post-processor"

    def __init__(self, path: str | Path, max_length: int = 64, prompts: Prompts = Prompts()):
        try:
            hf = _HFTokenizer.from_file(str(path))
        except Exception as e:  # the Rust library raises a bare Exception for unreadable files
            raise ValueError(f"{path}: not a tokenizer.json the tokenizers library reads ({e})") from e
        hf.no_truncation()
        hf.no_padding()
        vocab = hf.get_vocab(with_added_tokens=True)
        ids = {}
        for role, names in _SPECIALS.items():
            found = next((vocab[n] for n in names if n in vocab), None)
            if found is None and role != "mask":
                raise ValueError(f"{path}: the vocabulary has no {' or '.join(names)} token")
            ids[role] = found
        self._bind(vocab, max_length, prompts, **ids)
        self._hf = hf

    def save(self, path: str | Path) -> None:
        """Write the `tokenizer.json` this tokenizer was read from (truncation and padding off)."""
        self._hf.save(str(path))

    def decode(self, ids: Sequence[int] | np.ndarray) -> str:
        """Ids back to text by the tokenizer's own decoder, special tokens dropped."""
        return self._hf.decode([int(i) for i in ids if int(i) not in self._special_ids], skip_special_tokens=True)
