"""The playground at / in a real browser (Debian's chromium, headless, under Playwright) against
the real server on the demo model: paraphrase, compare, create a collection, add and upload
items, search with a filter, drop the collection, the status charts, the language switch, and
the API key. What the page shows is checked against the service's own answers.
The screenshots in docs/playground come from test_playground_access.py.
"""

from __future__ import annotations

import json
import re
import subprocess

import httpx
import pytest
from playwright.sync_api import expect
from tests.paths import ROOT
from tests.serving.api.browser import DEMO, MODEL_WAIT, serving, shown_bars, submit

from simservice import load_model


def test_every_tab_against_the_demo_model(demo, offline, tmp_path):
    with serving(demo, tmp_path, model=str(DEMO), max_client_batch_size=8) as base:
        tab = offline(base)
        page = tab.page
        page.goto(base + "/")
        expect(page.locator("body[data-ready=true]")).to_be_attached()
        expect(page.locator("[role=tab][aria-selected=true]")).to_have_text("Paraphrase")
        expect(page.locator("#banner")).to_be_hidden()
        expect(page.locator("#model-line")).to_contain_text("small demo model")
        card = page.locator("#model-line a")
        assert httpx.get(base + "/" + card.get_attribute("href")).text == (DEMO / "README.md").read_text(encoding="utf-8")
        expect(page.locator("a.docs-link")).to_have_attribute("href", "docs")
        page.locator("[role=tab][aria-selected=true]").focus()  # the tabs pattern: arrows move and open
        page.keyboard.press("ArrowRight")
        expect(page.locator("#tab-compare")).to_be_visible()
        expect(page.locator("#tab-button-compare")).to_be_focused()
        page.keyboard.press("End")
        expect(page.locator("#tab-button-status")).to_have_attribute("aria-selected", "true")
        page.keyboard.press("Home")
        expect(page.locator("#tab-paraphrase")).to_be_visible()
        assert page.locator("[role=tab][tabindex='0']").count() == 1

        check_paraphrase(page)
        check_compare(page)
        check_collections_and_search(page, demo.dim)
        check_status(page, demo)
        check_language(page, base)


def check_paraphrase(page):
    form = "#paraphrase-form"
    page.fill(f"{form} textarea", "明天会下雨吗")
    for name, value in {"n": "16", "k": "5", "seed": "7"}.items():
        page.fill(f"{form} [name={name}]", value)
    body = submit(page, form, "/paraphrase")
    assert "result" in body, body
    expected = [(p["text"], round(p["score"], 3)) for p in body["result"]]
    assert 1 <= len(expected) <= 5
    expect(page.locator("#paraphrase-results .bars li")).to_have_count(len(expected))
    shown = shown_bars(page, "#paraphrase-results")
    assert shown == expected
    assert [s for _, s in shown] == sorted((s for _, s in shown), reverse=True)
    copies = page.locator("#paraphrase-results .bars li button.copy")
    assert copies.count() == len(expected)
    assert [copies.nth(i).get_attribute("aria-label") for i in range(len(expected))] == [
        f"copy “{text}”" for text, _ in expected]
    expect(page.locator("#paraphrase-results")).to_have_attribute("aria-live", "polite")

    page.click("#tab-paraphrase details.curl summary")
    curl = page.locator("#tab-paraphrase details.curl pre").inner_text()
    assert "/paraphrase" in curl and '"seed":7' in curl and "Authorization" not in curl
    run = subprocess.run(["bash", "-c", curl], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert len(json.loads(run.stdout)["result"]) == len(expected)

    page.fill(f"{form} [name=k]", "20")  # more than n: the service's message is shown as it is
    body = submit(page, form, "/paraphrase")
    error = page.locator("#tab-paraphrase > .error")
    expect(error).to_be_visible()
    expect(error.locator(".error-message")).to_have_text(body["error"])
    assert "k=20" in body["error"]
    expect(error.locator(".error-type")).to_have_text("422 invalid_request")
    expect(error.locator(".error-summary")).to_have_text("The request was refused:")
    page.fill(f"{form} [name=k]", "5")


def check_compare(page):
    page.click("[data-tab=compare]")
    targets = ["花呗怎么开通", "北京明天天气如何", "如何开通花呗", "我想吃火锅"]
    page.fill("#compare-form [name=source]", "怎么开通花呗")
    page.fill("#compare-form [name=targets]", "\n".join(targets[:2] + ["  "] + targets[2:]))  # blank lines skipped
    scores = submit(page, "#compare-form", "/similarity")["scores"]
    assert len(scores) == len(targets)
    expect(page.locator("#compare-results .bars li")).to_have_count(len(targets))
    expected = sorted(((t, round(s, 3)) for t, s in zip(targets, scores)), key=lambda row: -row[1])
    assert shown_bars(page, "#compare-results") == expected


def check_collections_and_search(page, dim):
    page.click("[data-tab=collections]")
    expect(page.locator("#collections-table tr[data-name=default]")).to_be_visible()
    page.fill("#create-form [name=name]", "playground_test")
    page.select_option("#create-form [name=index]", "hnsw")
    expect(page.locator("#create-form [name=nlist]")).to_be_hidden()
    page.fill("#create-form [name=m]", "16")
    created = submit(page, "#create-form", "/collections")
    assert created["index"] == "hnsw" and created["index_params"]["m"] == 16
    row = page.locator("#collections-table tr[data-name=playground_test]")
    expect(row).to_be_visible()
    cells = row.locator("td")
    assert cells.nth(1).inner_text() == "0" and cells.nth(2).inner_text() == str(dim)
    assert cells.nth(3).inner_text().startswith("hnsw (") and "m=16" in cells.nth(3).inner_text()

    page.click("[data-tab=search]")
    page.select_option("#search-form [name=collection]", "playground_test")
    page.fill("#add-form [name=id]", "hand-1")
    page.fill("#add-form [name=text]", "北京明天天气如何")
    page.fill("#add-form [name=metadata]", '{"topic": "weather"}')
    assert submit(page, "#add-form", "/items")["upserted"] == 1
    expect(page.locator("#tab-search .add-ok")).to_have_text("added 1 item to playground_test")

    questions = ["花呗怎么开通", "如何开通花呗", "花呗额度怎么提升", "花呗逾期会怎样", "借呗怎么还款", "借呗利息多少",
                 "余额宝收益怎么算", "余额宝怎么转出", "信用卡怎么还款", "明天上海下雨吗", "今天气温多少度",
                 "周末适合出去玩吗", "火锅怎么做好吃", "红烧肉的做法", "北京有什么好玩的", "怎么学好英语", "如何快速入睡",
                 "手机没信号怎么办", "电脑开不了机", "花呗可以提现吗"]
    lines = ["id,text,topic,rank"] + [f'q{i},"{q}",{"huabei" if "花呗" in q else "other"},{i}'
                                      for i, q in enumerate(questions)]
    page.set_input_files("#upload-form [name=file]", files=[
        {"name": "faq.csv", "mimeType": "text/csv", "buffer": "\n".join(lines).encode()}])
    page.click("#upload-form button[type=submit]")
    total = len(questions)
    expect(page.locator("#tab-search .add-ok")).to_have_text(
        f"stored all {total} rows of faq.csv in playground_test ({total} new, 0 replaced)", timeout=MODEL_WAIT)

    page.fill("#search-form [name=text]", "花呗如何开通")
    page.fill("#search-form [name=k]", "5")
    hits = submit(page, "#search-form", "/similar")["result"]
    assert len(hits) == 5
    expect(page.locator("#search-results .bars li")).to_have_count(5)
    assert shown_bars(page, "#search-results") == [(h["text"], round(h["score"], 3)) for h in hits]
    assert page.locator("#search-results .bars li .meta code").all_inner_texts() == [h["id"] for h in hits]

    page.click("#search-form .add-filter")
    page.fill("#search-form [name=filter-key]", "topic")
    page.fill("#search-form [name=filter-value]", "huabei")
    hits = submit(page, "#search-form", "/similar")["result"]
    huabei = [q for q in questions if "花呗" in q]
    assert sorted(h["text"] for h in hits) == sorted(huabei)
    expect(page.locator("#search-results .bars li")).to_have_count(len(huabei))
    expect(page.locator("#search-results .chip", has_text="topic: huabei")).to_have_count(len(huabei))
    page.click("#search-form .add-filter")  # a second row: a range on a number, ANDed with the first
    second = page.locator("#search-form .filter-row").nth(1)
    second.locator("[name=filter-key]").fill("rank")
    second.locator("[name=filter-op]").select_option("gte")
    second.locator("[name=filter-value]").fill("3")
    hits = submit(page, "#search-form", "/similar")["result"]
    assert sorted(h["text"] for h in hits) == sorted(q for i, q in enumerate(questions) if "花呗" in q and i >= 3)
    assert '"rank":{"gte":3}' in page.locator("#tab-search details.curl pre").text_content()

    page.click("[data-tab=collections]")
    row = page.locator("#collections-table tr[data-name=playground_test]")
    expect(row.locator("td").nth(1)).to_have_text(str(total + 1))
    dialogs = []
    page.once("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    row.locator("button.danger").click()
    expect(row).to_be_visible()  # dismissed: still there
    page.once("dialog", lambda d: (dialogs.append(d.message), d.accept()))
    row.locator("button.danger").click()
    expect(row).to_have_count(0)
    expect(page.locator("#tab-collections .collections-ok")).to_contain_text("playground_test")
    assert all("playground_test" in m and str(total + 1) in m for m in dialogs) and len(dialogs) == 2
    expect(page.locator("#search-form [name=collection] option")).to_have_text(["default"])


def check_status(page, demo):
    page.click("[data-tab=status]")
    expect(page.locator("[data-fact=dim]")).to_have_text(str(demo.dim))
    expect(page.locator("[data-fact=layers]")).to_have_text(str(demo.config.num_layers))
    expect(page.locator("[data-fact=model]")).to_have_text(re.compile(r"models/demo$"))
    expect(page.locator("[data-fact=ready]")).to_have_text("ok")
    expect(page.locator("#chart-latency[data-points='2']")).to_be_attached(timeout=10_000)
    batches = page.locator("#chart-batch + output").inner_text()
    assert int(re.search(r"(\d+) batches", batches)[1]) > 0, batches
    assert page.locator("#chart-queue polyline").count() == 1
    assert page.locator("#batch-histogram .bars li").count() > 0


def check_language(page, base):
    page.click("[data-tab=paraphrase]")
    english = page.locator("[role=tab]").all_inner_texts()
    page.click("#lang")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    chinese = page.locator("[role=tab]").all_inner_texts()
    assert all(re.search(r"[\u4e00-\u9fff]", label) for label in chinese) and chinese != english
    expect(page.locator("#lang")).to_have_text("English")
    submit(page, "#paraphrase-form", "/paraphrase")
    expect(page.locator("#tab-paraphrase > .error")).to_be_hidden()
    expect(page.locator("#paraphrase-results .bars li").first).to_be_visible()
    page.goto(base + "/ui#compare")  # the choice and the tab in the URL survive a reload
    expect(page.locator("[role=tab][aria-selected=true]")).to_have_text(chinese[1])
    page.click("#lang")
    expect(page.locator("[role=tab]")).to_have_text(english)


def test_the_page_asks_for_the_key_and_stops_polling_until_it_works(demo, offline, tmp_path):
    with serving(demo, tmp_path, model=str(DEMO), api_key="s3cret") as base:
        page_answer = httpx.get(base + "/")  # the page itself needs no key, and may reach nothing else
        assert page_answer.status_code == 200 and "default-src 'self'" in page_answer.headers["content-security-policy"]
        missing = httpx.get(base + "/ui/static/nope.js")
        assert missing.status_code == 404 and set(missing.json()) == {"error", "error_type"}
        refused = httpx.get(base + "/collections").json()["error"]

        tab = offline(base)
        page = tab.page
        metrics = []
        page.on("request", lambda r: metrics.append(r.url) if r.url.endswith("/metrics") else None)
        page.goto(base + "/#status")
        asked = page.locator("#key-needed")
        expect(asked).to_have_text(re.compile("needs an API key"))
        expect(page.locator("#api-key")).to_be_focused()
        page.wait_for_timeout(5000)  # two polling periods: no request while the key is refused
        assert len(metrics) <= 1, metrics

        page.click("[data-tab=search]")
        expect(page.locator("#search-form-picker-hint")).to_have_text(re.compile("needs the API key"))
        page.click("[data-tab=collections]")
        error = page.locator("#tab-collections > .error")
        expect(error.locator(".error-message")).to_have_text(refused)
        expect(error.locator(".error-type")).to_have_text("401 unauthorized")
        page.click("#lang")
        expect(error.locator(".error-summary")).to_have_text("缺少 API 密钥或密钥错误。")
        page.click("#lang")

        page.fill("#api-key", "wrong")  # applied as typed, no Enter
        expect(asked).to_have_text(re.compile("was refused"))
        page.fill("#api-key", "s3cret")
        expect(page.locator("#collections-table tr[data-name=default]")).to_be_visible()
        expect(error).to_be_hidden()
        expect(asked).to_be_hidden()
        expect(page.locator("#model-line")).to_contain_text("small demo model")  # /info read once the key works
        storage = page.evaluate("() => [sessionStorage.getItem('simservice.apiKey'), JSON.stringify(localStorage)]")
        assert storage[0] == "s3cret" and "s3cret" not in storage[1]
        page.click("[data-tab=status]")
        expect(page.locator("#chart-queue[data-points='2']")).to_be_attached(timeout=10_000)  # polling again

        page.click("[data-tab=paraphrase]")
        page.fill("#paraphrase-form textarea", "今天天气怎么样")
        page.fill("#paraphrase-form [name=n]", "4")
        page.fill("#paraphrase-form [name=k]", "2")
        submit(page, "#paraphrase-form", "/paraphrase")
        expect(page.locator("#paraphrase-results .bars li").first).to_be_visible()
        page.click("#tab-paraphrase details.curl summary")
        curl = page.locator("#tab-paraphrase details.curl pre").inner_text()
        assert "Bearer $SIMSERVICE_API_KEY" in curl and "s3cret" not in curl


def test_warming_up_disables_the_buttons_until_ready(demo, offline, tmp_path):
    """/ready answers 503 (as while the model warms up): a friendly banner, every submit button off."""
    with serving(demo, tmp_path, model=str(DEMO)) as base:
        page = offline(base).page
        page.route("**/ready", lambda route: route.fulfill(status=503, content_type="application/json",
                                                           body='{"status": "warming up the model"}'))
        page.goto(base + "/#compare")
        banner = page.locator("#banner")
        expect(banner).to_have_text(re.compile(r"The model is warming up \(warming up the model\)"))
        expect(banner.locator(".spinner")).to_be_attached()
        assert "{" not in banner.inner_text()
        expect(page.locator("#compare-form button[type=submit]")).to_be_disabled()
        assert page.locator("main button[type=submit]:enabled").count() == 0
        page.unroute("**/ready")
        expect(banner).to_be_hidden(timeout=10_000)
        expect(page.locator("#compare-form button[type=submit]")).to_be_enabled()


def test_an_embedding_model_has_no_paraphrase_tab(offline, tmp_path):
    """On a model without a generator (the tiny e5), Paraphrase goes away and Compare opens first."""
    e5_dir = ROOT / "tests" / "fixtures" / "families" / "e5"
    with serving(load_model(e5_dir), tmp_path, model=str(e5_dir)) as base:
        page = offline(base).page
        page.goto(base + "/")
        expect(page.locator("[role=tab][data-tab=paraphrase]")).to_be_hidden()
        expect(page.locator("#tab-paraphrase")).to_be_hidden()
        expect(page.locator("[role=tab][aria-selected=true]")).to_have_text("Compare")
        page.goto(base + "/#paraphrase")
        expect(page.locator("[role=tab][aria-selected=true]")).to_have_text("Compare")
