"""Export a checkpoint for serving stacks other than simservice: a SavedModel (TF Serving, Triton)
or ONNX files (ONNX Runtime, Triton), each with vocab.txt and model.json beside it; or the same
checkpoint again in the Hugging Face layout with its weights stored in another dtype (`hf`)."""

FORMATS = ("savedmodel", "onnx", "hf")
HF_DTYPES = ("float32", "float16", "int8")
