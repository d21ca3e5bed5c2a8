"""The inference layer: texts to unit vectors (encoder) and UniLM generation (decoders, sampler)."""
