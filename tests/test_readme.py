"""Every curl example of the README, as written, against the real app on the shipped demo model:
each answers 2xx. Placeholders the README cannot know (a job's id, a snapshot's name) are filled
in from the answers, as a reader would."""

from __future__ import annotations

import re
import shlex
import time

import httpx
import pytest
from tests.paths import ROOT
from tests.serving.api.browser import serving

from simservice import load_model

DEMO = ROOT / "models" / "demo"
SNAPSHOT = "faq-20260101T120000-1a2b3c.snapshot"


def curl_commands() -> list[str]:
    """The README's curl command lines, continuation lines joined, in order."""
    blocks = re.findall(r"```bash\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)
    lines = "\n".join(blocks).replace("\\\n", " ").splitlines()
    return [line.strip() for line in lines if line.strip().startswith("curl ")]


def as_request(command: str, base: str) -> tuple[str, str, dict, bytes | None]:
    """(method, url, headers, body) of a curl command line (the flags the README uses)."""
    words = shlex.split(command, comments=True)[1:]
    method, url, headers, body = None, None, {}, None
    while words:
        word = words.pop(0)
        if word == "-s":
            continue
        if word == "-X":
            method = words.pop(0)
        elif word == "-H":
            key, _, value = words.pop(0).partition(":")
            headers[key.strip()] = value.strip()
        elif word == "-d":
            body = words.pop(0).encode()
        else:
            assert url is None and word.startswith("localhost:8000/"), f"unknown curl word {word!r} in {command}"
            url = base + word.removeprefix("localhost:8000")
    return method or ("POST" if body is not None else "GET"), url, headers, body


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    with serving(load_model(DEMO), tmp_path_factory.mktemp("index"), model=str(DEMO)) as url:
        yield url


def test_every_curl_example_answers_2xx(base):
    commands = curl_commands()
    assert len(commands) >= 15, "the README's examples were not found"
    http = httpx.Client(timeout=120)
    assert http.post(f"{base}/collections", json={"name": "faq", "index": "hnsw"}).status_code == 201
    items = [{"id": str(i), "text": t} for i, t in enumerate(["怎么开通花呗", "花呗怎么还款", "北京明天天气如何"])]
    assert http.post(f"{base}/collections/faq/items", json={"items": items}).status_code == 200
    snapshot = http.post(f"{base}/collections/faq/snapshots").json()["name"]
    job = None
    for command in commands:
        if "$ID" in command:
            assert job, "a job's id is used before a job was started"
            while "/result" in command and http.get(f"{base}/jobs/{job}").json()["status"] == "running":
                time.sleep(0.2)
        method, url, headers, body = as_request(command.replace("$ID", job or "").replace(SNAPSHOT, snapshot), base)
        answer = http.request(method, url, headers=headers, content=body)
        assert answer.status_code < 300, f"{command}\n-> {answer.status_code} {answer.text}"
        if url.endswith("/jobs/augment"):
            job = answer.json()["id"]
