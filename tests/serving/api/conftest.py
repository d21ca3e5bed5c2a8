"""Fixtures of the playground's browser tests: the demo model, one headless chromium per module,
and offline pages that fail the test on a script error or a request leaving the service."""

from __future__ import annotations

import pytest
from tests.serving.api.browser import DEMO, OfflinePage, chromium

from simservice import load_model

@pytest.fixture(scope="module")
def demo():
    return load_model(DEMO)


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture
def offline(browser):
    pages = []

    def open_page(base: str) -> OfflinePage:
        pages.append(OfflinePage(browser, base))
        return pages[-1]

    yield open_page
    for page in pages:
        assert page.errors == [], page.errors
        assert page.outside == [], f"the page reached outside the service: {page.outside}"
        page.close()
