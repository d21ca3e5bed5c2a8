"""Bodies of /v1/rerank, in the shape Cohere's and Jina's rerank APIs share (Dify, LangChain's
CohereRerank and LlamaIndex's rerankers read it)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from simservice.serving.api.schemas import Strict, example


class DocumentText(Strict):
    model_config = example(text="怎么开通花呗")
    text: str = Field(description="the document's text")


class RerankRequest(Strict):
    model_config = example(model="demo", query="花呗如何开通", documents=["怎么开通花呗", "北京明天天气如何"],
                           top_n=1)
    query: str = Field(description="the query (the model's query prompt goes before it)")
    documents: list[str | DocumentText] = Field(min_length=1, description="texts, or objects with a `text` field")
    model: str | None = Field(None, description="any name: the server answers with the one model it serves")
    top_n: int | None = Field(None, ge=1, description="how many results to answer (default: every document)")
    return_documents: bool = Field(True, description="give each result's document text back")
    truncate: bool = Field(False, description="cut texts over the token limit instead of refusing them")

    def texts(self) -> list[str]:
        return [d if isinstance(d, str) else d.text for d in self.documents]


class RerankResult(BaseModel):
    model_config = example(index=0, relevance_score=0.93, document={"text": "怎么开通花呗"})
    index: int = Field(description="position of the document in the request")
    relevance_score: float = Field(description="cosine of the document's vector to the query's, -1 to 1")
    document: DocumentText | None = None


class RerankUsage(BaseModel):
    model_config = example(total_tokens=19)
    total_tokens: int = Field(description="tokens of the query and the documents, prompts and [CLS]/[SEP] included")


class RerankResponse(BaseModel):
    model_config = example(id="4f3c...", model="demo", object="list",
                           results=[{"index": 0, "relevance_score": 0.93, "document": {"text": "怎么开通花呗"}}],
                           usage={"total_tokens": 19})
    id: str
    object: Literal["list"] = "list"
    model: str
    results: list[RerankResult] = Field(description="most relevant first")
    usage: RerankUsage
