"""Request and response bodies of the model routes: /encode, /similarity, /similar, /paraphrase.

Every request forbids unknown fields; limits that depend on settings or on the tokenizer
(texts per request, tokens per text) are checked in the handler (see `texts.py`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, create_model, model_validator

from simservice.index import IndexStoreError
from simservice.index import validation as index_checks
from simservice.inference.sampler import KNOBS, SAMPLERS


def _not_blank(text: str) -> str:
    if not text.strip():
        raise ValueError("text is empty or only whitespace: send some text")
    return text


def index_check(check):
    """An index-layer check as a pydantic validator, so its limits are enforced at the door."""
    def validate(value):
        try:
            return check(value)
        except IndexStoreError as exc:
            raise ValueError(str(exc)) from None
    return AfterValidator(validate)


Text = Annotated[str, AfterValidator(_not_blank),
                 Field(description="a non-empty text", min_length=1, json_schema_extra={"pattern": r"\S"})]
NAME_SCHEMA = {"pattern": index_checks.NAME_PATTERN, "minLength": 1, "maxLength": 64}
CollectionName = Annotated[str, index_check(index_checks.check_name), Field(json_schema_extra=NAME_SCHEMA)]
Metadata = Annotated[dict[str, Any], index_check(lambda m: index_checks.check_metadata(m)[0])]
MAX_K = 1024  # the index's own ceiling on results per query


def example(**fields) -> ConfigDict:
    """A model config whose JSON schema carries `fields` as its example (Swagger's "Try it out" sends it)."""
    return ConfigDict(json_schema_extra={"examples": [fields]})


class Strict(BaseModel):
    """A request body: unknown fields refused, and strict types (`"5"` or `true` is not an integer)."""

    model_config = ConfigDict(extra="forbid", strict=True)


def exactly_one(model: BaseModel, *names: str) -> BaseModel:
    """`model` if exactly one of its fields `names` is given; else the error saying which to give."""
    given = [name for name in names if getattr(model, name) is not None]
    if len(given) != 1:
        listed = ", ".join(f"`{name}`" for name in names[:-1]) + f" and `{names[-1]}`"
        raise ValueError(f"give exactly one of {listed}" + (f", not {given or 'none'}" if len(names) > 2 else ""))
    return model


class OneOrManyTexts(Strict):
    """`text` for one query or `texts` for several; exactly one of them."""

    text: Text | None = Field(None, description="one text (give this or `texts`)")
    texts: list[Text] | None = Field(None, min_length=1, description="several texts (give this or `text`)")

    @model_validator(mode="after")
    def _exactly_one(self):
        return exactly_one(self, "text", "texts")

    def all_texts(self) -> list[str]:
        return [self.text] if self.text is not None else list(self.texts)

    def names(self) -> list[str]:
        """Where each text is in the request, for error messages."""
        return ["text"] if self.text is not None else [f"texts[{i}]" for i in range(len(self.texts))]


TRUNCATE = Field(False, description="cut texts over the token limit instead of refusing them")


PROMPT_NAME = Field(None, max_length=64, description="the model's prompt to put before each text (e.g. query or "
                   "passage for e5; /info lists them); default: the model's default prompt, if it has one")


class EncodeRequest(OneOrManyTexts):
    """`text` answers one `vector`, `texts` a list of `vectors`."""

    model_config = example(texts=["怎么开通花呗", "花呗怎么开通"])
    normalize: bool = Field(True, description="L2-normalise the vectors (cosine = dot product)")
    truncate: bool = TRUNCATE
    prompt_name: str | None = PROMPT_NAME


class EncodeOne(BaseModel):
    model_config = example(vector=[0.12, -0.03, 0.08], dim=3)
    vector: list[float] = Field(description="the vector of `text`")
    dim: int = Field(description="length of the vector")


class EncodeMany(BaseModel):
    model_config = example(vectors=[[0.12, -0.03, 0.08]], dim=3)
    vectors: list[list[float]] = Field(description="one vector per text of `texts`, in request order")
    dim: int = Field(description="length of each vector")


class SimilarityRequest(Strict):
    """`target` answers one `score`, `targets` a list of `scores`."""

    model_config = example(source="怎么开通花呗", targets=["花呗怎么开通", "今天天气不错"])
    source: Text = Field(description="the text to compare against")
    target: Text | None = Field(None, description="one text to score against `source` (give this or `targets`)")
    targets: list[Text] | None = Field(None, min_length=1, description="texts to score against `source` "
                                       "(give this or `target`)")
    truncate: bool = TRUNCATE

    @model_validator(mode="after")
    def _exactly_one(self):
        return exactly_one(self, "target", "targets")

    def all_targets(self) -> list[str]:
        return [self.target] if self.target is not None else list(self.targets)


class SimilarityOne(BaseModel):
    model_config = example(score=0.93)
    score: float = Field(description="cosine of `target` to the source")


class SimilarityMany(BaseModel):
    model_config = example(scores=[0.93, 0.21])
    scores: list[float] = Field(description="cosine of each target to the source, in request order")


Filter = Annotated[dict[str, Any], index_check(index_checks.parse_filter)]  # held as its parsed tree


class SearchParams(Strict):
    """Per-search numbers of an approximate index, checked against the collection's kind."""

    model_config = example(ef=128)
    ef: int | None = Field(None, ge=1, le=4096, description="hnsw: candidates kept while searching (more: "
                                                              "better recall, slower)")
    nprobe: int | None = Field(None, ge=1, le=65536, description="ivf: lists searched, at most the collection's "
                                                                  "nlist (more: better recall, slower)")


class SimilarRequest(OneOrManyTexts):
    """The query: `text`, `texts`, a `vector`, or the `id` of a stored item (its nearest others).
    `texts` answers a list of `results`, the others one `result`."""

    model_config = example(text="怎么开通花呗", k=5)
    vector: list[float] | None = Field(None, min_length=1, description="a query vector of the collection's "
                                       "dimension (normalised for cosine collections); instead of text")
    id: str | None = Field(None, min_length=1, description="the id of a stored item: its nearest other items; "
                                                          "instead of text")
    k: int = Field(10, ge=1, le=MAX_K, description="how many nearest items to return per query")
    collection: CollectionName = Field("default", description="collection to search")
    filter: Filter | None = Field(None, description='only items whose metadata passes this filter, e.g. '
                                  '{"lang": "zh", "year": {"gte": 2020}} (see the README\'s "Filters")')
    search_params: SearchParams | None = Field(None, description="tune this search of an approximate index")
    min_score: float | None = Field(None, allow_inf_nan=False, description="only items at least this similar "
                                    "(a cosine is -1 to 1; an inner product, in an ip collection, any number)")
    with_metadata: bool = Field(True, description="give each hit's metadata")
    with_vectors: bool = Field(False, description="give each hit's stored vector (read after the search: an item "
                                                  "deleted meanwhile is left out)")
    truncate: bool = TRUNCATE

    def one_query(self) -> bool:
        return self.texts is None

    @model_validator(mode="after")
    def _exactly_one(self):  # replaces OneOrManyTexts' check: here a vector or an id may be the query
        return exactly_one(self, "text", "texts", "vector", "id")


class SimilarHit(BaseModel):
    model_config = example(id="faq-17", text="花呗怎么开通", score=0.93, metadata={"source": "faq"})
    id: str = Field(description="the item's id")
    text: str = Field(description="the item's text")
    score: float = Field(description="similarity to the query: cosine, or the inner product in an ip collection")
    metadata: dict[str, Any] | None = Field(None, description="the item's metadata (unless `with_metadata` is false)")
    vector: list[float] | None = Field(None, description="the item's stored vector (only with `with_vectors`)")


HIT_EXAMPLE = {"id": "faq-17", "text": "花呗怎么开通", "score": 0.93, "metadata": {"source": "faq"}}


class SimilarOne(BaseModel):
    model_config = example(result=[HIT_EXAMPLE])
    result: list[SimilarHit] = Field(description="the query's hits, best first")


class SimilarMany(BaseModel):
    model_config = example(results=[[HIT_EXAMPLE]])
    results: list[list[SimilarHit]] = Field(description="for each text of `texts`, its hits, best first")


def sampling_fields() -> type[Strict]:
    """A request base with `sampler` and one field per sampling knob, from their registries."""
    implied = ("by default it follows from the fields: top_k 1 is greedy, top_p below 1 is top_p (within top_k "
               "when set), top_k alone is top_k; with no sampler, top_k or top_p, the model's default sampling "
               "(GET /info `default_sampling`: top_p 0.95 unless its generation_config.json names another)")
    names = "; ".join(f"{s.name}: {s.help}" for s in SAMPLERS.values())
    fields: dict[str, Any] = {"sampler": (Literal[tuple(SAMPLERS)] | None, Field(
        None, description=f"the sampler by name ({names}); {implied}. Every other knob applies to all samplers"))}
    for knob in KNOBS.values():
        unset = knob.default is None
        fields[knob.name] = (knob.type | None if unset else knob.type, Field(
            knob.default, description=knob.help + ("; null or left out: unset" if unset else ""),
            **knob.bounds))
    return create_model("SamplingFields", __base__=Strict, **fields)


class ParaphraseRequest(sampling_fields(), OneOrManyTexts):
    """`text` answers one `result`, `texts` a list of `results`."""

    model_config = example(text="今天天气不错", n=32, k=5)
    n: int = Field(32, ge=1, description="samples to draw per text (at most the server's max_paraphrase_n)")
    k: int = Field(8, ge=1, description="paraphrases to keep per text, at most n")
    max_length: int = Field(32, ge=1, le=128, description="most tokens to generate per sample")
    mask_idxs: list[int] = Field(default_factory=list, description="token positions of the input ([CLS] is 0) "
                                                                   "to replace by [MASK] for variety")
    seed: int | None = Field(None, ge=0, lt=2**63, description="makes the samples reproducible")
    with_logprob: bool = Field(False, description="also give each paraphrase the generator's mean log-probability "
                                                  "per token (after the repetition penalty and temperature, "
                                                  "before the top-k, top-p and min-p cuts)")
    truncate: bool = TRUNCATE


class Paraphrase(BaseModel):
    model_config = example(text="今天的天气不错", score=0.95)
    text: str = Field(description="a paraphrase")
    score: float = Field(description="its cosine similarity to the input")
    logprob: float | None = Field(None, description="the generator's mean log-probability per token "
                                                    "(only with `with_logprob`)")


PARAPHRASE_EXAMPLE = [{"text": "今天的天气不错", "score": 0.95}, {"text": "今天天气挺好", "score": 0.91}]


NO_PARAPHRASE = ("no paraphrase: every sample was the input itself (or empty), as greedy decoding usually gives; "
                 "sample instead (e.g. \"top_p\": 0.95 or \"top_k\": 5) or draw more (n)")


class ParaphraseOne(BaseModel):
    model_config = example(result=PARAPHRASE_EXAMPLE)
    result: list[Paraphrase] = Field(description="the paraphrases of `text`, best first")
    note: str | None = Field(None, description="why `result` is empty (only then)")


class ParaphraseMany(BaseModel):
    model_config = example(results=[PARAPHRASE_EXAMPLE])
    results: list[list[Paraphrase]] = Field(description="for each text of `texts`, its paraphrases, best first")
    notes: list[str | None] | None = Field(None, description="for each text, why its list is empty (null where "
                                                             "it is not); only when a list is empty")
