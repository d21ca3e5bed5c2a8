"""The GPU switches run on CPU too: recomputation gives the same update, mixed precision and XLA train."""

import numpy as np
import pytest

from simservice.training.run import build
from tests.training.helpers import tiny_options


def _one_step(tmp_path, name, **changes):
    trainer, _, _ = build(tiny_options(tmp_path / name, dropout=0.0, steps=2, **changes))
    metrics = trainer.step(0)
    return metrics, [np.array(v.numpy(), dtype=np.float32) for v in trainer.model.trainable_variables]


def test_recompute_gives_the_same_update(tmp_path):
    plain, plain_weights = _one_step(tmp_path, "plain")
    remat, remat_weights = _one_step(tmp_path, "remat", recompute=True)
    assert remat["loss"] == pytest.approx(plain["loss"], rel=1e-5)
    for a, b in zip(plain_weights, remat_weights, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-5)


@pytest.mark.parametrize("changes", [{"precision": "mixed_bfloat16"}, {"precision": "mixed_float16"}, {"xla": True}],
                         ids=["bfloat16", "float16", "xla"])
def test_switch_trains(tmp_path, changes):
    metrics, weights = _one_step(tmp_path, "run", **changes)
    assert np.isfinite(metrics["loss"]) and metrics["loss"] > 0
    assert all(w.dtype == np.float32 and np.isfinite(w).all() for w in weights)  # variables stay float32
