"""Training: the loss goes down, resuming is exact, the exported checkpoint serves the trained vectors."""

import signal

import numpy as np
import pytest

from simservice.inference.load_pipeline import load_model
from simservice.training.encode import ModelEncoder
from simservice.training.run import build, train
from simservice.training.trainer import Trainer
from tests.training.helpers import tiny_options
from tests.paths import ROOT

TEXTS = ["怎么办理手机？", "如何办理护照", "今天下雨", "信用卡丢了怎么办"]


def test_a_few_steps_lower_the_loss(tmp_path):
    options = tiny_options(tmp_path, steps=40, dropout=0.0, warmup=0)
    trainer, _, start = build(options)
    assert start == 0
    before = trainer.loss(0)
    for step in range(8):
        trainer.step(step)
    after = trainer.loss(0)
    for name in ("seq2seq", "contrastive", "cosent", "loss"):
        assert after[name] < before[name], (name, before, after)


DEMO = ROOT / "models" / "demo"


@pytest.mark.parametrize("objective", ["triplet", "mlm", "simcse", "denoise"])
def test_a_few_steps_of_each_other_objective_lower_its_loss(tmp_path, objective):
    # The vector objectives from the demo model: with dropout on, a tiny model from scratch gives every
    # sentence the same vector (cosine 1.0000) for at least its first 40 steps, so they cannot move yet.
    # The token objectives from scratch: they need a mask token, which the demo's vocabulary lacks.
    init = DEMO if objective in ("triplet", "simcse") else None
    options = tiny_options(tmp_path, init=init, objectives=(objective,), steps=40, lr=3e-4, warmup=0,
                           triplet_batch_size=8, mlm_batch_size=8, simcse_batch_size=8, denoise_batch_size=8)
    trainer, _, _ = build(options)
    before = trainer.loss(0)[objective]
    for step in range(8):
        trainer.step(step)
    assert trainer.loss(0)[objective] < before - 0.01


def _weights(trainer_or_model):
    model = getattr(trainer_or_model, "model", trainer_or_model)
    return [np.array(v.numpy()) for v in model.variables]


def test_resume_continues_from_the_saved_step_and_matches_an_uninterrupted_run(tmp_path, monkeypatch):
    straight = tiny_options(tmp_path / "a", steps=6)
    train(straight)
    reference = load_model(straight.export_dir).encode(TEXTS)

    resumed = tiny_options(tmp_path / "b", steps=6)
    original_step = Trainer.step
    seen = []

    def step_then_stop(self, step):
        seen.append(step)
        out = original_step(self, step)
        if step == 2:  # as if someone pressed Ctrl-C during step 2: it finishes, state is saved at 3
            signal.raise_signal(signal.SIGINT)
        return out

    monkeypatch.setattr(Trainer, "step", step_then_stop)
    with pytest.raises(KeyboardInterrupt, match="stopped at step 3"):
        train(resumed)
    trainer, _, start = build(resumed)
    assert start == 3
    train(resumed)
    assert seen == [0, 1, 2, 3, 4, 5]  # steps 0-2, then 3-5 after the restart; none repeated or skipped
    np.testing.assert_allclose(load_model(resumed.export_dir).encode(TEXTS), reference, atol=1e-6)


def test_exported_checkpoint_gives_the_trained_models_vectors(tmp_path):
    options = tiny_options(tmp_path, steps=3)
    trainer, tokenizer, _ = build(options)
    for step in range(3):
        trainer.step(step)
    from simservice.model.checkpoint_writer import save_tf1

    save_tf1(trainer.model, tokenizer, tmp_path / "out")
    expected = ModelEncoder(trainer.model, tokenizer)(TEXTS)
    pipeline = load_model(tmp_path / "out")
    assert pipeline.tokenizer.vocab == tokenizer.vocab
    np.testing.assert_allclose(pipeline.encode(TEXTS), expected, atol=1e-5)
    assert len(pipeline.generate(TEXTS[0], n=2, top_p=0.95, max_length=8, seed=1)) == 2


def test_fine_tuning_starts_from_the_checkpoint(tmp_path):
    first = tiny_options(tmp_path, steps=2, work_dir=tmp_path / "first")
    train(first)
    start_vectors = load_model(first.export_dir).encode(TEXTS)
    tune = tiny_options(tmp_path, steps=1, lr=0.0, warmup=0, init=first.export_dir, work_dir=tmp_path / "tune")
    trainer, _, _ = build(tune)
    np.testing.assert_allclose(ModelEncoder(trainer.model, trainer_tokenizer(tune))(TEXTS), start_vectors, atol=1e-5)


def trainer_tokenizer(options):
    from simservice.model.tokenizer import Tokenizer

    return Tokenizer.from_file(options.work_dir / "vocab.txt", max_length=options.max_length)
