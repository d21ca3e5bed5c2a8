"""Write the Hugging Face port of the tiny RoFormer and its torch golden outputs.

Run inside .venv-ref AFTER make_bert4keras.py (it reads the checkpoint dump
tests/reference/.roformer_weights.npz that script writes; no TensorFlow here). Writes:
  tests/fixtures/roformer_hf/      config.json, model.safetensors (+ roformer.pooler.*), vocab.txt
  tests/fixtures/roformer_hf_bin/  config.json, pytorch_model.bin (torch.save of the state dict), vocab.txt
  tests/fixtures/golden/roformer_hf.json
and checks the torch numbers against tests/fixtures/golden/roformer.json (bert4keras).

The name mapping below is written from the Google-BERT checkpoint layout and the
transformers RoFormer module tree, not from bert4keras's mapping table.
"""

import json
import shutil
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from transformers import RoFormerConfig, RoFormerForMaskedLM

from golden_json import dump_json  # noqa: E402  (next to this script)

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
GOLDEN = FIXTURES / "golden"
NPZ_DUMP = REPO / "tests" / "reference" / ".roformer_weights.npz"
HF_DIR = FIXTURES / "roformer_hf"
BIN_DIR = FIXTURES / "roformer_hf_bin"
SEP_ID = 3

torch.manual_seed(0)
torch.set_num_threads(1)


def tf_to_hf_names(n_layers):
    """(checkpoint name, HF name, transpose?) for every checkpoint variable.

    Dense kernels are stored [in, out] in TF and as nn.Linear weights [out, in] in torch;
    LayerNorm gamma/beta become weight/bias; embeddings keep their [rows, dim] layout.
    """
    table = [
        ("bert/embeddings/word_embeddings", "roformer.embeddings.word_embeddings.weight", False),
        ("bert/embeddings/token_type_embeddings", "roformer.embeddings.token_type_embeddings.weight", False),
        ("bert/embeddings/LayerNorm/gamma", "roformer.embeddings.LayerNorm.weight", False),
        ("bert/embeddings/LayerNorm/beta", "roformer.embeddings.LayerNorm.bias", False),
        ("bert/pooler/dense/kernel", "roformer.pooler.dense.weight", True),
        ("bert/pooler/dense/bias", "roformer.pooler.dense.bias", False),
        ("cls/predictions/transform/dense/kernel", "cls.predictions.transform.dense.weight", True),
        ("cls/predictions/transform/dense/bias", "cls.predictions.transform.dense.bias", False),
        ("cls/predictions/transform/LayerNorm/gamma", "cls.predictions.transform.LayerNorm.weight", False),
        ("cls/predictions/transform/LayerNorm/beta", "cls.predictions.transform.LayerNorm.bias", False),
        ("cls/predictions/output_bias", "cls.predictions.bias", False),
    ]
    dense = {  # checkpoint sub-path -> HF sub-path, both Dense/Linear
        "attention/self/query": "attention.self.query",
        "attention/self/key": "attention.self.key",
        "attention/self/value": "attention.self.value",
        "attention/output/dense": "attention.output.dense",
        "intermediate/dense": "intermediate.dense",
        "output/dense": "output.dense",
    }
    norms = {
        "attention/output/LayerNorm": "attention.output.LayerNorm",
        "output/LayerNorm": "output.LayerNorm",
    }
    for i in range(n_layers):
        tf_p, hf_p = f"bert/encoder/layer_{i}/", f"roformer.encoder.layer.{i}."
        for tf_s, hf_s in dense.items():
            table.append((tf_p + tf_s + "/kernel", hf_p + hf_s + ".weight", True))
            table.append((tf_p + tf_s + "/bias", hf_p + hf_s + ".bias", False))
        for tf_s, hf_s in norms.items():
            table.append((tf_p + tf_s + "/gamma", hf_p + hf_s + ".weight", False))
            table.append((tf_p + tf_s + "/beta", hf_p + hf_s + ".bias", False))
    return table


def make_config(tf_config, layer_norm_eps=1e-12):
    return RoFormerConfig(
        vocab_size=tf_config["vocab_size"],
        embedding_size=tf_config["hidden_size"],
        hidden_size=tf_config["hidden_size"],
        num_hidden_layers=tf_config["num_hidden_layers"],
        num_attention_heads=tf_config["num_attention_heads"],
        intermediate_size=tf_config["intermediate_size"],
        hidden_act="gelu",
        max_position_embeddings=tf_config["max_position_embeddings"],
        type_vocab_size=tf_config["type_vocab_size"],
        layer_norm_eps=layer_norm_eps,
        rotary_value=False,
        hidden_dropout_prob=0.1,
        attention_probs_dropout_prob=0.1,
        pad_token_id=0,
    )


def build_state(n_layers):
    ckpt = dict(np.load(NPZ_DUMP))
    table = tf_to_hf_names(n_layers)
    assert sorted(t for t, _, _ in table) == sorted(ckpt), set(ckpt) ^ {t for t, _, _ in table}
    state = {}
    for tf_name, hf_name, transpose in table:
        value = ckpt[tf_name].T if transpose else ckpt[tf_name]
        state[hf_name] = torch.from_numpy(np.ascontiguousarray(value, dtype=np.float32))
    return state


def load_into(model, state):
    """Copy every mapped tensor, check shapes, and make sure nothing trainable is left out."""
    params = dict(model.state_dict())
    filled = set()
    with torch.no_grad():
        for name, value in state.items():
            if name.startswith("roformer.pooler."):
                continue  # transformers' RoFormer has no pooler module; kept on the side
            target = params[name]
            assert tuple(target.shape) == tuple(value.shape), (name, target.shape, value.shape)
            target.copy_(value)
            filled.add(name)
    derived = {
        "roformer.encoder.embed_positions.weight",  # fixed sinusoids, not in the checkpoint
        "cls.predictions.decoder.weight",  # tied to roformer.embeddings.word_embeddings.weight
        "cls.predictions.decoder.bias",  # tied to cls.predictions.bias
    }
    missing = set(params) - filled - derived
    assert not missing, missing
    assert torch.equal(model.cls.predictions.decoder.weight, model.roformer.embeddings.word_embeddings.weight)
    assert torch.equal(model.cls.predictions.decoder.bias, model.cls.predictions.bias)


def unilm_bias(token_ids, segment_ids):
    """Additive [B, 1, L, L] mask: query i sees key j iff cumsum(seg)_j <= cumsum(seg)_i and j is no pad."""
    c = torch.cumsum(segment_ids, dim=1)
    allowed = (c[:, None, :] <= c[:, :, None]) & (token_ids != 0)[:, None, :]
    bias = torch.zeros(allowed.shape, dtype=torch.float32)
    bias[~allowed] = torch.finfo(torch.float32).min
    return bias[:, None]


class Runner:
    def __init__(self, model, pooler_w, pooler_b):
        self.model = model.eval()
        self.pooler_w, self.pooler_b = pooler_w, pooler_b

    @torch.no_grad()
    def vectors(self, token_ids, attention_mask=None):
        ids = torch.tensor(token_ids)
        h = self.model.roformer(input_ids=ids, attention_mask=attention_mask,
                                token_type_ids=torch.zeros_like(ids)).last_hidden_state
        return (h[:, 0] @ self.pooler_w.T + self.pooler_b).numpy()

    @torch.no_grad()
    def last_logits(self, token_ids, segment_ids):
        ids, segs = torch.tensor([token_ids]), torch.tensor([segment_ids])
        out = self.model(input_ids=ids, token_type_ids=segs, attention_mask=unilm_bias(ids, segs))
        return out.logits[0, -1].float().numpy()

    def greedy(self, token_ids, segment_ids, maxlen=16):
        out = []
        for _ in range(maxlen):
            logits = self.last_logits(token_ids + out, segment_ids + [1] * len(out))
            out.append(int(np.argmax(logits)))
            if out[-1] == SEP_ID:
                break
        return out


def softmax32(logits):
    z = np.asarray(logits, dtype=np.float32)
    z = z - z.max()
    e = np.exp(z)
    return e / e.sum(dtype=np.float32)


def f32list(a):
    return [float(x) for x in np.asarray(a, dtype=np.float32).ravel()]


def golden(runner, ref):
    encode = []
    for case in ref["encode"]:
        vec = runner.vectors([case["token_ids"]])[0]
        encode.append({"text": case["text"], "token_ids": case["token_ids"], "vector": f32list(vec)})
    ids = [c["token_ids"] for c in ref["encode"]]
    width = max(map(len, ids))
    padded = [x + [0] * (width - len(x)) for x in ids]
    mask = (torch.tensor(padded) != 0).long()
    vecs = runner.vectors(padded, attention_mask=mask)
    mlm = []
    for case in ref["mlm"]:
        probs = softmax32(runner.last_logits(case["token_ids"], case["segment_ids"]))
        mlm.append({"token_ids": case["token_ids"], "segment_ids": case["segment_ids"],
                    "probs_last": f32list(probs)})
    greedy = []
    for case in ref["greedy"]:
        src = next(c for c in ref["encode"] if c["text"] == case["text"])["token_ids"]
        out = runner.greedy(src, [0] * len(src), case["maxlen"])
        greedy.append({"text": case["text"], "maxlen": case["maxlen"], "output_ids": out,
                       "decoded": case["decoded"] if out == case["output_ids"] else None})
    return {
        "checkpoint": "roformer_hf",
        "maxlen": ref["maxlen"],
        "encode": encode,
        "encode_batch": {"texts": ref["encode_batch"]["texts"], "vectors": [f32list(v) for v in vecs]},
        "mlm": mlm,
        "greedy": greedy,
    }


def compare(ours, ref, label):
    dv = max(np.abs(np.array(a["vector"]) - np.array(b["vector"])).max()
             for a, b in zip(ours["encode"], ref["encode"]))
    db = np.abs(np.array(ours["encode_batch"]["vectors"]) - np.array(ref["encode_batch"]["vectors"])).max()
    dp = max(np.abs(np.array(a["probs_last"]) - np.array(b["probs_last"])).max()
             for a, b in zip(ours["mlm"], ref["mlm"]))
    rp = max((np.abs(np.array(a["probs_last"]) - np.array(b["probs_last"])) / np.array(b["probs_last"])).max()
             for a, b in zip(ours["mlm"], ref["mlm"]))
    same_greedy = all(a["output_ids"] == b["output_ids"] for a, b in zip(ours["greedy"], ref["greedy"]))
    print(f"[{label}] max|dvector| encode {dv:.3e}  encode_batch {db:.3e}  "
          f"max|dprob| {dp:.3e} (max relative {rp:.3e})  greedy identical: {same_greedy}")
    return dv, db, dp, same_greedy


def main():
    tf_config = json.loads((FIXTURES / "roformer_tf1" / "bert_config.json").read_text())
    vocab = FIXTURES / "roformer_tf1" / "vocab.txt"
    ref = json.loads((GOLDEN / "roformer.json").read_text(encoding="utf-8"))
    state = build_state(tf_config["num_hidden_layers"])
    pooler_w, pooler_b = state["roformer.pooler.dense.weight"], state["roformer.pooler.dense.bias"]

    model = RoFormerForMaskedLM(make_config(tf_config))
    load_into(model, state)

    # safetensors: save_pretrained, then add the pooler the Hub ports carry
    if HF_DIR.exists():
        shutil.rmtree(HF_DIR)
    model.save_pretrained(HF_DIR, safe_serialization=True)
    st_path = HF_DIR / "model.safetensors"
    tensors = load_file(st_path)
    tensors["roformer.pooler.dense.weight"] = pooler_w.clone()
    tensors["roformer.pooler.dense.bias"] = pooler_b.clone()
    save_file(dict(sorted(tensors.items())), st_path, metadata={"format": "pt"})
    shutil.copyfile(vocab, HF_DIR / "vocab.txt")
    for extra in HF_DIR.iterdir():  # keep only what a loader needs
        if extra.name not in ("config.json", "model.safetensors", "vocab.txt"):
            extra.unlink()

    # pytorch_model.bin: torch.save of the full state dict (tied entries included) + pooler
    BIN_DIR.mkdir(parents=True, exist_ok=True)
    sd = {k: v.detach() for k, v in model.state_dict().items()}  # tied entries share storage
    sd["roformer.pooler.dense.weight"] = pooler_w.clone()
    sd["roformer.pooler.dense.bias"] = pooler_b.clone()
    torch.save(sd, BIN_DIR / "pytorch_model.bin")
    shutil.copyfile(HF_DIR / "config.json", BIN_DIR / "config.json")
    shutil.copyfile(vocab, BIN_DIR / "vocab.txt")

    # golden from the model reloaded from disk, pooler read back from the file
    reloaded = RoFormerForMaskedLM.from_pretrained(HF_DIR)
    on_disk = load_file(st_path)
    runner = Runner(reloaded, on_disk["roformer.pooler.dense.weight"], on_disk["roformer.pooler.dense.bias"])
    ours = golden(runner, ref)
    (GOLDEN / "roformer_hf.json").write_text(dump_json(ours), encoding="utf-8")

    print("safetensors keys:")
    for k, v in sorted(on_disk.items()):
        print(f"  {k} {list(v.shape)}")
    extra_bin = sorted(set(sd) - set(on_disk))
    print("pytorch_model.bin has, in addition:", extra_bin)

    dv, db, dp, same = compare(ours, ref, "torch eps=1e-12 vs bert4keras")

    # diagnostic, not written: bert4keras's RoFormer uses K.epsilon()=1e-7 in Embedding-Norm and
    # the block norms and 1e-12 only in MLM-Norm; with those epsilons torch should agree to rounding
    diag = RoFormerForMaskedLM(make_config(tf_config, layer_norm_eps=1e-7))
    load_into(diag, state)
    diag.cls.predictions.transform.LayerNorm.eps = 1e-12
    compare(golden(Runner(diag, pooler_w, pooler_b), ref), ref, "torch eps=1e-7 (as bert4keras) vs bert4keras")

    assert dv < 1e-4 and db < 1e-4, (dv, db)
    assert dp < 1e-6, dp
    assert same, "greedy outputs differ"
    print("done")


if __name__ == "__main__":
    main()
