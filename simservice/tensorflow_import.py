"""TensorFlow imported once, quietly and with a helpful error: its C++ start-up lines reach
stderr before any log setting applies, and without the `cpu` / `gpu` extra it is missing."""

from __future__ import annotations

import os
import sys
import tempfile

MISSING = ("simservice needs TensorFlow, which comes with an extra: pip install 'simservice[cpu]' "
           "(or 'simservice[gpu]' for the CUDA build; scripts/install does this)")


def import_tensorflow() -> None:
    """Import TensorFlow and Keras with file descriptor 2 captured; replay it if the import fails."""
    if "keras" in sys.modules:
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with tempfile.TemporaryFile() as captured:
        sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(captured.fileno(), 2)
        try:
            import keras  # noqa: F401  (imports TensorFlow, its backend)
            import tensorflow  # noqa: F401
        except BaseException as exc:
            os.dup2(saved, 2)
            captured.seek(0)
            sys.stderr.write(captured.read().decode(errors="replace"))
            if isinstance(exc, ModuleNotFoundError) and exc.name == "tensorflow":
                raise ModuleNotFoundError(MISSING, name="tensorflow") from None
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)
