"""Which examples make the batch of a given step: a pure function of (seed, step), so a resumed run
sees exactly the batches an uninterrupted one would have."""

from __future__ import annotations

from typing import Sequence

import numpy as np


class BatchPlan:
    """Epochs of shuffled batches drawn within groups (a batch never mixes groups), batch order shuffled.

    A group smaller than the batch size makes one batch of the whole group; otherwise the
    last incomplete batch of a group is dropped each epoch (a new shuffle every epoch).
    With `lengths` (one array per group), each window of `BUCKET_WINDOW` shuffled batches is
    sorted by length before it is cut, so a batch pads little: on a CPU most of the cost of
    a random batch of short sentences is padding to its longest one.
    """

    BUCKET_WINDOW = 32

    def __init__(self, group_sizes: Sequence[int], batch_size: int, seed: int, salt: int = 0,
                 lengths: Sequence[np.ndarray] | None = None):
        if batch_size < 2:
            raise ValueError(f"batch_size must be >= 2, got {batch_size}")
        if not group_sizes or min(group_sizes) < 2:
            raise ValueError(f"every group needs at least 2 examples, got sizes {list(group_sizes)}")
        self.group_sizes = list(group_sizes)
        self.batch_size = batch_size
        self.seed = seed
        self.salt = salt
        self.lengths = None if lengths is None else [np.asarray(x) for x in lengths]
        self.batches_per_epoch = sum(max(1, n // batch_size) for n in self.group_sizes)
        self._epoch: int | None = None
        self._layout: list[tuple[int, np.ndarray]] = []

    def _make_epoch(self, epoch: int) -> list[tuple[int, np.ndarray]]:
        rng = np.random.default_rng([self.seed, self.salt, epoch])
        layout = []
        for group, size in enumerate(self.group_sizes):
            order = rng.permutation(size)
            step = min(self.batch_size, size)
            if self.lengths is not None:
                window = step * self.BUCKET_WINDOW
                order = np.concatenate([
                    chunk[np.argsort(self.lengths[group][chunk], kind="stable")]
                    for chunk in np.split(order, range(window, size, window))
                ])
            for start in range(0, size - step + 1, step):
                layout.append((group, order[start:start + step]))
        return [layout[i] for i in rng.permutation(len(layout))]

    def batch(self, step: int) -> tuple[int, np.ndarray]:
        """(group index, example indices within the group) of batch `step` (0-based)."""
        epoch, index = divmod(step, self.batches_per_epoch)
        if epoch != self._epoch:
            self._layout, self._epoch = self._make_epoch(epoch), epoch
        return self._layout[index]
