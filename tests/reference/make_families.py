"""Write tiny random embedding-model checkpoints (bge-zh, text2vec, e5) and their torch goldens.

Run inside .venv-ref from the repository root (torch + transformers + tokenizers; no TensorFlow,
no sentence-transformers). Writes:
  tests/fixtures/families/bge_zh/    BertModel + pooler, vocab.txt, CLS pooling, Normalize, query prompt
  tests/fixtures/families/text2vec/  BertModel + pooler, vocab.txt, mean pooling, no prompts
  tests/fixtures/families/e5/        BertModel + pooler, tokenizer.json (Unigram), mean pooling,
                                     Normalize, "query: " / "passage: " prompts
  tests/fixtures/golden/families.json
The pooling follows sentence-transformers (Pooling, then Normalize), written here in torch.
"""

import json
import os
import shutil
import string
from pathlib import Path

import numpy as np
import torch
from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
from tokenizers.models import Unigram
from transformers import AutoModel, AutoTokenizer, BertConfig, BertModel, BertTokenizerFast

from golden_json import dev_questions_by_length, write_json  # noqa: E402  (next to this script)

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
FAMILIES = FIXTURES / "families"
VOCAB = FIXTURES / "vocab.txt"
SHARED = Path(os.environ.get("SIMSERVICE_SHARED", REPO.parent / "shared"))  # ../shared beside the repository
LCQMC_DEV = SHARED / "data" / "dev" / "lcqmc_dev.tsv"
MAX_LENGTH = 32
BGE_QUERY = "为这个句子生成表示以用于检索相关文章："

torch.manual_seed(0)
torch.set_num_threads(1)


# ---------------------------------------------------------------- texts

def pick_texts():
    by_len = dev_questions_by_length(LCQMC_DEV)
    texts = [by_len[n][0] for n in (5, 8, 12, 16, 20, 25)]
    texts.append("红米1s密码忘了！如何格式化？Hello   World 2024")  # Chinese, Latin, digits, a run of spaces
    texts.append("ＯＰＰＯ　Ｒ９ｓ手机怎么截屏？")  # full-width Latin/digits and an ideographic space
    texts.append("我爱饕餮龘齉")  # the last four are in neither vocabulary
    texts.append("，".join(by_len[n][1] for n in (20, 22)))  # 43 characters: truncated to 32 tokens
    return texts


# ---------------------------------------------------------------- weights

def make_model(vocab_size, pad_token_id, seed):
    config = BertConfig(
        vocab_size=vocab_size,
        hidden_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=128,
        hidden_act="gelu",
        max_position_embeddings=64,
        type_vocab_size=2,
        layer_norm_eps=1e-12,
        pad_token_id=pad_token_id,
    )
    model = BertModel(config, add_pooling_layer=True)
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():  # module order: fixed, so the draws are too
            if name.endswith("LayerNorm.weight"):
                value = 1.0 + rng.normal(0.0, 0.05, p.shape)
            elif name.endswith(".bias"):
                value = rng.normal(0.0, 0.02, p.shape)
            else:  # dense kernels and the three embedding tables (the pad row included)
                value = rng.normal(0.0, 0.05, p.shape)
            p.copy_(torch.from_numpy(value.astype(np.float32)))
    persistent = set(model.state_dict())
    assert persistent == {n for n, _ in model.named_parameters()}, persistent
    return model.eval()


# ---------------------------------------------------------------- sentence-transformers files

def write_text(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def write_config(path, obj):
    write_text(path, json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


def write_sentence_transformers(out, pooling, normalize, prompts=None, default_prompt_name=None):
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
    ]
    if normalize:  # Normalize has no files: the Hub repositories carry no 2_Normalize folder
        modules.append({"idx": 2, "name": "2", "path": "2_Normalize",
                        "type": "sentence_transformers.models.Normalize"})
    write_config(out / "modules.json", modules)
    write_config(out / "sentence_bert_config.json", {"max_seq_length": MAX_LENGTH, "do_lower_case": False})
    write_config(out / "1_Pooling" / "config.json", {
        "word_embedding_dimension": 64,
        "pooling_mode_cls_token": pooling == "cls",
        "pooling_mode_mean_tokens": pooling == "mean",
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
        "pooling_mode_weightedmean_tokens": False,
        "pooling_mode_lasttoken": False,
        "include_prompt": True,
    })
    if prompts is not None:
        write_config(out / "config_sentence_transformers.json",
                     {"prompts": prompts, "default_prompt_name": default_prompt_name})


def save_model(model, out):
    model.save_pretrained(out, safe_serialization=True)
    for f in out.iterdir():
        assert f.name in ("config.json", "model.safetensors"), f


# ---------------------------------------------------------------- tokenizers

def wordpiece_files(out):
    """vocab.txt + transformers' own tokenizer_config.json (do_lower_case); no tokenizer.json."""
    shutil.copyfile(VOCAB, out / "vocab.txt")
    # transformers 5 ignores vocab_file= in the constructor (every token becomes [UNK]); vocab= takes the path
    tok = BertTokenizerFast(vocab=str(VOCAB), do_lower_case=True, model_max_length=512)
    tmp = out / ".tok"
    tok.save_pretrained(tmp)
    shutil.move(tmp / "tokenizer_config.json", out / "tokenizer_config.json")
    shutil.rmtree(tmp)
    loaded = BertTokenizerFast.from_pretrained(out)  # from vocab.txt + tokenizer_config.json
    auto = AutoTokenizer.from_pretrained(out)
    return tok, loaded, auto


def unigram_pieces(texts):
    """XLM-R-like pieces: words (bare and "▁"-prefixed), single characters, scores as log-probs."""
    nfkc = normalizers.NFKC()
    chars = set("".join(nfkc.normalize_str(t) for t in texts)) - set(" 饕餮龘齉")
    vocab_chars = [line for line in VOCAB.read_text(encoding="utf-8").split("\n")
                   if len(line) == 1 and "\u4e00" <= line <= "\u9fff"][:200]
    cjk = sorted(set(vocab_chars) | {c for c in chars if "\u4e00" <= c <= "\u9fff"})
    other = sorted((chars - set(cjk)) | set(string.ascii_letters + string.digits + string.punctuation)
                   | set("，。？！：；（）“”、《》…—·"))
    words = ["什么", "怎么", "如何", "哪个", "密码", "格式化", "手机", "学院", "河南", "账户", "收支",
             "明细", "查询", "物质", "范畴", "朋友", "父母", "播放器", "电影", "更新", "哲学", "关系",
             "ll", "or", "ld", "PO"]
    meta_words = ["▁query", "▁passage", "▁Hello", "▁World", "▁20", "▁OP", "▁R", "▁什么", "▁这",
                  "▁哪个", "▁第一次", "▁红米", "▁我", "▁查询", "▁河南", "▁哲学"]
    pieces = [("<s>", 0.0), ("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("▁", -2.5)]
    pieces += [(w, round(-4.0 - 0.01 * i, 4)) for i, w in enumerate(meta_words)]
    pieces += [(w, round(-5.0 - 0.01 * i, 4)) for i, w in enumerate(words)]
    pieces += [(c, round(-7.0 - 0.005 * i, 4)) for i, c in enumerate(cjk)]
    pieces += [(c, round(-8.0 - 0.005 * i, 4)) for i, c in enumerate(other)]
    pieces.append(("<mask>", 0.0))  # last, as in XLM-R
    names = [p for p, _ in pieces]
    assert len(names) == len(set(names)), "duplicate piece"
    return pieces


def unigram_tokenizer(pieces, out):
    tok = Tokenizer(Unigram(pieces, unk_id=3, byte_fallback=False))
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>", special_tokens=[("<s>", 0), ("</s>", 2)])
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in ("<s>", "<pad>", "</s>", "<unk>")]
                           + [AddedToken("<mask>", special=True, normalized=False, lstrip=True)])
    tok.save(str(out / "tokenizer.json"), pretty=True)
    write_config(out / "tokenizer_config.json", {
        "bos_token": "<s>", "cls_token": "<s>", "eos_token": "</s>", "mask_token": "<mask>",
        "model_max_length": 512, "pad_token": "<pad>", "sep_token": "</s>",
        "tokenizer_class": "XLMRobertaTokenizer", "unk_token": "<unk>",
    })
    loaded = Tokenizer.from_file(str(out / "tokenizer.json"))
    loaded.enable_truncation(MAX_LENGTH)
    return loaded


# ---------------------------------------------------------------- golden

def f32list(a):
    return [float(x) for x in np.asarray(a, dtype=np.float32).ravel()]


@torch.no_grad()
def embed(model, ids_list, pad_id, pooling):
    """Right-padded batch -> sentence-transformers Pooling (cls or mean) -> Normalize."""
    width = max(map(len, ids_list))
    ids = torch.tensor([x + [pad_id] * (width - len(x)) for x in ids_list])
    mask = torch.tensor([[1] * len(x) + [0] * (width - len(x)) for x in ids_list])
    h = model(input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids)).last_hidden_state
    if pooling == "cls":
        v = h[:, 0]
    else:
        m = mask.unsqueeze(-1).to(h.dtype)
        v = (h * m).sum(1) / torch.clamp(m.sum(1), min=1e-9)
    return torch.nn.functional.normalize(v, p=2, dim=1).numpy()


def encode_section(model, ids_list, texts, pad_id, pooling):
    single = np.stack([embed(model, [ids], pad_id, pooling)[0] for ids in ids_list])
    batch = embed(model, ids_list, pad_id, pooling)
    diff = float(np.abs(single - batch).max())
    assert diff <= 1e-6, diff
    return {
        "encode": [{"text": t, "token_ids": ids, "vector": f32list(v)} for t, ids, v in zip(texts, ids_list, single)],
        "encode_batch": {"vectors": [f32list(v) for v in batch]},
    }, single, batch, diff


def model_golden(name, model, tokenize, texts, pad_id, pooling, prompt):
    out = FAMILIES / name
    golden = {"checkpoint": f"families/{name}", "pooling": pooling, "normalized": True,
              "max_length": MAX_LENGTH, "pad_id": pad_id, "texts": texts}
    plain, single, batch, diff = encode_section(model, [tokenize(t) for t in texts], texts, pad_id, pooling)
    golden.update(plain)
    arrays = [single, batch]
    report = {"batch-single": diff}
    if prompt is not None:
        ids = [tokenize(prompt + t) for t in texts]
        query, single_q, batch_q, diff_q = encode_section(model, ids, texts, pad_id, pooling)
        golden["query"] = {"prompt_name": "query", "prompt": prompt, **query}
        arrays += [single_q, batch_q]
        report["query batch-single"] = diff_q
    else:
        golden["query"] = None

    # the checkpoint as written must give the same numbers
    reloaded = AutoModel.from_pretrained(out).eval()
    assert type(reloaded) is BertModel and reloaded.pooler is not None
    again = [embed(reloaded, [tokenize(t) for t in texts], pad_id, pooling)]
    if prompt is not None:
        again.append(embed(reloaded, [tokenize(prompt + t) for t in texts], pad_id, pooling))
    report["reload"] = max(float(np.abs(a - b).max()) for a, b in zip(arrays[1::2], again))
    assert report["reload"] <= 1e-6, report

    # diagnostic: transformers' eager attention against the default (sdpa)
    eager = AutoModel.from_pretrained(out, attn_implementation="eager").eval()
    report["eager-sdpa"] = float(np.abs(embed(eager, [tokenize(t) for t in texts], pad_id, pooling) - batch).max())
    print(f"[{name}] " + "  ".join(f"{k} {v:.2e}" for k, v in report.items()))
    return golden


def main():
    texts = pick_texts()
    if FAMILIES.exists():
        shutil.rmtree(FAMILIES)
    goldens = {}

    # bge-small-zh-v1.5 and text2vec-base-chinese: WordPiece vocab.txt, pad [PAD]=0
    vocab_size = len(VOCAB.read_text(encoding="utf-8").splitlines())
    for name, seed, pooling, prompts in (
        ("bge_zh", 11, "cls", {"query": BGE_QUERY, "document": ""}),
        ("text2vec", 12, "mean", None),
    ):
        out = FAMILIES / name
        model = make_model(vocab_size, pad_token_id=0, seed=seed)
        save_model(model, out)
        tok, loaded, auto = wordpiece_files(out)
        write_sentence_transformers(out, pooling, normalize=name == "bge_zh", prompts=prompts)

        def tokenize(text, tok=tok, loaded=loaded, auto=auto):
            ids = tok(text, truncation=True, max_length=MAX_LENGTH)["input_ids"]
            assert ids == loaded(text, truncation=True, max_length=MAX_LENGTH)["input_ids"]
            assert ids == auto(text, truncation=True, max_length=MAX_LENGTH)["input_ids"]
            assert ids[0] == 2 and ids[-1] == 3
            return ids

        goldens[name] = model_golden(name, model, tokenize, texts, 0, pooling,
                                     prompts["query"] if prompts else None)

    # multilingual-e5-small: Unigram tokenizer.json, <pad>=1, mean over specials too
    out = FAMILIES / "e5"
    pieces = unigram_pieces(texts)
    vocab_size = len(pieces)
    model = make_model(vocab_size, pad_token_id=1, seed=13)
    save_model(model, out)
    tok = unigram_tokenizer(pieces, out)
    write_sentence_transformers(out, "mean", normalize=True,
                                prompts={"query": "query: ", "passage": "passage: "}, default_prompt_name="query")
    # transformers 5's XLMRobertaTokenizer rebuilds the pipeline: it keeps the pieces but drops
    # any normalizer other than a Precompiled one, so it agrees with tokenizer.json on NFKC'd text only
    auto = AutoTokenizer.from_pretrained(out)
    nfkc, auto_diff = normalizers.NFKC(), set()

    def tokenize_e5(text):
        ids = tok.encode(text).ids
        assert ids[0] == 0 and ids[-1] == 2 and 1 not in ids
        if auto(text, truncation=True, max_length=MAX_LENGTH)["input_ids"] != ids:
            auto_diff.add(text)
            assert auto(nfkc.normalize_str(text), truncation=True, max_length=MAX_LENGTH)["input_ids"] == ids
        return ids

    goldens["e5"] = model_golden("e5", model, tokenize_e5, texts, 1, "mean", "query: ")
    print(f"[e5] {vocab_size} pieces; {type(auto).__name__} from AutoTokenizer differs on "
          f"{len(auto_diff)} of {2 * len(texts)} inputs (all NFKC-sensitive)")

    write_json(FIXTURES / "golden" / "families.json", {"models": goldens})
    for f in sorted(FAMILIES.rglob("*")):
        if f.is_file():
            print(f"  {f.relative_to(FIXTURES)} {f.stat().st_size}")
    print("done")


if __name__ == "__main__":
    main()
