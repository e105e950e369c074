"""Saved insights in a real browser: save a quote from search results, open the insight, export it.

Reuses the server, browser and page fixtures of ``test_browser.py`` (a real ``insights serve`` with the
bundled model, seeded with ``examples/sample``); skipped like it when Chromium is missing.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("playwright.sync_api", reason="the browser tests need the playwright package")

import test_browser as shared  # noqa: E402
from playwright.sync_api import Page, expect  # noqa: E402

# The same fixtures as test_browser.py: pytest finds fixtures by name in the module.
server, browser, context, page = shared.server, shared.browser, shared.context, shared.page

pytestmark = pytest.mark.browser

QUESTION = "why does clock-in say I am outside the work area?"
TITLE = "Geofence rejects clock-ins at the door"


def test_save_a_quote_into_a_new_insight_open_it_and_export_it(page: Page, server: str, tmp_path: Path) -> None:
    page.goto(shared.search_url(server, QUESTION))
    first = page.locator("ol.hits > li.hit").first
    quote = " ".join(first.locator(".quote").inner_text().split())
    source = first.locator("a.source").inner_text()

    save = first.locator("details.save-quote")
    save.locator("summary").click()
    expect(save.get_by_role("combobox")).to_have_value("new")
    save.get_by_label("Title of a new insight").fill(TITLE)
    shared.shoot(page, "save-quote.png")
    save.get_by_role("button", name="Save quote").click()
    page.wait_for_url(re.compile(r"/\?q="))
    expect(page.locator(".flash")).to_have_text(f"Quote saved to “{TITLE}” (1 quote).")
    # The next card now offers the new insight to attach more quotes to.
    expect(page.locator("ol.hits > li.hit").nth(1).locator("select[name=insight] option").nth(1)).to_have_text(TITLE)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Insights").click()
    page.get_by_role("link", name=TITLE).click()
    page.wait_for_url(re.compile(r"/insights/\d+$"))
    expect(page.locator("h1")).to_have_text(TITLE)
    card = page.locator("li.evidence")
    expect(card).to_have_count(1)
    expect(card.locator(".evidence-status")).to_have_text("Status: ok")
    expect(card.locator("a.source")).to_have_text(source)
    assert " ".join(card.locator(".quote").inner_text().split()) == quote
    shared.shoot(page, "insight.png")

    with page.expect_download() as download:
        page.get_by_role("link", name="Export Markdown").click()
    path = tmp_path / "insight.md"
    download.value.save_as(path)
    markdown = path.read_text(encoding="utf-8")
    assert markdown.startswith(f"# {TITLE}\n")
    assert re.search(rf"^\[\^1\]: “{re.escape(quote)}” — {re.escape(source)} · ", markdown, re.M), markdown
