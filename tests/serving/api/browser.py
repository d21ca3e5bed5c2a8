"""Helpers of the playground's browser tests (this module holds no tests): the real app under
uvicorn on a loopback port, and Debian's chromium driven headless by Playwright.

Only the system browser is used (never a downloaded one): `apt-get install chromium`.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path

import pytest
import uvicorn

from tests.paths import ROOT

from simservice.serving import Settings, create_app

DEMO = ROOT / "models" / "demo"
MODEL_WAIT = 60_000  # ms: the first call of each kind traces the model (warm-up is off)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@contextlib.contextmanager
def serving(pipeline, data_dir, **settings):
    """The app around `pipeline` under uvicorn on a free 127.0.0.1 port; yields its base URL."""
    settings.setdefault("warmup", False)
    app = create_app(Settings(data_dir=str(data_dir), **settings), pipeline=pipeline)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not (server.started and app.state.service.ready):
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)


@contextlib.contextmanager
def chromium():
    """A headless Debian chromium under Playwright."""
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM) and os.environ.get("SIMSERVICE_SKIP_BROWSER"):
        pytest.skip(f"{CHROMIUM} is missing and scripts/test could not install it (it needs root)")
    assert os.path.exists(CHROMIUM), f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class OfflinePage:
    """A fresh page of `browser` that may reach `base` only: anything else is refused and
    recorded in `outside`, and uncaught script errors in `errors`."""

    def __init__(self, browser, base: str, locale: str = "en-US"):
        self.context = browser.new_context(locale=locale, viewport={"width": 1100, "height": 820})
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.base = base

    def _route(self, route):
        if route.request.url.startswith(self.base + "/"):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def close(self):
        self.context.close()


def screenshot(page, name: str) -> None:
    """Writes <name>.png under $SIMSERVICE_SCREENSHOTS when it is set (e.g. docs/playground)."""
    folder = os.environ.get("SIMSERVICE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def shown_bars(page, selector: str) -> list[tuple[str, float]]:
    rows = page.locator(f"{selector} .bars li")
    return [(rows.nth(i).locator(".label").inner_text(), float(rows.nth(i).locator(".value").inner_text()))
            for i in range(rows.count())]


def submit(page, form: str, path: str, button: str = "button[type=submit]") -> dict:
    """Clicks the form's submit button and answers the body of the service's answer to `path`."""
    with page.expect_response(lambda r: r.url.endswith(path) and r.request.method != "GET",
                              timeout=MODEL_WAIT) as answer:
        page.locator(f"{form} {button}").click()
    return answer.value.json()


