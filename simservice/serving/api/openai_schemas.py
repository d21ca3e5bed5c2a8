"""Bodies of the OpenAI-compatible routes, as OpenAI's embeddings API defines them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from simservice.serving.api.schemas import Strict


class EmbeddingsRequest(Strict):
    input: str | list[str] | list[int] | list[list[int]] = Field(
        description="a text or a list of texts (token-id arrays are refused: the server tokenizes)",
        examples=[["怎么开通花呗", "花呗如何开通"]])
    model: str = Field(description="any name: the server answers with the one model it serves", examples=["demo"])
    encoding_format: Literal["float", "base64"] = Field("float", description="floats, or base64 of float32 "
                                                                             "little-endian bytes")
    dimensions: int | None = Field(None, ge=1, description="must be the model's dimension if given: its vectors "
                                                           "are not trained to be cut shorter")
    user: str | None = Field(None, description="accepted and ignored")


class Embedding(BaseModel):
    object: Literal["embedding"] = "embedding"
    index: int = Field(description="position of the input")
    embedding: list[float] | str = Field(description="the unit vector (cosine = dot product), or its base64")


class Usage(BaseModel):
    prompt_tokens: int = Field(description="tokens of the inputs, [CLS] and [SEP] included")
    total_tokens: int = Field(description="the same: nothing is generated")


class EmbeddingsResponse(BaseModel):
    object: Literal["list"] = "list"
    data: list[Embedding]
    model: str
    usage: Usage


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "simservice"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


class ErrorDetail(BaseModel):
    message: str
    type: str = Field(description="invalid_request_error, authentication_error, not_found_error, "
                                  "rate_limit_error or server_error")
    param: str | None = None
    code: str | None = Field(None, description="the service's error_type")


class OpenAIError(BaseModel):
    error: ErrorDetail
