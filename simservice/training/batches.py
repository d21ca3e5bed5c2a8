"""Padded numpy batches: UniLM pair rows ([CLS] a [SEP] b [SEP]), single sentences, masked or corrupted sentences."""

from __future__ import annotations

from typing import Sequence

import numpy as np

PAD_MULTIPLE = 8  # lengths rounded up, so a compiled step sees few distinct shapes


def pad_rows(rows: Sequence[Sequence[int]], segments: Sequence[Sequence[int]],
             multiple: int = PAD_MULTIPLE) -> dict[str, np.ndarray]:
    """Right-pad to the longest row (rounded up to `multiple`) with id 0 and a False padding mask."""
    longest = max(len(r) for r in rows)
    length = -(-longest // multiple) * multiple
    token_ids = np.zeros((len(rows), length), dtype=np.int32)
    segment_ids = np.zeros((len(rows), length), dtype=np.int32)
    mask = np.zeros((len(rows), length), dtype=bool)
    for i, (row, seg) in enumerate(zip(rows, segments)):
        token_ids[i, : len(row)] = row
        segment_ids[i, : len(row)] = seg
        mask[i, : len(row)] = True
    return {"token_ids": token_ids, "segment_ids": segment_ids, "padding_mask": mask}


def seq2seq_rows(pairs: Sequence[tuple[Sequence[int], Sequence[int]]]) -> dict[str, np.ndarray]:
    """One UniLM row `[CLS] source [SEP] target [SEP]` per (source, target) pair.

    Each sentence is `[CLS] ... [SEP]`; the target drops its [CLS]. Source tokens are segment
    0, target tokens (with their final [SEP]) segment 1.
    """
    rows = [[*src, *tgt[1:]] for src, tgt in pairs]
    segments = [[0] * len(src) + [1] * (len(tgt) - 1) for src, tgt in pairs]
    return pad_rows(rows, segments)


def pair_rows(pairs: Sequence[tuple[Sequence[int], Sequence[int]]]) -> dict[str, np.ndarray]:
    """Rows (a, b) and (b, a) interleaved, so row i's partner is row i ^ 1 (see `seq2seq_rows`)."""
    return seq2seq_rows([direction for a, b in pairs for direction in ((a, b), (b, a))])


def sentence_rows(sentences: Sequence[Sequence[int]]) -> dict[str, np.ndarray]:
    """Each sentence alone, all segment 0 (bidirectional): the encoder's input."""
    return pad_rows(sentences, [[0] * len(s) for s in sentences])


def mlm_rows(sentences: Sequence[Sequence[int]], rng: np.random.Generator, *, mask_id: int,
             special_ids: Sequence[int], rate: float = 0.15) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """BERT masking: `rate` of the non-special tokens chosen; 80% [MASK], 10% a random token, 10% kept.

    Returns the inputs and labels ([batch, length] int32, -1 where nothing is predicted).
    Random replacements are drawn from the batch's own tokens (a unigram sample).
    """
    inputs = sentence_rows(sentences)
    ids = inputs["token_ids"]
    labels = np.full(ids.shape, -1, dtype=np.int32)
    candidates = inputs["padding_mask"] & ~np.isin(ids, special_ids)
    chosen = candidates & (rng.random(ids.shape) < rate)
    labels[chosen] = ids[chosen]
    draw = rng.random(ids.shape)
    masked = ids.copy()
    masked[chosen & (draw < 0.8)] = mask_id
    randomised = chosen & (draw >= 0.8) & (draw < 0.9)
    pool = ids[candidates]
    if len(pool):
        masked[randomised] = rng.choice(pool, size=int(randomised.sum()))
    inputs["token_ids"] = masked
    return inputs, labels


def corrupt(ids: Sequence[int], rng: np.random.Generator, *, mask_id: int, rate: float = 0.2,
            delete_share: float = 0.4) -> list[int]:
    """`[CLS] ... [SEP]` with `rate` of the inner tokens chosen: `delete_share` of them dropped, the rest [MASK]."""
    inner = np.asarray(ids[1:-1])
    chosen = rng.random(len(inner)) < rate
    deleted = chosen & (rng.random(len(inner)) < delete_share)
    inner = np.where(chosen, mask_id, inner)[~deleted]
    return [ids[0], *inner.tolist(), ids[-1]]
