"""`simservice convert`: other packages' model files rewritten as Hugging Face checkpoint directories."""
