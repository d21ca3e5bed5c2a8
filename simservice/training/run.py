"""A whole training run: model and data set up, resume from the work directory, loop, checkpoints, export."""

from __future__ import annotations

import json
import logging
import shutil
import signal
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from simservice.model.checkpoint_writer import save_tf1, write_vocab
from simservice.model.config import ModelConfig
from simservice.model.hf_writer import save_hf
from simservice.model.piece_tokenizer import PieceTokenizer
from simservice.model.tokenizer import Tokenizer
from simservice.training.data import read_labelled_groups, read_positive_pairs, read_sentences, read_triplets
from simservice.training.encode import ModelEncoder
from simservice.training.model_setup import model_from_checkpoint, new_model
from simservice.training.options import TrainOptions
from simservice.training.state import has_state, load_state, save_state
from simservice.training.tasks import (CosentTask, DenoiseTask, DistilTask, MlmTask, SimBertTask, SimCseTask,
                                      TripletTask)
from simservice.training.teacher import sample_sentences, teacher_vectors
from simservice.training.trainer import Trainer, make_optimizer
from simservice.training.vocab import build_char_vocab

log = logging.getLogger(__name__)
MODEL_FILE = "model.json"
VOCAB_FILE = "vocab.txt"
TOKENIZER_FILE = "tokenizer.json"


def _all_texts(o: TrainOptions) -> list[str]:
    texts = []
    for group in read_labelled_groups([*o.positives, *o.labelled, *o.triplets]):
        texts += group.first + group.second
    return texts + read_sentences(o.sentences)


def setup_model(o: TrainOptions):
    """The model and tokenizer: rebuilt from the work directory when resuming, else from --init or scratch."""
    work = Path(o.work_dir)
    work.mkdir(parents=True, exist_ok=True)
    loss_scaling = o.precision == "mixed_float16"
    if has_state(work):
        config = ModelConfig(**json.loads((work / MODEL_FILE).read_text())["config"])
        if (work / TOKENIZER_FILE).exists():
            tokenizer = PieceTokenizer(work / TOKENIZER_FILE, max_length=o.max_length)
        else:
            tokenizer = Tokenizer.from_file(work / VOCAB_FILE, max_length=o.max_length)
        model = new_model(config, o.seed, o.precision, o.recompute)
        return model, tokenizer, loss_scaling
    if o.init:
        model, tokenizer = model_from_checkpoint(o.init, o.max_length, o.precision, o.recompute, o.dropout, o.seed,
                                                 o.init_layers)
    else:
        tokenizer = Tokenizer(build_char_vocab(_all_texts(o), o.vocab_min_count), max_length=o.max_length)
        config = ModelConfig(vocab_size=tokenizer.vocab_size, hidden_size=o.hidden, num_layers=o.layers,
                             num_heads=o.heads, intermediate_size=o.intermediate, dropout=o.dropout)
        model = new_model(config, o.seed, o.precision, o.recompute)
    if isinstance(tokenizer, PieceTokenizer):
        tokenizer.save(work / TOKENIZER_FILE)
    else:
        write_vocab(tokenizer, work / VOCAB_FILE)
    (work / MODEL_FILE).write_text(json.dumps({"config": model.config.to_dict(), "init": str(o.init or "")}))
    return model, tokenizer, loss_scaling


def setup_tasks(o: TrainOptions, tokenizer: Tokenizer) -> list:
    def ids(texts):
        return tokenizer.encode_batch(texts, o.max_length)

    tasks = []
    if "simbert" in o.objectives:
        pairs = read_positive_pairs(o.positives)
        a, b = ids([p[0] for p in pairs]), ids([p[1] for p in pairs])
        tasks.append(SimBertTask(list(zip(a, b)), o.batch_size, o.seed, scale=o.scale, compact_logits=not o.xla))
        log.info("simbert: %d positive pairs", len(pairs))
    if "cosent" in o.objectives:
        groups = []
        for g in read_labelled_groups(o.labelled):
            if len(np.unique(g.labels)) < 2:
                log.info("cosent: group %s left out (%d pairs, one label: nothing to rank)", g.name, len(g.labels))
                continue
            groups.append((ids(g.first), ids(g.second), g.labels))
        tasks.append(CosentTask(groups, o.cosent_batch_size, o.seed, scale=o.cosent_scale))
        log.info("cosent: %d labelled pairs in %d groups", sum(len(g[2]) for g in groups), len(groups))
    if "triplet" in o.objectives:
        triplets = read_triplets(o.triplets)
        columns = [ids([t[i] for t in triplets]) for i in range(3)]
        tasks.append(TripletTask(list(zip(*columns)), o.triplet_batch_size, o.seed, scale=o.scale))
        log.info("triplet: %d (anchor, positive, negative) triplets", len(triplets))
    sentences = ids(read_sentences(o.sentences)) if {"mlm", "simcse", "denoise"} & set(o.objectives) else []
    if {"mlm", "denoise"} & set(o.objectives) and tokenizer.mask_id is None:
        raise ValueError("mlm and denoise need a mask token, and this tokenizer has none")
    if "mlm" in o.objectives:
        special = [tokenizer.pad_id, tokenizer.unk_id, tokenizer.cls_id, tokenizer.sep_id, tokenizer.mask_id]
        tasks.append(MlmTask(sentences, o.mlm_batch_size, o.seed, mask_id=tokenizer.mask_id, special_ids=special))
    if "simcse" in o.objectives:
        tasks.append(SimCseTask(sentences, o.simcse_batch_size, o.seed, scale=o.scale))
        log.info("simcse: %d sentences", len(sentences))
    if "denoise" in o.objectives:
        tasks.append(DenoiseTask(sentences, o.denoise_batch_size, o.seed, mask_id=tokenizer.mask_id,
                                 compact_logits=not o.xla))
        log.info("denoise: %d sentences", len(sentences))
    if "distil" in o.objectives:
        if o.sentences:
            texts = read_sentences(o.sentences)
        else:
            texts = [t for g in read_labelled_groups([*o.positives, *o.labelled]) for t in g.first + g.second]
        texts = sample_sentences(texts, o.distil_limit, o.seed)
        targets = teacher_vectors(o.work_dir, o.distil_teacher or o.init, texts, o.max_length)
        tasks.append(DistilTask(ids(texts), targets, o.distil_batch_size, o.seed, weight=o.distil_weight))
        log.info("distil: %d sentences, teacher %s", len(texts), o.distil_teacher or o.init)
    return tasks


def build(o: TrainOptions):
    """(trainer, tokenizer, start step): everything set up, the saved state restored if there is one."""
    model, tokenizer, loss_scaling = setup_model(o)
    tasks = setup_tasks(o, tokenizer)
    optimizer = make_optimizer(o.lr, o.warmup, o.steps, o.weight_decay, loss_scaling=loss_scaling)
    trainer = Trainer(model, tasks, optimizer, jit_compile=o.xla)
    start = 0
    if has_state(o.work_dir):
        start = load_state(o.work_dir, model, optimizer)["step"]
        log.info("resuming %s at step %d", o.work_dir, start)
    return trainer, tokenizer, start


class _Evaluator:
    """Spearman on the first `eval_limit` pairs of each --eval file; computed only when asked to."""

    def __init__(self, o: TrainOptions, trainer: Trainer, tokenizer: Tokenizer):
        from simservice.evaluation.pairs_file import LabelledPairs, read_labelled_pairs

        self.sets = []
        for path in o.eval_files:
            pairs = read_labelled_pairs(path)
            n = min(o.eval_limit, len(pairs))
            pairs = LabelledPairs(pairs.first[:n], pairs.second[:n], pairs.labels[:n])
            self.sets.append((Path(path).stem, pairs))
        self.encode = ModelEncoder(trainer.model, tokenizer)

    def __call__(self) -> dict[str, float]:
        from simservice.evaluation.report import evaluate_pairs

        return {name: evaluate_pairs(name, pairs, self.encode).spearman for name, pairs in self.sets}


BEST_DIR, BEST_FILE = "best", "best.json"


def keep_if_best(work_dir: Path, export_dir: Path, step: int, scores: dict[str, float]) -> bool:
    """Copy the export to WORK_DIR/best when the mean of its scores beats every earlier checkpoint's
    (WORK_DIR/best.json remembers that one across resumes, so a peak before the end is kept)."""
    work_dir = Path(work_dir)
    mean = float(np.mean(list(scores.values())))
    record = work_dir / BEST_FILE
    if record.exists() and json.loads(record.read_text())["mean"] >= mean:
        return False
    staging = work_dir / (BEST_DIR + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(export_dir, staging)
    shutil.rmtree(work_dir / BEST_DIR, ignore_errors=True)
    staging.rename(work_dir / BEST_DIR)
    record.write_text(json.dumps({"step": step, "mean": mean, "scores": scores}))
    return True


def export(model, tokenizer: Tokenizer, o: TrainOptions) -> Path:
    """The official TF1 format for SimBERT-style models (linear pooler); the Hugging Face layout for the
    others (CLS or mean pooling, as embedding models give it)."""
    if model.pooler is None:
        return save_hf(model, tokenizer, o.export_dir, o.export_dtype)
    return save_tf1(model, tokenizer, o.export_dir)


def train(o: TrainOptions) -> Path:
    """Train to `o.steps` (resuming if the work directory holds a state) and export the checkpoint."""
    trainer, tokenizer, start = build(o)
    evaluator = _Evaluator(o, trainer, tokenizer)

    def checkpoint(step: int) -> None:
        save_state(o.work_dir, trainer.model, trainer.optimizer, step)
        export(trainer.model, tokenizer, o)
        scores = evaluator() if evaluator.sets else {}
        best = bool(scores) and keep_if_best(o.work_dir, o.export_dir, step, scores)
        shown = "  ".join(f"{name} spearman={value:.4f}" for name, value in scores.items())
        tqdm.write(f"checkpoint step {step}: {o.work_dir}, exported {o.export_dir} {shown}"
                   + (f" (best so far: copied to {Path(o.work_dir) / BEST_DIR})" if best else ""))

    stop = []  # a signal asks to stop; the loop saves at a step boundary, so the state is never half a step
    handlers = {sig: signal.signal(sig, lambda *_: stop.append(True)) for sig in (signal.SIGINT, signal.SIGTERM)}
    step, last_save, running = start, time.monotonic(), {}
    bar = tqdm(total=o.steps, initial=start, desc="train", mininterval=5.0, dynamic_ncols=True)
    try:
        while step < o.steps and not stop:
            metrics = trainer.step(step)
            step += 1
            running = {k: 0.98 * running.get(k, v) + 0.02 * v for k, v in metrics.items()}
            bar.update(1)
            bar.set_postfix({k: f"{v:.3f}" for k, v in running.items()}, refresh=False)
            if time.monotonic() - last_save >= o.checkpoint_minutes * 60 and step < o.steps:
                checkpoint(step)
                last_save = time.monotonic()
    finally:
        bar.close()
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    if stop:
        save_state(o.work_dir, trainer.model, trainer.optimizer, step)
        raise KeyboardInterrupt(f"stopped at step {step}; run the same command again to resume")
    checkpoint(step)
    return o.export_dir
