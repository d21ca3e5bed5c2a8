"""Export a checkpoint for serving stacks other than simservice: a SavedModel (TF Serving, Triton)
or ONNX files (ONNX Runtime, Triton), each with vocab.txt and model.json beside it."""

FORMATS = ("savedmodel", "onnx")
