"""Snapshot files: a FAISS index plus a checksummed footer, written atomically.

Layout: MAGIC | FAISS index bytes | footer JSON | footer length (u64 LE) | MAGIC. The footer
holds the SHA-256 and length of the index bytes and whatever the store needs to resume
(how far into the item log the snapshot reaches). A file is written to a temporary name,
fsynced, renamed over the old one and the directory fsynced, so a crash leaves either the
old snapshot or the new one, never a mix. Reading checks magic, length and checksum before
FAISS parses a byte, so a damaged file is refused with CorruptSnapshot, never half-loaded.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct

import faiss

from ..errors import CorruptSnapshot

MAGIC = b"SIMIDX\x00\x01"
_TAIL = struct.Struct("<Q8s")
_CHUNK = 16 << 20


def write(path: str, index: faiss.Index, footer: dict) -> int:
    """Atomically replace `path` with a snapshot of `index`; returns the file size."""
    tmp = f"{path}.tmp-{os.getpid()}"
    try:
        digest = hashlib.sha256()
        body = 0
        with open(tmp, "wb") as out:
            out.write(MAGIC)

            def sink(chunk: bytes) -> None:
                nonlocal body
                digest.update(chunk)
                out.write(chunk)
                body += len(chunk)

            writer = faiss.PyCallbackIOWriter(sink)
            faiss.write_index(index, writer)
            del writer  # flushes its buffer into sink
            meta = json.dumps({**footer, "body_bytes": body, "sha256": digest.hexdigest()}).encode()
            out.write(meta)
            out.write(_TAIL.pack(len(meta), MAGIC))
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    os.replace(tmp, path)
    fsync_dir(os.path.dirname(path) or ".")
    return os.path.getsize(path)


def read(path: str) -> tuple[faiss.Index, dict]:
    """(index, footer) from a snapshot; FileNotFoundError if absent, CorruptSnapshot if damaged."""
    size = os.path.getsize(path)
    with open(path, "rb") as src:
        if size < len(MAGIC) + _TAIL.size or src.read(len(MAGIC)) != MAGIC:
            raise CorruptSnapshot(f"{path}: not a snapshot file (bad header)")
        src.seek(size - _TAIL.size)
        meta_len, magic = _TAIL.unpack(src.read(_TAIL.size))
        body_end = size - _TAIL.size - meta_len
        if magic != MAGIC or body_end < len(MAGIC):
            raise CorruptSnapshot(f"{path}: truncated or damaged (bad trailer)")
        src.seek(body_end)
        try:
            footer = json.loads(src.read(meta_len))
        except ValueError:
            raise CorruptSnapshot(f"{path}: damaged footer") from None
        if not isinstance(footer, dict) or footer.get("body_bytes") != body_end - len(MAGIC):
            raise CorruptSnapshot(f"{path}: index length does not match the footer")
        src.seek(len(MAGIC))
        digest = hashlib.sha256()
        left = footer["body_bytes"]
        while left:
            chunk = src.read(min(_CHUNK, left))
            if not chunk:
                raise CorruptSnapshot(f"{path}: truncated")
            digest.update(chunk)
            left -= len(chunk)
        if digest.hexdigest() != footer.get("sha256"):
            raise CorruptSnapshot(f"{path}: checksum mismatch, the file is damaged")
        src.seek(len(MAGIC))
        left = footer["body_bytes"]

        def source(wanted: int) -> bytes:
            nonlocal left
            chunk = src.read(min(wanted, left))
            left -= len(chunk)
            return chunk

        try:
            index = faiss.read_index(faiss.PyCallbackIOReader(source))
        except RuntimeError as exc:
            raise CorruptSnapshot(f"{path}: FAISS cannot read the index: {exc}") from None
    return index, footer


def fsync_dir(path: str) -> None:
    """Make a rename or unlink inside `path` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
