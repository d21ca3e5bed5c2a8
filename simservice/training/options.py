"""Everything a training run is configured by; the `train` command fills it from its flags."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from simservice.precision import DtypePolicy

EXPORT_DTYPES = ("float32", "float16", "int8")
OBJECTIVES = ("simbert", "cosent", "triplet", "mlm", "simcse", "denoise", "distil")


@dataclasses.dataclass
class TrainOptions:
    work_dir: Path
    output: Path | None = None  # final checkpoint (official format; HF for CLS / mean pooling); default work_dir/export
    export_dtype: str = "float32"  # weights of an HF export: float32, float16 or int8 (matrices; see int8_storage)
    init: Path | None = None  # fine-tune this checkpoint instead of starting from scratch
    init_layers: int | None = None  # keep this many of --init's layers, evenly spaced, ending at the last
    objectives: tuple[str, ...] = ("simbert",)
    positives: tuple[Path, ...] = ()  # labelled files; label 1 (or STS score >= 4) pairs feed `simbert`
    labelled: tuple[Path, ...] = ()  # labelled files for `cosent`, one batch group per file
    triplets: tuple[Path, ...] = ()  # labelled files whose questions have a positive and a negative, for `triplet`
    sentences: tuple[Path, ...] = ()  # plain text for `mlm`, `simcse`, `denoise` and `distil`
    # distillation: the student's vectors of sampled training sentences kept near the teacher's
    distil_teacher: Path | None = None  # default --init (the whole model the student was cut from)
    distil_weight: float = 1.0
    distil_batch_size: int = 64
    distil_limit: int = 20000  # sentences sampled (from --sentences, else the pair files) and encoded once
    # model from scratch
    vocab_min_count: int = 2
    layers: int = 4
    hidden: int = 256
    heads: int = 4
    intermediate: int = 1024
    dropout: float = 0.1
    # data
    max_length: int = 32  # tokens per sentence, [CLS] and [SEP] included
    batch_size: int = 64  # pairs per simbert batch (2x rows)
    cosent_batch_size: int = 64
    triplet_batch_size: int = 64  # triplets per batch (3x rows)
    mlm_batch_size: int = 64
    simcse_batch_size: int = 64  # sentences per simcse batch (2x rows)
    denoise_batch_size: int = 64
    # optimisation
    steps: int = 1000
    lr: float = 5e-4
    warmup: int = 100
    weight_decay: float = 0.01
    scale: float = 20.0  # cosine scale of the contrastive softmax
    cosent_scale: float = 20.0
    seed: int = 0
    # machine
    precision: DtypePolicy = "float32"
    xla: bool = False
    recompute: bool = False
    checkpoint_minutes: float = 5.0
    eval_files: tuple[Path, ...] = ()  # scored at every checkpoint
    eval_limit: int = 2000  # pairs per eval file at checkpoints

    def __post_init__(self) -> None:
        unknown = set(self.objectives) - set(OBJECTIVES)
        if unknown or not self.objectives:
            raise ValueError(f"objectives must be among {OBJECTIVES}, got {self.objectives}")
        needs = {"simbert": self.positives, "cosent": self.labelled, "triplet": self.triplets, "mlm": self.sentences,
                 "simcse": self.sentences, "denoise": self.sentences,
                 "distil": self.sentences or self.positives or self.labelled}
        for objective in self.objectives:
            if not needs[objective]:
                raise ValueError(f"objective {objective!r} needs its data files (see --help)")
        if "distil" in self.objectives and not (self.distil_teacher or self.init):
            raise ValueError("objective 'distil' needs a teacher: --distil-teacher or --init")
        if self.export_dtype not in EXPORT_DTYPES:
            raise ValueError(f"export_dtype must be one of {EXPORT_DTYPES}, got {self.export_dtype!r}")
        if self.steps < 1:
            raise ValueError(f"steps must be >= 1, got {self.steps}")

    @property
    def export_dir(self) -> Path:
        return Path(self.output) if self.output else Path(self.work_dir) / "export"
