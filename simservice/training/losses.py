"""The training losses as tensor functions, all computed in float32."""

from __future__ import annotations

import tensorflow as tf

NEG_INF = -1e12


def seq2seq_loss(logits, token_ids, segment_ids, padding_mask):
    """UniLM: position t predicts token t+1 wherever token t+1 is a (non-padding) target token."""
    target = tf.cast(token_ids[:, 1:], tf.int32)
    weight = tf.cast(tf.logical_and(segment_ids[:, 1:] == 1, padding_mask[:, 1:]), tf.float32)
    ce = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=target, logits=tf.cast(logits[:, :-1], tf.float32))
    return tf.reduce_sum(ce * weight) / tf.maximum(tf.reduce_sum(weight), 1.0)


def target_positions(hidden, token_ids, segment_ids, padding_mask):
    """(hidden states that predict a target token [N, hidden], those tokens [N]): the only positions the
    seq2seq loss needs logits for, which saves the vocabulary projection of the source and padding.
    Dynamic shapes: not for XLA."""
    wanted = tf.logical_and(segment_ids[:, 1:] == 1, padding_mask[:, 1:])
    return tf.boolean_mask(hidden[:, :-1], wanted), tf.boolean_mask(tf.cast(token_ids[:, 1:], tf.int32), wanted)


def token_loss(logits, targets):
    """Mean cross-entropy of [N, vocab] logits against [N] token ids."""
    ce = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=targets, logits=tf.cast(logits, tf.float32))
    return tf.reduce_mean(ce)


def unit(vectors):
    return tf.math.l2_normalize(tf.cast(vectors, tf.float32), axis=-1)


def in_batch_contrastive_loss(vectors, scale: float):
    """SimBERT: rows come in pairs (2i, 2i+1); softmax over the batch of scaled cosines, the partner is the target."""
    v = unit(vectors)
    n = tf.shape(v)[0]
    sims = tf.matmul(v, v, transpose_b=True) * scale
    sims = sims + tf.eye(n, dtype=tf.float32) * NEG_INF  # a row is not its own candidate
    partner = tf.bitwise.bitwise_xor(tf.range(n), 1)
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=partner, logits=sims))


def hard_negative_loss(anchors, positives, negatives, scale: float):
    """Supervised SimCSE: anchor i's candidates are every positive and hard negative of the batch, target positive i."""
    a = unit(anchors)
    candidates = tf.concat([unit(positives), unit(negatives)], axis=0)
    sims = tf.matmul(a, candidates, transpose_b=True) * scale
    target = tf.range(tf.shape(a)[0])
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=target, logits=sims))


def cosent_loss(first, second, labels, scale: float):
    """CoSENT: log(1 + sum over label_i > label_j of exp(scale * (cos_j - cos_i)))."""
    cos = tf.reduce_sum(unit(first) * unit(second), axis=-1)
    labels = tf.cast(labels, tf.float32)
    diff = scale * (cos[None, :] - cos[:, None])  # [i, j] = scale * (cos_j - cos_i)
    ordered = labels[:, None] > labels[None, :]
    diff = tf.where(ordered, diff, NEG_INF)
    flat = tf.concat([tf.zeros([1]), tf.reshape(diff, [-1])], axis=0)
    return tf.reduce_logsumexp(flat)


def cosent_order_accuracy(first, second, labels):
    """Share of the pairs CoSENT ranks (label_i > label_j) whose cosines are in that order: what the
    loss, a soft maximum dominated by the worst few inversions, does not show."""
    cos = tf.reduce_sum(unit(first) * unit(second), axis=-1)
    labels = tf.cast(labels, tf.float32)
    ordered = tf.cast(labels[:, None] > labels[None, :], tf.float32)
    right = tf.cast(cos[:, None] > cos[None, :], tf.float32)
    return tf.reduce_sum(ordered * right) / tf.maximum(tf.reduce_sum(ordered), 1.0)


def distil_loss(student, teacher):
    """Mean (1 - cosine) of each student vector and its teacher vector (dimensions must agree)."""
    return tf.reduce_mean(1.0 - tf.reduce_sum(unit(student) * unit(teacher), axis=-1))


def mlm_loss(logits, labels):
    """Cross-entropy at positions with a label (>= 0), mean over them."""
    weight = tf.cast(labels >= 0, tf.float32)
    ce = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.maximum(labels, 0), logits=tf.cast(logits, tf.float32))
    return tf.reduce_sum(ce * weight) / tf.maximum(tf.reduce_sum(weight), 1.0)
