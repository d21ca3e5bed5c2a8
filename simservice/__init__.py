"""simservice: Chinese sentence similarity and paraphrases on RoFormer-Sim and SimBERT."""

__version__ = "0.1.0"

__all__ = ["load_model", "__version__"]


def __getattr__(name):
    # Imported on first use, so `import simservice` (and the CLI's --help) does not load TensorFlow.
    if name == "load_model":
        from simservice.backend import import_tensorflow

        import_tensorflow()
        from simservice.loading import load_model

        return load_model
    raise AttributeError(f"module 'simservice' has no attribute {name!r}")
