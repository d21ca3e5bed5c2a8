"""Data augmentation: paraphrase every row of a dataset (SimBERT's most common use), keeping
its other columns, with quality filters, batching, a progress bar and resume."""
