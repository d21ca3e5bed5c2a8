"""`train --init` from an embedding checkpoint (tiny e5: tokenizer.json, mean pooling, no MLM head):
a fresh tied MLM head, fewer layers on request, an HF export that the `bert-unilm` family serves."""

import numpy as np
import pytest

from simservice.inference.load_pipeline import load_model
from simservice.model.loader import load_checkpoint
from simservice.training.encode import ModelEncoder
from simservice.training.model_setup import kept_layers
from simservice.training.run import build, train
from tests.paths import FIXTURES
from tests.training.helpers import tiny_options

E5 = FIXTURES / "families" / "e5"
TEXTS = ["怎么办理手机？", "如何办理护照", "今天下雨", "信用卡丢了怎么办"]


def test_kept_layers_are_evenly_spaced_and_end_at_the_last():
    assert kept_layers(12, 6) == [1, 3, 5, 7, 9, 11]
    assert kept_layers(12, 4) == [2, 5, 8, 11]
    assert kept_layers(2, 2) == [0, 1]
    with pytest.raises(ValueError):
        kept_layers(2, 3)


def test_init_from_an_embedding_model_starts_from_its_vectors_with_a_fresh_head(tmp_path):
    options = tiny_options(tmp_path, init=E5, objectives=("simbert", "cosent", "denoise"), steps=1, lr=0.0,
                           warmup=0, dropout=0.0)
    trainer, tokenizer, _ = build(options)
    model = trainer.model
    assert model.config.pooling == "mean" and model.can_generate
    assert tokenizer.mask_id == tokenizer.vocab["<mask>"]
    np.testing.assert_array_equal(model.mlm_head.bias.numpy(), 0.0)
    source, source_tokenizer = load_checkpoint(E5)
    for name in ("token_embedding", "position_embedding"):
        np.testing.assert_array_equal(getattr(model.backbone, name).embeddings.numpy(),
                                      getattr(source.backbone, name).embeddings.numpy())
    np.testing.assert_allclose(ModelEncoder(model, tokenizer)(TEXTS),
                               ModelEncoder(source, source_tokenizer)(TEXTS), atol=1e-5)
    assert np.isfinite(trainer.step(0)["loss"])


def test_exported_model_is_a_bert_unilm_that_encodes_and_generates(tmp_path):
    options = tiny_options(tmp_path, init=E5, init_layers=1, steps=3, export_dtype="float16")
    train(options)
    trainer, tokenizer, start = build(options)  # resumes from the saved state
    assert start == 3 and trainer.model.config.num_layers == 1
    pipeline = load_model(options.export_dir)
    assert pipeline.model.config.family == "bert-unilm" and pipeline.can_generate
    assert pipeline.model.config.pooling == "mean" and pipeline.tokenizer.prompts.by_name == {}
    expected = ModelEncoder(trainer.model, tokenizer)(TEXTS)
    np.testing.assert_allclose(pipeline.encode(TEXTS), expected, atol=2e-3)  # float16 storage
    assert len(pipeline.generate(TEXTS[0], n=2, top_p=0.95, max_length=8, seed=1)) == 2


def test_a_wordpiece_embedding_model_exports_with_its_vocab(tmp_path):
    options = tiny_options(tmp_path, init=FIXTURES / "families" / "text2vec", steps=1)
    train(options)
    pipeline = load_model(options.export_dir)
    assert pipeline.model.config.family == "bert-unilm" and (options.export_dir / "vocab.txt").exists()
    assert pipeline.encode(TEXTS).shape[0] == len(TEXTS)
