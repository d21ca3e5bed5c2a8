"""simservice: Chinese sentence similarity and paraphrases on RoFormer-Sim and SimBERT."""

__version__ = "0.1.0"

__all__ = ["load_model", "__version__"]


def __getattr__(name):
    # Imported on first use, so `import simservice` (and the CLI's --help) does not load TensorFlow.
    if name == "load_model":
        from simservice.tensorflow_import import import_tensorflow

        import_tensorflow()
        from simservice.inference.load_pipeline import load_model

        return load_model
    raise AttributeError(f"module 'simservice' has no attribute {name!r}")
