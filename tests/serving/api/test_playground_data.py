"""The playground's data screens in chromium against the real server: uploads through the server's
dataset reader (a malformed CSV stores nothing and names its line; a GBK CSV saved by Excel stores
the right text, written by a background job whose progress bar the page shows to its end), the filter builder (AND / OR / NOT, in / not in, ranges) and its JSON mode, the
Items screen (page through, delete one, delete by filter) and the Snapshots screen (create,
download, restore, delete), which is hidden where the index backend has no snapshots."""

from __future__ import annotations

import json
import re

import httpx
from playwright.sync_api import expect
from tests.serving.api.browser import DEMO, MODEL_WAIT, serving, submit

QUESTIONS = ["花呗怎么开通", "如何开通花呗", '花呗额度，"怎么"提升', "花呗逾期会怎样", "借呗怎么还款", "借呗利息多少",
             "余额宝收益怎么算", "余额宝怎么转出", "信用卡怎么还款", "明天上海下雨吗", "今天气温多少度", "周末适合出去玩吗",
             "火锅怎么做好吃", "红烧肉的做法", "北京有什么好玩的", "怎么学好英语", "如何快速入睡", "手机没信号怎么办",
             "电脑开不了机", "花呗可以提现吗", "余额宝安全吗", "借呗能提前还吗", "明天北京天气", "怎么做蛋炒饭"]
TOPICS = ["huabei", "jiebei", "yuebao", "other"]


def topic(text: str) -> str:
    return "huabei" if "花呗" in text else "jiebei" if "借呗" in text else "yuebao" if "余额宝" in text else "other"


def excel_csv() -> bytes:
    """The file as Excel in China saves "CSV": GBK, CRLF, quotes where a cell holds a comma or a quote."""
    lines = ["id,text,topic,rank"] + [f'q{i:02d},"{q.replace(chr(34), 2 * chr(34))}",{topic(q)},{i}'
                                      for i, q in enumerate(QUESTIONS)]
    return ("\r\n".join(lines) + "\r\n").encode("gbk")


def stored(base: str, name: str) -> dict:
    lines = httpx.get(f"{base}/collections/{name}/export").text.splitlines()
    return {r["id"]: (r["text"], r["metadata"]) for r in map(json.loads, lines)}


def upload(page, name: str, body: bytes, mime: str = "text/csv"):
    page.set_input_files("#upload-form [name=file]", files=[{"name": name, "mimeType": mime, "buffer": body}])
    with page.expect_response(lambda r: "/items/upload" in r.url, timeout=MODEL_WAIT) as answer:
        page.click("#upload-form button[type=submit]")
    return answer.value


def test_uploads_filters_items_and_snapshots(demo, offline, tmp_path):
    with serving(demo, tmp_path, model=str(DEMO)) as base:
        httpx.post(base + "/collections", json={"name": "faq"}).raise_for_status()
        page = offline(base).page
        page.goto(base + "/#search")
        expect(page.locator("#upload-form [name=file]")).to_have_attribute("accept", re.compile(r"^\.csv,\.tsv,\.jsonl,\.txt"))
        page.select_option("#search-form [name=collection]", "faq")
        check_uploads(page, base)
        check_filters(page)
        check_items(page, base)
        check_snapshots(page, base)


def check_uploads(page, base):
    unclosed = 'id,text,topic\r\na1,好的,x\r\na2,"没有闭合的引号,x\r\na3,第三行,x\r\n'.encode("gbk")
    answer = upload(page, "broken.csv", unclosed)
    assert answer.status == 422
    error = page.locator("#tab-search .add-error")
    expect(error).to_contain_text("broken.csv: line 3: a quoted field opened in this row is never closed")
    assert stored(base, "faq") == {}
    bad_rows = "id,text,topic\na1,好的,x\na2,,x\na1,重复,x\n".encode()
    assert upload(page, "rows.csv", bad_rows).status == 422
    expect(error).to_contain_text("2 bad rows in rows.csv, nothing written (line 3: empty text; line 4: duplicate id")
    assert stored(base, "faq") == {}

    page.set_input_files("#upload-form [name=file]", files=[{"name": "faq.xlsx", "mimeType": "application/zip",
                                                               "buffer": b"PK"}])
    page.click("#upload-form button[type=submit]")  # refused in the page: nothing sent
    expect(error).to_have_text("faq.xlsx: the playground reads .csv, .tsv, .jsonl, .txt files")
    page.evaluate("""() => {  // every value the bar shows, as a screen reader reads it
        window.barValues = [];
        new MutationObserver(() => window.barValues.push(document.querySelector('#upload-form progress')
            .getAttribute('aria-valuenow'))).observe(document.querySelector('#upload-form progress'),
                                                     {attributes: true, attributeFilter: ['aria-valuenow']});
    }""")
    answer = upload(page, "faq.csv", excel_csv())
    assert answer.status == 202, answer.text()  # every row checked; a job stores them
    job = answer.json()
    assert job["kind"] == "upload" and job["rows"] == len(QUESTIONS)
    expect(page.locator("#tab-search .add-ok")).to_have_text(
        f"stored all {len(QUESTIONS)} rows of faq.csv in faq ({len(QUESTIONS)} new, 0 replaced)", timeout=MODEL_WAIT)
    bar = page.locator("#upload-form progress")
    expect(bar).to_be_visible()
    expect(bar).to_have_attribute("aria-valuenow", str(len(QUESTIONS)))
    expect(bar).to_have_attribute("aria-valuemax", str(len(QUESTIONS)))
    expect(bar).to_have_attribute("aria-valuetext", f"faq.csv: {len(QUESTIONS)} of {len(QUESTIONS)} rows stored")
    seen = [int(v) for v in page.evaluate("window.barValues")]
    assert seen == sorted(seen) and seen[-1] == len(QUESTIONS), seen
    assert httpx.get(f"{base}/jobs/{job['id']}").json()["status"] == "done"
    expect(page.locator("#upload-form .cancel-upload")).to_be_hidden()
    expect(error).to_be_hidden()
    items = stored(base, "faq")
    assert items["q02"] == ('花呗额度，"怎么"提升', {"topic": "huabei", "rank": 2})
    assert {i: text for i, (text, _) in items.items()} == {f"q{i:02d}": q for i, q in enumerate(QUESTIONS)}
    assert all(meta["rank"] == int(i[1:]) for i, (_, meta) in items.items())


def search_texts(page) -> list[str]:
    body = submit(page, "#search-form", "/similar")
    return sorted(hit["text"] for hit in body["result"])


def check_filters(page):
    page.fill("#search-form [name=text]", "怎么还款")
    page.fill("#search-form [name=k]", "30")
    root = page.locator("#search-form .filter-group").first
    root.locator(":scope > .row [name=filter-combine]").select_option("or")
    root.locator(":scope > .row .add-filter").click()
    first = root.locator(".filter-row").nth(0)
    first.locator("[name=filter-key]").fill("topic")
    first.locator("[name=filter-op]").select_option("in")
    first.locator("[name=filter-value]").fill("jiebei, yuebao")
    root.locator(":scope > .row .add-group").click()
    inner = root.locator(".filter-group").first
    inner.locator("[name=filter-not]").check()
    inner.locator(".add-filter").click()
    inner.locator(".add-filter").click()
    rows = inner.locator(".filter-row")
    rows.nth(0).locator("[name=filter-key]").fill("rank")
    rows.nth(0).locator("[name=filter-op]").select_option("lt")
    rows.nth(0).locator("[name=filter-value]").fill("20")
    rows.nth(1).locator("[name=filter-key]").fill("topic")
    rows.nth(1).locator("[name=filter-op]").select_option("nin")
    rows.nth(1).locator("[name=filter-value]").fill("huabei, other")
    expected = {"or": [{"topic": {"in": ["jiebei", "yuebao"]}},
                       {"not": {"and": [{"rank": {"lt": 20}}, {"topic": {"nin": ["huabei", "other"]}}]}}]}
    want = sorted(q for i, q in enumerate(QUESTIONS)
                  if topic(q) in ("jiebei", "yuebao") or not (i < 20 and topic(q) not in ("huabei", "other")))
    assert search_texts(page) == want
    assert json.dumps(expected, separators=(",", ":"), ensure_ascii=False) in \
        page.locator("#tab-search details.curl pre").text_content()

    toggle = page.locator("#search-form .json-toggle")
    toggle.click()  # the builder as JSON, and back: the same filter
    box = page.locator("#search-form .filter-json")
    assert json.loads(box.input_value()) == expected
    edited = {"and": [{"topic": "huabei"}, {"rank": {"gte": 3, "lte": 19}}]}
    box.fill(json.dumps(edited))
    assert search_texts(page) == sorted(q for i, q in enumerate(QUESTIONS) if topic(q) == "huabei" and 3 <= i <= 19)
    toggle.click()
    expect(root.locator(".filter-row")).to_have_count(3)
    toggle.click()
    assert json.loads(box.input_value()) == {"and": [{"topic": "huabei"}, {"and": [{"rank": {"gte": 3}},
                                                                                    {"rank": {"lte": 19}}]}]}
    box.fill("{not json")
    page.click("#search-form button[type=submit]")
    expect(page.locator("#tab-search > .error").first).to_contain_text("the filter is not valid JSON")
    box.fill("")
    toggle.click()


def check_items(page, base):
    page.click("[data-tab=items]")
    page.select_option("#items-form [name=collection]", "faq")
    page.click("#items-form button[type=submit]")
    table = page.locator("#items-table")
    expect(table.locator("caption")).to_have_text(f"items 1–20 of {len(QUESTIONS)}")
    ids = sorted(stored(base, "faq"))
    expect(table.locator("tbody tr")).to_have_count(20)
    assert table.locator("tbody tr td:first-child").all_inner_texts() == ids[:20]
    expect(table.locator("tr[data-id=q02] td").nth(1)).to_have_text('花呗额度，"怎么"提升')
    expect(table.locator("tr[data-id=q02] .chip")).to_have_text(["rank: 2", "topic: huabei"])
    page.click("#tab-items .next")
    expect(table.locator("caption")).to_have_text(f"items 21–{len(QUESTIONS)} of {len(QUESTIONS)}")
    assert table.locator("tbody tr td:first-child").all_inner_texts() == ids[20:]
    expect(page.locator("#tab-items .next")).to_be_disabled()
    page.click("#tab-items .prev")

    page.once("dialog", lambda d: d.accept())
    delete = table.locator("tr[data-id=q00] button.danger")
    expect(delete).to_have_attribute("aria-label", "delete q00")
    delete.click()
    expect(page.locator("#tab-items .items-ok")).to_have_text("deleted 1 item")
    expect(table.locator("tr[data-id=q00]")).to_have_count(0)
    assert "q00" not in stored(base, "faq")

    form = page.locator("#delete-filter-form")
    form.locator(".add-filter").click()
    form.locator("[name=filter-key]").fill("topic")
    form.locator("[name=filter-value]").fill("other")
    page.once("dialog", lambda d: d.accept())
    form.locator("button[type=submit]").click()
    others = [q for q in QUESTIONS[1:] if topic(q) == "other"]
    expect(page.locator("#tab-items .items-ok")).to_have_text(f"deleted {len(others)} items")
    left = len(QUESTIONS) - 1 - len(others)
    expect(table.locator("caption")).to_have_text(f"items 1–{min(20, left)} of {left}")
    assert all(meta["topic"] != "other" for _, meta in stored(base, "faq").values())


def check_snapshots(page, base):
    tab = page.locator("[role=tab][data-tab=snapshots]")
    expect(tab).to_be_visible()
    tab.click()
    page.select_option("#snapshots-form [name=collection]", "faq")
    before = stored(base, "faq")
    page.click("#snapshots-form button[type=submit]")
    row = page.locator("#snapshots-table tbody tr[data-name]")
    expect(row).to_have_count(1)
    name = row.get_attribute("data-name")
    expect(page.locator("#tab-snapshots .snapshots-ok")).to_have_text(f"created snapshot {name}")
    with page.expect_download() as download:
        row.locator("button.download").click()
    assert download.value.suggested_filename == name
    path = download.value.path()
    assert path.read_bytes() == httpx.get(f"{base}/collections/faq/snapshots/{name}").content

    httpx.post(f"{base}/collections/faq/items/delete", json={"filter": {"topic": "huabei"}}).raise_for_status()
    assert stored(base, "faq") != before
    page.once("dialog", lambda d: d.accept())
    row.locator("button.restore").click()
    expect(page.locator("#tab-snapshots .snapshots-ok")).to_have_text(f"restored faq: {len(before)} items")
    assert stored(base, "faq") == before

    page.once("dialog", lambda d: d.accept("faq-copy"))
    row.locator("button.restore-as").click()
    expect(page.locator("#tab-snapshots .snapshots-ok")).to_have_text(f"restored faq-copy: {len(before)} items")
    assert stored(base, "faq-copy") == before
    page.once("dialog", lambda d: d.accept("faq-copy"))
    row.locator("button.restore-as").click()
    expect(page.locator("#tab-snapshots > .error").first).to_contain_text("collection 'faq-copy' exists")

    page.once("dialog", lambda d: d.accept())
    row.locator("button.danger").click()
    expect(page.locator("#tab-snapshots .snapshots-ok")).to_have_text(f"deleted snapshot {name}")
    expect(page.locator("#snapshots-table tbody")).to_have_text("no snapshots yet")


def test_no_snapshots_tab_where_the_backend_has_none(demo, offline, tmp_path):
    with serving(demo, tmp_path, model=str(DEMO), index="memory://") as base:
        assert httpx.get(base + "/info").json()["index_capabilities"] == []
        page = offline(base).page
        page.goto(base + "/#snapshots")
        expect(page.locator("#model-line")).to_contain_text("demo")
        expect(page.locator("[role=tab][data-tab=snapshots]")).to_be_hidden()
        expect(page.locator("#tab-snapshots")).to_be_hidden()
        expect(page.locator("[role=tab][aria-selected=true]")).to_have_text("Paraphrase")
