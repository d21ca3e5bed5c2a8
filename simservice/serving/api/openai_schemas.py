"""Bodies of the OpenAI-compatible routes, as OpenAI's embeddings API defines them."""

from __future__ import annotations

from typing import Literal

from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from simservice.serving.api.schemas import PROMPT_NAME, Strict, example
from simservice.service.errors import ErrorKind


class EmbeddingsRequest(Strict):
    model_config = example(input=["怎么开通花呗", "花呗如何开通"], model="demo")
    input: str | list[str] | list[int] | list[list[int]] = Field(
        description="a text or a list of texts (token-id arrays are refused: the server tokenizes)",
        examples=[["怎么开通花呗", "花呗如何开通"]])
    model: str = Field(description="any name: the server answers with the one model it serves", examples=["demo"])
    encoding_format: Literal["float", "base64"] = Field("float", description="floats, or base64 of float32 "
                                                                             "little-endian bytes")
    dimensions: int | None = Field(None, ge=1, description="must be the model's dimension if given: its vectors "
                                                           "are not trained to be cut shorter")
    user: str | None = Field(None, description="accepted and ignored")
    prompt_name: str | None = PROMPT_NAME


class Embedding(BaseModel):
    model_config = example(object="embedding", index=0, embedding=[0.12, -0.03, 0.08])
    object: Literal["embedding"] = "embedding"
    index: int = Field(description="position of the input")
    embedding: list[float] | str = Field(description="the unit vector (cosine = dot product), or its base64")


class Usage(BaseModel):
    model_config = example(prompt_tokens=14, total_tokens=14)
    prompt_tokens: int = Field(description="tokens of the inputs, [CLS] and [SEP] included")
    total_tokens: int = Field(description="the same: nothing is generated")


class EmbeddingsResponse(BaseModel):
    model_config = example(object="list", data=[{"object": "embedding", "index": 0, "embedding": [0.12, -0.03, 0.08]}],
                           model="demo", usage={"prompt_tokens": 7, "total_tokens": 7})
    object: Literal["list"] = "list"
    data: list[Embedding]
    model: str
    usage: Usage


class ModelCard(BaseModel):
    model_config = example(id="demo", object="model", created=0, owned_by="simservice",
                           capabilities=["embeddings", "paraphrase"], family="roformer-sim", pooling="linear",
                           dim=384, prompts={})
    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "simservice"
    capabilities: list[Literal["embeddings", "paraphrase"]] | None = Field(
        None, description="what the model can do: every model embeds; paraphrase needs a generator "
                          "(absent while the model loads)")
    family: str | None = Field(None, description="model family: roformer-sim, bert-embedding or bert-unilm")
    pooling: str | None = Field(None, description="how a sentence vector is read: linear, cls or mean")
    dim: int | None = Field(None, description="vector dimension")
    prompts: dict[str, str] | None = Field(None, description="the prompts `prompt_name` may name, and their text")


class ModelList(BaseModel):
    model_config = example(object="list", data=[{"id": "demo", "object": "model", "created": 0,
                                                 "owned_by": "simservice"}])
    object: Literal["list"] = "list"
    data: list[ModelCard]


class ErrorDetail(BaseModel):
    model_config = example(message="input is an empty list: send a text or a list of texts",
                           type="invalid_request_error", param="input", code="invalid_request")
    message: str
    type: str = Field(description="invalid_request_error, authentication_error, not_found_error, "
                                  "rate_limit_error or server_error")
    param: str | None = None
    code: str | None = Field(None, description="the service's error_type")


class OpenAIError(BaseModel):
    model_config = example(error={"message": "missing or wrong API key: send 'Authorization: Bearer <key>'",
                                  "type": "authentication_error", "param": None, "code": "unauthorized"})
    error: ErrorDetail


OPENAI_TYPES = {
    ErrorKind.UNAUTHORIZED: "authentication_error",
    ErrorKind.NOT_FOUND: "not_found_error",
    ErrorKind.OVERLOADED: "rate_limit_error",
    ErrorKind.NOT_READY: "server_error",
    ErrorKind.TIMEOUT: "server_error",
    ErrorKind.INTERNAL: "server_error",
}


def openai_error(status: int, kind: ErrorKind, message: str, param: str | None = None,
                 headers: dict | None = None) -> JSONResponse:
    """An error of the /v1 routes, in OpenAI's body; `code` carries the service's error_type."""
    if kind in OPENAI_TYPES:
        kind_type = OPENAI_TYPES[kind]
    else:
        kind_type = "server_error" if status >= 500 else "invalid_request_error"
    body = OpenAIError(error=ErrorDetail(message=message, type=kind_type, param=param, code=kind.value))
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)
