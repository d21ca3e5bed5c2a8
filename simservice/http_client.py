"""The one HTTP client of the commands that work through a running simservice (`--url`): import,
export, snapshot and reindex (corpus/targets.py) and augment (augment/generators.py). Standard library
only; a refusal raises HttpError with the status and the server's own message."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request


class HttpError(OSError):
    """The server answered with an error status: `status`, and `detail`, the server's message."""

    def __init__(self, status: int, message: str, detail: str = ""):
        super().__init__(message)
        self.status = status
        self.detail = detail


class ServiceClient:
    """Calls to one server: its base URL, the API key (a bearer token) and a timeout per call."""

    def __init__(self, url: str, api_key: str | None = None, timeout: float = 600.0):
        self.base = url.rstrip("/")
        self.headers = {"authorization": f"Bearer {api_key}"} if api_key else {}
        self.timeout = timeout

    def request(self, method: str, path: str, body=None, content_type: str = "application/json",
                length: int | None = None, **query):
        """The open response of one call (a file `body` needs its `length`); HttpError names the status."""
        query = {k: str(v).lower() if isinstance(v, bool) else v for k, v in query.items()}
        url = f"{self.base}{path}" + (f"?{urllib.parse.urlencode(query)}" if query else "")
        headers = {**self.headers, **({"content-type": content_type} if body is not None else {})}
        if length is not None:
            headers["content-length"] = str(length)
        request = urllib.request.Request(url, body, headers, method=method)
        try:
            return urllib.request.urlopen(request, timeout=self.timeout)
        except urllib.error.HTTPError as exc:
            detail = _error_message(exc)
            raise HttpError(exc.code, f"{method} {url} answered {exc.code}: {detail}", detail) from None
        except urllib.error.URLError as exc:
            raise OSError(f"{url}: {exc.reason}: is the server running (simservice serve)?") from None

    def call_json(self, method: str, path: str, payload=None, **query):
        """One call with a JSON body (or none) and its JSON answer (None for 204)."""
        body = None if payload is None else json.dumps(payload, ensure_ascii=False).encode()
        with self.request(method, path, body, **query) as response:
            answer = response.read()
        return json.loads(answer) if answer else None


def _error_message(exc: urllib.error.HTTPError) -> str:
    try:
        return json.loads(exc.read())["error"]
    except (ValueError, KeyError, TypeError):
        return str(exc)
