"""Every tab of the playground, in English and Chinese, at desktop width and at 360 px (a small
phone): no sideways scroll (long strings wrap), and no serious or critical axe-core violation.

SIMSERVICE_SCREENSHOTS=docs/playground writes each tab at both sizes (Chinese needs a CJK font on
the machine, e.g. `apt-get install fonts-wqy-microhei`).
"""

from __future__ import annotations

import httpx
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from tests.serving.api.browser import DEMO, MODEL_WAIT, screenshot, serving, submit

TABS = ["paraphrase", "compare", "search", "items", "collections", "snapshots", "status"]
SIZES = {"desktop": {"width": 1100, "height": 820}, "phone": {"width": 360, "height": 740}}
LONG = "花呗怎么开通" * 40 + "x" * 400  # no space to break at


def seed(base: str) -> None:
    lines = ["id,text,topic", "q1,花呗怎么开通,huabei", "q2,如何开通花呗,huabei", "q3,借呗怎么还款,jiebei",
             "q4,明天上海下雨吗,weather", f"a-very-long-id-{'x' * 100},一个很长的编号,{'y' * 300}"]
    answer = httpx.post(f"{base}/collections/default/items/upload", params={"format": "csv"},
                        content="\n".join(lines).encode(), timeout=60)
    assert answer.status_code == 200, answer.text
    httpx.post(f"{base}/collections/default/snapshots", timeout=60).raise_for_status()


def fill(page) -> None:
    """Results on the tabs that show some, so the checks see them too (and one long error)."""
    page.goto(page.url.split("#")[0] + "#paraphrase")
    page.fill("#paraphrase-form textarea", "明天会下雨吗")
    page.fill("#paraphrase-form [name=n]", "8")
    page.fill("#paraphrase-form [name=k]", "4")
    page.fill("#paraphrase-form [name=seed]", "1")
    submit(page, "#paraphrase-form", "/paraphrase")
    page.click("[data-tab=compare]")
    page.fill("#compare-form [name=source]", "怎么开通花呗")
    page.fill("#compare-form [name=targets]", "花呗怎么开通\n北京明天天气如何\n如何开通花呗")
    submit(page, "#compare-form", "/similarity")
    page.click("[data-tab=search]")
    page.fill("#search-form [name=text]", "花呗如何开通")
    page.locator("#search-form .add-filter").click()
    page.fill("#search-form [name=filter-key]", "topic")
    page.select_option("#search-form [name=filter-op]", "in")
    page.fill("#search-form [name=filter-value]", "huabei, jiebei")
    submit(page, "#search-form", "/similar")
    page.click("[data-tab=items]")
    expect(page.locator("#items-table tbody tr")).to_have_count(5, timeout=MODEL_WAIT)
    page.click("[data-tab=snapshots]")
    expect(page.locator("#snapshots-table tbody tr[data-name]")).to_have_count(1)


def open_tab(page, name: str) -> None:
    page.click(f"[data-tab={name}]")
    expect(page.locator(f"#tab-{name}")).to_be_visible()
    expect(page.locator(f"#tab-{name}[aria-busy=true]")).to_have_count(0, timeout=MODEL_WAIT)


def sideways(page) -> int:
    """How far the page scrolls sideways (0 when it fits the window)."""
    return page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_every_tab_fits_a_phone_and_passes_axe_in_both_languages(demo, offline, tmp_path):
    axe = Axe()
    with serving(demo, tmp_path, model=str(DEMO)) as base:
        seed(base)
        page = offline(base).page
        page.goto(base + "/")
        expect(page.locator("[role=tab][data-tab=snapshots]")).to_be_visible()
        fill(page)
        problems = []
        for language in ("en", "zh"):
            if language == "zh":
                page.click("#lang")
                expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
            for size, viewport in SIZES.items():
                page.set_viewport_size(viewport)
                for name in TABS:
                    open_tab(page, name)
                    if sideways(page) > 0:
                        problems.append(f"{name} {language} {size}: scrolls {sideways(page)} px sideways")
                    for violation in axe.run(page).response["violations"]:
                        if violation["impact"] in ("serious", "critical"):
                            targets = [node["target"] for node in violation["nodes"]][:3]
                            problems.append(f"{name} {language} {size}: {violation['id']} {targets}")
                    screenshot(page, name + ("-zh" if language == "zh" else "") + ("-phone" if size == "phone" else ""))
        page.click("[data-tab=search]")  # long strings in an error and in the results wrap
        page.fill("#search-form [name=filter-key]", LONG)  # the key comes back in the error
        submit(page, "#search-form", "/similar")
        expect(page.locator("#tab-search > .error").first).to_contain_text("x" * 100)
        page.click("[data-tab=compare]")
        page.fill("#compare-form [name=targets]", f"花呗怎么开通\n{LONG}")
        submit(page, "#compare-form", "/similarity")
        for name in ("search", "compare", "items"):
            open_tab(page, name)
            if sideways(page) > 0:
                problems.append(f"{name} with long strings: scrolls {sideways(page)} px sideways")
        assert problems == [], "\n".join(problems)
