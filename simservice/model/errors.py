"""Errors raised while reading a checkpoint directory."""


class CheckpointError(ValueError):
    """A checkpoint cannot be loaded: names the file, the variable and the shapes involved."""
