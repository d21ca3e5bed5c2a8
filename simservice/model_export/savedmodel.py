"""Write a `SimModel` as a TensorFlow SavedModel with two signatures, through Keras' `ExportArchive`.

`serving_default` gives the sentence vectors (what TF Serving and Triton's TensorFlow backend
call when no signature is named); `next_token` gives the UniLM next-token logits.
"""

from __future__ import annotations

from pathlib import Path

import keras

from simservice.model.sim_model import SimModel
from simservice.model_export.signatures import encoder_fn, input_signature, next_token_fn

ENCODER_SIGNATURE = "serving_default"
NEXT_TOKEN_SIGNATURE = "next_token"


def write_savedmodel(model: SimModel, directory: str | Path) -> dict[str, str]:
    """Write the SavedModel into `directory` (created); returns the signature of each function
    (next_token only for a model that generates)."""
    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint(ENCODER_SIGNATURE, encoder_fn(model), input_signature=input_signature())
    signatures = {"encoder": ENCODER_SIGNATURE}
    if model.can_generate:
        archive.add_endpoint(NEXT_TOKEN_SIGNATURE, next_token_fn(model), input_signature=input_signature())
        signatures["next_token"] = NEXT_TOKEN_SIGNATURE
    archive.write_out(str(directory), verbose=False)
    return signatures
