"""A file's bytes as text: the encoding its BOM names, else UTF-8, else GB18030 (the superset of GBK
that Excel in China saves) when the bytes are valid GB18030, else what charset-normalizer detects.
GB18030 goes before detection because on a short Chinese file charset-normalizer ranks Big5, CP949
or even UTF-16 above it (a Big5 file is best saved as UTF-8). A UTF-8 file with a few broken lines
stays UTF-8: those bytes become lone surrogates (`NOT_UTF8`), so each broken line is reported alone."""

from __future__ import annotations

import codecs
import re

from simservice.datafiles.rows import BadInput

BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
NOT_UTF8 = re.compile("[\udc80-\udcff]")  # a byte that was not UTF-8, as surrogateescape keeps it


def decode(data: bytes, name: str = "the file") -> tuple[str, str]:
    """The text and the encoding it was read with."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return _strict(data, encoding, name), encoding
    if b"\0" in data:
        raise BadInput(f"{name}: binary data, or UTF-16 without a BOM: save it as UTF-8")
    if _mostly_utf8(data):
        return data.decode("utf-8", errors="surrogateescape"), "utf-8"
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise BadInput(f"{name}: cannot tell the text encoding: save it as UTF-8")
    return _strict(data, best.encoding, name), best.encoding


def _strict(data: bytes, encoding: str, name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise BadInput(f"{name}: line {line}: not {encoding} text: save the file as UTF-8") from None


def _mostly_utf8(data: bytes) -> bool:
    """UTF-8 unless more of the lines holding non-ASCII bytes fail UTF-8 than pass it."""
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        pass
    good = bad = 0
    for line in data.split(b"\n"):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            good += 1
        except UnicodeDecodeError:
            bad += 1
    return good >= bad and good > 0
