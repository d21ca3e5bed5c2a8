"""Every route against its own OpenAPI document (schemathesis, in-process through ASGI): no 5xx, no
status the document does not list, no body outside its schema, for generated valid and invalid requests,
on the FAISS index and on the real Milvus server.

Examples per operation are few (EXAMPLES) so the suite stays fast; raise it locally to search harder.
"""

from __future__ import annotations

import os
import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode, checks

from simservice.serving import Settings, create_app
from tests.serving.support import running_app

EXAMPLES = int(os.environ.get("SIMSERVICE_PROPERTY_EXAMPLES", "20"))
LIMITS = {"max_paraphrase_n": 4, "max_client_batch_size": 4, "max_job_rows": 4, "request_timeout": 20.0}
# What the issue asks: no 5xx, no status, body, content type or header outside the document. Not asked:
# that every schema-valid request succeeds (some rules live in code: exactly one of text/texts, server limits,
# lone surrogates, a collection that must exist).
CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance, checks.response_headers_conformance]
schemathesis.serializer.alias("application/x-ndjson", "text/plain")  # the bulk route's body: lines of text


def apps(app) -> dict:
    """The app and its /v1 sub-app (OpenAI's error shape, its own document)."""
    return {"": app, "/v1": next(route.app for route in app.routes if getattr(route, "path", None) == "/v1")}


DOCUMENTS = {prefix: app.openapi() for prefix, app in apps(create_app(Settings())).items()}  # nothing loaded
OPERATIONS = [(method.upper(), prefix + path, mode) for prefix, document in DOCUMENTS.items()
              for path, methods in document["paths"].items()
              for method, operation in methods.items()
              for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
              if mode is GenerationMode.POSITIVE or operation.get("requestBody")
              or any(p["in"] == "query" for p in operation.get("parameters", []))]  # any path string is valid


def backend_settings(backend: str) -> dict:
    """The service's settings for each index backend the document is checked on."""
    if backend == "faiss":
        return {}
    from tests.milvus_server import session_uri

    return {"index_backend": "milvus", "milvus_uri": session_uri(), "milvus_prefix": f"prop{uuid.uuid4().hex[:8]}_"}


@pytest.fixture(scope="module", params=["faiss", pytest.param("milvus", marks=pytest.mark.milvus)])
def api_schema(request, roformer, tmp_path_factory):
    settings = LIMITS | backend_settings(request.param)
    with running_app(roformer, tmp_path_factory.mktemp("index"), **settings) as client:
        client.post("/collections/default/items", json={"items": [{"id": "faq-17", "text": "花呗怎么开通"}]})
        yield {prefix: schemathesis.openapi.from_asgi("/openapi.json", without_lifespan(app))
               for prefix, app in apps(client.app).items()}


def without_lifespan(app):
    """The app for schemathesis, whose client runs the lifespan around every request: the app is already
    started (above), so those start-ups and shut-downs are answered without touching it."""
    async def asgi(scope, receive, send):
        if scope["type"] != "lifespan":
            return await app(scope, receive, send)
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
    return asgi


@pytest.mark.parametrize(("method", "path", "mode"), OPERATIONS)
def test_every_route_keeps_to_its_document(api_schema, method, path, mode):
    prefix = "/v1" if path.startswith("/v1/") else ""
    operation = api_schema[prefix][path.removeprefix(prefix)][method]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    def check(case):
        case.call_and_validate(checks=CHECKS)

    check()
