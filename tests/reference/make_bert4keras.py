"""Build the tiny reference checkpoints and bert4keras golden outputs.

Run inside .venv-ref with TF_KERAS=1 TF_USE_LEGACY_KERAS=1 (see README.md). Writes:
  tests/fixtures/vocab.txt
  tests/fixtures/roformer_tf1/, tests/fixtures/bert_tf1/   (TF1 checkpoints, Google-BERT names)
  tests/fixtures/golden/{tokenizer,roformer,bert}.json
  tests/reference/.roformer_weights.npz                   (checkpoint dump read by make_hf.py)
Everything is deterministic: fixed numpy seeds, no dependence on TF's RNG.
"""

import collections
import json
import os
import shutil
import sys
import unicodedata
from pathlib import Path

if os.environ.get("TF_KERAS") != "1" or os.environ.get("TF_USE_LEGACY_KERAS") != "1":
    sys.exit("run with TF_KERAS=1 TF_USE_LEGACY_KERAS=1 (bert4keras on tf_keras)")

import numpy as np
import tensorflow as tf

import bert4keras.models as b4k_models
from bert4keras.backend import keras
from bert4keras.models import build_transformer_model
from bert4keras.snippets import AutoRegressiveDecoder, sequence_padding
from bert4keras.tokenizers import Tokenizer

from golden_json import dev_questions_by_length, write_json  # noqa: E402  (next to this script)

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
GOLDEN = FIXTURES / "golden"
SHARED = Path(os.environ.get("SIMSERVICE_SHARED", REPO.parent / "shared"))  # ../shared beside the repository
SENTENCES = SHARED / "data" / "train" / "sentences.txt"
LCQMC_DEV = SHARED / "data" / "dev" / "lcqmc_dev.tsv"
NPZ_DUMP = REPO / "tests" / "reference" / ".roformer_weights.npz"

MAXLEN = 64
N_FREQUENT_CHARS = 800
WEIGHT_SEED = {"roformer": 20240601, "bert": 20240602}

# ---------------------------------------------------------------- vocab

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
DIGITS = list("0123456789")
DIGIT_PIECES = ["##" + d for d in DIGITS]
LETTERS = list("abcdefghijklmnopqrstuvwxyz")
ENGLISH = [
    "the", "hello", "world", "how", "are", "you", "what", "is", "mp3",
    "##s", "##ing", "##llo", "wor", "##ld", "py", "##thon", "##er", "##ed",
]
ASCII_PUNCT = [chr(c) for c in range(33, 127) if not chr(c).isalnum()]
FULLWIDTH_PUNCT = list("，。？！：；（）“”、《》…—·")


def _is_plain_char(ch):
    """A character worth a vocab entry: printable, not space, unchanged by lower+NFD."""
    if ch.isspace() or unicodedata.category(ch)[0] in "CZ":
        return False
    norm = unicodedata.normalize("NFD", ch.lower())
    return norm == ch


def build_vocab():
    counts = collections.Counter()
    with open(SENTENCES, encoding="utf-8") as f:
        for line in f:
            counts.update(ch for ch in line.strip() if _is_plain_char(ch))
    # most frequent first, ties broken by code point: deterministic
    frequent = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    frequent = [ch for ch, _ in frequent[:N_FREQUENT_CHARS]]
    tokens = []
    for tok in (SPECIALS + frequent + DIGITS + DIGIT_PIECES + LETTERS + ENGLISH
                + ASCII_PUNCT + FULLWIDTH_PUNCT):
        if tok not in tokens:
            tokens.append(tok)
    FIXTURES.mkdir(parents=True, exist_ok=True)
    (FIXTURES / "vocab.txt").write_text("\n".join(tokens) + "\n", encoding="utf-8")
    return tokens


# ---------------------------------------------------------------- models

def model_configs(vocab_size):
    common = {
        "attention_probs_dropout_prob": 0.1,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": 64,
        "initializer_range": 0.02,
        "intermediate_size": 128,
        "max_position_embeddings": MAXLEN,
        "num_attention_heads": 4,
        "num_hidden_layers": 2,
        "type_vocab_size": 2,
        "vocab_size": vocab_size,
    }
    bert = dict(common, embedding_size=32)
    return {"roformer": dict(common), "bert": bert}


def randomise(model, seed):
    """Overwrite every variable so that none stays at its zeros/ones initialiser."""
    rng = np.random.RandomState(seed)
    names = []
    for w in model.weights:
        shape = tuple(w.shape)
        leaf = w.name.split("/")[-1].split(":")[0]
        if leaf == "gamma":
            value = 1.0 + rng.normal(0.0, 0.05, shape)
        elif leaf in ("beta", "bias"):
            value = rng.normal(0.0, 0.02, shape)
        else:
            value = rng.normal(0.0, 0.05, shape)
        w.assign(value.astype(np.float32))
        names.append((w.name, shape))
    return names


def save_checkpoint(transformer, out_dir):
    """bert4keras's own save_weights_as_checkpoint, run with the TF1 API it expects.

    bert4keras 0.11.5 writes the checkpoint in a fresh TF1 graph with tf.Session and
    tf.train.Saver, which TF2 only has under tf.compat.v1; and its K.batch_get_value on the
    (eager) model weights would run inside that graph. So for the duration of the call the
    module's `tf` is tf.compat.v1 and its `K.batch_get_value` returns the values read
    eagerly beforehand. Names, order and transposes are bert4keras's own.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    values = {id(w): w.numpy() for w in transformer.model.weights}

    class _Backend:
        def __getattr__(self, name):
            return getattr(saved_k, name)

        @staticmethod
        def batch_get_value(ws):
            return [values[id(w)] for w in ws]

    saved_tf, saved_k = b4k_models.tf, b4k_models.K
    b4k_models.tf, b4k_models.K = tf.compat.v1, _Backend()
    try:
        transformer.save_weights_as_checkpoint(str(out_dir / "bert_model.ckpt"))
    finally:
        b4k_models.tf, b4k_models.K = saved_tf, saved_k
    # Keep only what a loader reads (index + data, as tf.train.load_variable does). The
    # .meta graph (~170 kB, not byte-reproducible between runs) and the Saver's
    # `checkpoint` bookkeeping file (absolute paths) are dropped.
    (out_dir / "bert_model.ckpt.meta").unlink()
    (out_dir / "checkpoint").unlink()


def verify_checkpoint(transformer, out_dir):
    """Every Keras weight must round-trip bit-exactly through the checkpoint."""
    ckpt = str(out_dir / "bert_model.ckpt")
    listed = tf.train.list_variables(ckpt)
    mapping = transformer.variable_mapping()
    n = 0
    for layer_name, ckpt_names in mapping.items():
        if layer_name not in transformer.layers:
            continue
        layer = transformer.layers[layer_name]
        for w, name in zip(layer.trainable_weights, ckpt_names):
            stored = tf.train.load_variable(ckpt, name)
            if name == "cls/seq_relationship/output_weights":
                stored = stored.T
            np.testing.assert_array_equal(stored, w.numpy(), err_msg=name)
            n += 1
    assert n == len(listed), (n, len(listed))
    n_keras = sum(int(np.prod(w.shape)) for w in transformer.model.weights)
    n_ckpt = sum(int(np.prod(s)) for _, s in listed)
    assert n_keras == n_ckpt, (n_keras, n_ckpt)
    return listed


# ---------------------------------------------------------------- golden helpers

def f32list(a):
    return [float(x) for x in np.asarray(a, dtype=np.float32).ravel()]


def softmax32(logits):
    z = np.asarray(logits, dtype=np.float32)
    z = z - z.max()
    e = np.exp(z)
    return e / e.sum(dtype=np.float32)


def pick_texts():
    by_len = dev_questions_by_length(LCQMC_DEV)
    texts = [by_len[n][0] for n in (5, 8, 12, 16, 20, 25, 30)]
    texts.append("红米1s密码忘了！如何格式化？Hello World 2024")
    # longer than 64 tokens: several dev questions joined, truncated by encode(maxlen=64)
    texts.append("，".join(by_len[n][1] for n in (20, 22, 24, 26)))
    texts.append("？")
    return texts


def tokenizer_cases(tokenizer, texts, vocab):
    not_in_vocab = "龘齉饕餮"
    for ch in not_in_vocab:
        assert ch not in vocab, ch
    raw = [
        (texts[0], None),
        ("广州和深圳哪个好？", None),
        ("hello world", None),
        ("worlds python testing", None),
        ("unbelievable things", None),
        ("HELLO World PyThon", None),
        ("圆周率是3.14，今年是2024年。", None),
        ("1234567890", None),
        ("全角标点，。？！：；（）“”《》", None),
        ("ＡＢＣ１２３ａｂｃ", None),
        ("café naïve résumé", None),
        ("我爱饕餮龘齉", None),
        ("hi😀你好😀", None),
        ("a\tb\nc   d\r\n  e", None),
        ("零\u200b宽\u200d字符\ufeff", None),
        ("控制\x00字\x07符\ufffd号\x1b", None),
        ("私用\ue000区", None),
        ("안녕하세요 한국어", None),
        ("こんにちはカタカナ", None),
        ("Hello, world! (test) [x] {y} <z> @#$%^&*_+=|\\/~`'\"", None),
        ("…—·、", None),
        ("   ", None),
        ("", None),
        ("今天天气怎么样？我们去公园散步吧，好不好呀", 16),
        (texts[-2], 64),
        (texts[-2], 16),
        ("hello world python hello world python", 8),
        ("短句", 16),
        ("What is the mp3 player？", None),
        ("x" * 201 + " ok", None),
    ]
    cases = []
    for text, maxlen in raw:
        token_ids, segment_ids = tokenizer.encode(text, maxlen=maxlen)
        tokens = tokenizer.tokenize(text, maxlen=maxlen)
        assert tokenizer.tokens_to_ids(tokens) == token_ids
        cases.append({
            "text": text,
            "maxlen": maxlen,
            "token_ids": [int(i) for i in token_ids],
            "segment_ids": [int(i) for i in segment_ids],
            "tokens": tokens,
            "decoded": tokenizer.decode(token_ids),
        })
    return cases


class SynonymsGenerator(AutoRegressiveDecoder):
    """roformer-sim's generator: each step re-runs the whole [source + output] sequence.

    The reference model has with_mlm=True (softmax inside); ours is built with
    with_mlm='linear', so the decoder receives logits (default_rtype='logits').
    """

    def __init__(self, seq2seq, **kwargs):
        super().__init__(**kwargs)
        self.seq2seq = seq2seq

    @AutoRegressiveDecoder.wraps(default_rtype="logits")
    def predict(self, inputs, output_ids, states):
        token_ids, segment_ids = inputs
        token_ids = np.concatenate([token_ids, output_ids], 1)
        segment_ids = np.concatenate([segment_ids, np.ones_like(output_ids)], 1)
        return self.last_token(self.seq2seq).predict([token_ids, segment_ids], verbose=0)


def golden_for(kind, model, tokenizer, texts):
    encoder = keras.models.Model(model.inputs, model.outputs[0])
    seq2seq = keras.models.Model(model.inputs, model.outputs[1])

    encode = []
    batch_ids, batch_segs = [], []
    for text in texts:
        ids, segs = tokenizer.encode(text, maxlen=MAXLEN)
        vec = encoder.predict([np.array([ids]), np.array([segs])], verbose=0)[0]
        encode.append({"text": text, "token_ids": [int(i) for i in ids], "vector": f32list(vec)})
        batch_ids.append(ids)
        batch_segs.append(segs)
    vecs = encoder.predict([sequence_padding(batch_ids), sequence_padding(batch_segs)], verbose=0)
    encode_batch = {"texts": texts, "vectors": [f32list(v) for v in vecs]}

    mlm = []
    for src, tgt, n_tgt in [(0, 1, 1), (2, 3, 4), (7, 4, 6), (3, 6, 0)]:
        ids, segs = tokenizer.encode(texts[src], maxlen=MAXLEN)
        tgt_ids = tokenizer.encode(texts[tgt])[0][1:1 + n_tgt]
        ids = ids + tgt_ids
        segs = segs + [1] * len(tgt_ids)
        logits = seq2seq.predict([np.array([ids]), np.array([segs])], verbose=0)[0, -1]
        mlm.append({"token_ids": [int(i) for i in ids], "segment_ids": [int(s) for s in segs],
                    "probs_last": f32list(softmax32(logits))})

    generator = SynonymsGenerator(seq2seq, start_id=None, end_id=tokenizer._token_end_id, maxlen=16)
    greedy = []
    for idx in (0, 2, 5, 7):
        text = texts[idx]
        ids, segs = tokenizer.encode(text, maxlen=MAXLEN)
        out = generator.random_sample([ids, segs], n=1, topk=1)[0]
        out = [int(i) for i in out]
        if tokenizer._token_pad_id in out:
            print(f"WARNING {kind} greedy output for {text!r} contains [PAD]: {out}")
        greedy.append({"text": text, "maxlen": 16, "output_ids": out, "decoded": tokenizer.decode(out)})
        # how far each greedy choice is from a tie (top-1 minus top-2 logit)
        margins = []
        for t in range(len(out)):
            step_ids = np.array([ids + out[:t]])
            step_segs = np.array([segs + [1] * t])
            logits = seq2seq.predict([step_ids, step_segs], verbose=0)[0, -1]
            top2 = np.sort(logits)[-2:]
            assert int(np.argmax(logits)) == out[t]
            margins.append(float(top2[1] - top2[0]))
        print(f"{kind} greedy {text!r}: min top1-top2 logit margin {min(margins):.2e}")
        # topk=1 sampling is greedy: beam_search with beam 1 must agree
        beam = [int(i) for i in generator.beam_search([ids, segs], topk=1)]
        assert beam == out, (beam, out)

    return {
        "checkpoint": f"{kind}_tf1",
        "maxlen": MAXLEN,
        "encode": encode,
        "encode_batch": encode_batch,
        "mlm": mlm,
        "greedy": greedy,
    }


# ---------------------------------------------------------------- main

def main():
    tokens = build_vocab()
    vocab_path = FIXTURES / "vocab.txt"
    tokenizer = Tokenizer(str(vocab_path), do_lower_case=True)
    assert tokenizer._vocab_size == len(tokens)
    print(f"vocab: {len(tokens)} tokens")

    texts = pick_texts()
    write_json(GOLDEN / "tokenizer.json", {"cases": tokenizer_cases(tokenizer, texts, set(tokens))})

    configs = model_configs(len(tokens))
    for kind in ("roformer", "bert"):
        out_dir = FIXTURES / f"{kind}_tf1"
        out_dir.mkdir(parents=True, exist_ok=True)
        config_path = out_dir / "bert_config.json"
        config_path.write_text(json.dumps(configs[kind], indent=2, sort_keys=True) + "\n")
        shutil.copyfile(vocab_path, out_dir / "vocab.txt")

        keras.backend.clear_session()
        transformer = build_transformer_model(
            str(config_path), checkpoint_path=None, model=kind, application="unilm",
            with_pool="linear", with_mlm="linear", return_keras_model=False,
        )
        model = transformer.model
        randomise(model, WEIGHT_SEED[kind])
        save_checkpoint(transformer, out_dir)
        listed = verify_checkpoint(transformer, out_dir)
        print(f"{kind}: {len(listed)} checkpoint variables")
        for name, shape in listed:
            print(f"  {name} {shape}")

        # reload through bert4keras's own loader: same numbers as the in-memory model
        keras.backend.clear_session()
        model = build_transformer_model(
            str(config_path), str(out_dir / "bert_model.ckpt"), model=kind,
            application="unilm", with_pool="linear", with_mlm="linear",
        )
        write_json(GOLDEN / f"{kind}.json", golden_for(kind, model, tokenizer, texts))

        if kind == "roformer":
            ckpt = str(out_dir / "bert_model.ckpt")
            np.savez(NPZ_DUMP, **{name: tf.train.load_variable(ckpt, name) for name, _ in listed})
    print("done")


if __name__ == "__main__":
    main()
