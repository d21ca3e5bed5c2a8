"""BERT WordPiece tokenizer that gives bert4keras's ids, on Hugging Face `tokenizers`; the base of
every tokenizer the service uses (`PieceTokenizer` reads any `tokenizer.json`).

The Rust `tokenizers` pipeline (drop control characters, space out CJK characters,
lower-case and strip accents; BertPreTokenizer; WordPiece with a whole word turned into
[UNK] when a piece is missing) is the algorithm of bert4keras's `Tokenizer(do_lower_case=True)`.
Truncation keeps [CLS] and [SEP] and drops tokens from the end of the text, as bert4keras does.
Only `decode` is our own: it joins Chinese without spaces the way bert4keras does.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Sequence

import numpy as np
from tokenizers import Regex
from tokenizers import Tokenizer as _HFTokenizer
from tokenizers import models, normalizers, pre_tokenizers, processors

from simservice.model.prompts import Prompts

PAD, UNK, CLS, SEP, MASK = "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"
# bert4keras keeps a word of up to 200 characters whole before giving it [UNK].
WORD_MAX_CHARS = 200
UNBOUNDED = 1 << 30  # a max_length that cuts nothing: tokenize to measure
# Full-width and CJK punctuation (and a few ASCII signs) after which decode adds no space.
_GLUE_AFTER = (
    "\uff02\uff03\uff04\uff05\uff06\uff07\uff08\uff09\uff0a\uff0b\uff0c\uff0d\uff0f\uff1a"
    "\uff1b\uff1c\uff1d\uff1e\uff20\uff3b\uff3c\uff3d\uff3e\uff3f\uff40\uff5b\uff5c\uff5d"
    "\uff5e\uff5f\uff60\uff62\uff63\uff64\u3000\u3001\u3003\u3008\u3009\u300a\u300b\u300c"
    "\u300d\u300e\u300f\u3010\u3011\u3014\u3015\u3016\u3017\u3018\u3019\u301a\u301b\u301c"
    "\u301d\u301e\u301f\u3030\u303e\u303f\u2013\u2014\u2018\u2019\u201b\u201c\u201d\u201e"
    "\u201f\u2026\u2027\ufe4f\ufe51\ufe54\u00b7\uff01\uff1f\uff61\u3002"
    "+-/={(<["
)
_GLUE_AFTER_RE = re.compile("(%s) " % "|".join(re.escape(c) for c in _GLUE_AFTER))


def load_vocab(path: str | Path) -> dict[str, int]:
    """Read `vocab.txt`: one token a line, the id is the line number."""
    vocab: dict[str, int] = {}
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f):
            fields = line.split()
            token = fields[0] if fields else line.strip()
            vocab.setdefault(token, i)
    return vocab


class Tokenizer:
    """Text <-> ids for the char-level RoFormer-Sim and SimBERT vocabularies."""

    FILE = "vocab.txt"  # the checkpoint file it is read from
    KIND = "BERT WordPiece (bert4keras's rules: lower-cased, accents stripped); every CJK character its own token"

    def __init__(self, vocab: dict[str, int], max_length: int = 64, prompts: Prompts = Prompts()):
        for special in (PAD, UNK, CLS, SEP, MASK):
            if special not in vocab:
                raise ValueError(f"vocabulary has no {special} token")
        self._bind(vocab, max_length, prompts, pad=vocab[PAD], unk=vocab[UNK], cls=vocab[CLS], sep=vocab[SEP],
                   mask=vocab[MASK])

        hf = _HFTokenizer(
            models.WordPiece(vocab, unk_token=UNK, max_input_chars_per_word=WORD_MAX_CHARS)
        )
        hf.normalizer = normalizers.Sequence([
            # bert4keras's cleaning: tab and newlines are spaces; control and format characters,
            # NUL and U+FFFD are dropped. BertNormalizer's own clean_text would also drop
            # private-use and unassigned characters, which bert4keras keeps (as [UNK]).
            normalizers.Replace(Regex("[\t\n\r]"), " "),
            normalizers.Replace(Regex("[\\p{Cc}\\p{Cf}\\x{FFFD}]"), ""),
            normalizers.BertNormalizer(
                clean_text=False, handle_chinese_chars=True, strip_accents=None, lowercase=True
            ),
        ])
        hf.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
        hf.post_processor = processors.TemplateProcessing(
            single=f"{CLS}:0 $A:0 {SEP}:0",
            pair=f"{CLS}:0 $A:0 {SEP}:0 $B:1 {SEP}:1",
            special_tokens=[(CLS, self.cls_id), (SEP, self.sep_id)],
        )
        self._hf = hf

    def _bind(self, vocab: dict[str, int], max_length: int, prompts: Prompts, *, pad: int, unk: int, cls: int,
              sep: int, mask: int | None) -> None:
        """The facts every tokenizer has: its vocabulary, length limit, prompts and special ids
        (`cls` and `sep` open and close every sequence; `mask` may be None)."""
        self.vocab = vocab
        self.max_length = max_length
        self.prompts = prompts
        self._id_to_token = {i: t for t, i in vocab.items()}
        self.vocab_size = max(vocab.values()) + 1
        self.pad_id, self.unk_id, self.cls_id, self.sep_id, self.mask_id = pad, unk, cls, sep, mask
        self._special_ids = {i for i in (pad, unk, cls, sep, mask) if i is not None}

    @classmethod
    def from_file(cls, path: str | Path, max_length: int = 64, prompts: Prompts = Prompts()) -> "Tokenizer":
        return cls(load_vocab(path), max_length=max_length, prompts=prompts)

    # -- encoding ----------------------------------------------------------------------

    def tokenize(self, text: str) -> list[str]:
        """The word pieces of `text`, without [CLS] / [SEP] and without truncation."""
        return self._hf.encode(text, add_special_tokens=False).tokens

    def encode(self, text: str, max_length: int | None = None, prompt: str = "") -> list[int]:
        """[CLS] prompt text [SEP] as ids, truncated to `max_length` tokens in all (default: the tokenizer's)."""
        return self.encode_batch([text], max_length, prompt)[0]

    def encode_batch(self, texts: Sequence[str], max_length: int | None = None, prompt: str = "") -> list[list[int]]:
        """`encode` of each text; `prompt` (see `prompts`) is put before each text and tokenized with it,
        as sentence-transformers does, so it counts towards the length."""
        limit = self.max_length if max_length is None else max_length
        if limit < 2:
            raise ValueError(f"max_length must leave room for [CLS] and [SEP], got {limit}")
        texts = [prompt + text for text in texts] if prompt else list(texts)
        pieces = self._hf.encode_batch(texts, add_special_tokens=False)
        return [[self.cls_id, *p.ids[: limit - 2], self.sep_id] for p in pieces]

    def encode_within(self, texts: Sequence[str], limit: int, truncate: bool,
                      prompt: str = "") -> list[tuple[list[int], int]]:
        """Each text's ids ([CLS] prompt text [SEP]) and its length in tokens before any cut. Over
        `limit`, the ids are cut to it (keeping [SEP]) when `truncate`, else left whole for the caller to refuse."""
        out = []
        for ids in self.encode_batch(texts, UNBOUNDED, prompt):
            length = len(ids)
            out.append(([*ids[: limit - 1], ids[-1]] if truncate and length > limit else ids, length))
        return out

    def length(self, text: str) -> int:
        """Number of tokens of `text` with [CLS] and [SEP], before truncation."""
        return len(self._hf.encode(text, add_special_tokens=False).ids) + 2

    # -- decoding ----------------------------------------------------------------------

    def id_to_token(self, token_id: int) -> str:
        return self._id_to_token.get(int(token_id), UNK)

    def decode(self, ids: Sequence[int] | np.ndarray) -> str:
        """Ids back to text: special tokens dropped, Chinese joined without spaces."""
        tokens = [self.id_to_token(i) for i in ids if int(i) not in self._special_ids]
        tokens = [t for t in tokens if not (t.startswith("[") and t.endswith("]"))]
        text = ""
        for i, token in enumerate(tokens):
            if token.startswith("##"):
                text += token[2:]
            elif len(token) == 1 and _is_cjk(token):
                text += token
            elif len(token) == 1 and _is_punctuation(token):
                text += token + " "
            elif i > 0 and text and _is_cjk(text[-1]):
                text += token
            else:
                text += " " + token
        text = re.sub(" +", " ", text)
        text = re.sub("' (re|m|s|t|ve|d|ll) ", r"'\1 ", text)
        text = _GLUE_AFTER_RE.sub(r"\1", text)
        text = re.sub(r"(\d\.) (\d)", r"\1\2", text)
        return text.strip()


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x2A6DF
        or 0x2A700 <= code <= 0x2B73F
        or 0x2B740 <= code <= 0x2B81F
        or 0x2B820 <= code <= 0x2CEAF
        or 0xF900 <= code <= 0xFAFF
        or 0x2F800 <= code <= 0x2FA1F
    )


def _is_punctuation(ch: str) -> bool:
    code = ord(ch)
    return (
        33 <= code <= 47
        or 58 <= code <= 64
        or 91 <= code <= 96
        or 123 <= code <= 126
        or unicodedata.category(ch).startswith("P")
    )
