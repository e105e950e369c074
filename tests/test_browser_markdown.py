"""Markdown and transcripts in a real browser: bold shows as bold, Copy puts plain words on the clipboard, and a
transcript's page names who spoke when. The app runs as ``insights serve`` with the hashing embedder."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote_plus

import pytest
from test_server import call, server, upload  # noqa: F401 (server is a fixture)

pytest.importorskip("playwright.sync_api", reason="the browser tests need the playwright package")

from playwright.sync_api import expect, sync_playwright  # noqa: E402
from test_browser import CHROMIUM, LAUNCH_ARGS  # noqa: E402

pytestmark = pytest.mark.browser

NOTE = b"# Kiosk\n\nThe **kiosk** froze twice.\n\n- Clock-in took *minutes*\n- Staff queued at the kiosk\n"
TRANSCRIPT = (b"WEBVTT\n\n00:00:03.000 --> 00:00:08.000\n<v Priya Raman>What happened at the kiosk?\n\n"
              b"00:01:09.000 --> 00:01:15.000\n<v Dev Patel>The kiosk froze and everyone waited.\n")


def test_a_markdown_card_shows_bold_copies_plain_words_and_a_transcript_shows_its_turns(
        server: tuple[str, Path]) -> None:  # noqa: F811 (the imported fixture)
    base, _ = server
    upload(base, "kiosk.md", NOTE)
    transcript = upload(base, "kiosk-call.vtt", TRANSCRIPT)["jobs"][0]["document_id"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
        page = context.new_page()
        page.goto(f"{base}/?q={quote_plus('kiosk froze')}&mode=keyword")
        card = page.locator("li.hit", has=page.locator(".quote", has_text="froze twice"))
        expect(card.locator(".quote strong")).to_have_text("kiosk")
        expect(card.locator(".quote li")).to_have_count(2)
        card.locator("button.copy").click()
        expect(card.locator("button.copy")).to_have_text("Copied")
        clipboard = page.evaluate("navigator.clipboard.readText()")
        assert "The kiosk froze twice.\nClock-in took minutes\nStaff queued at the kiosk" in clipboard
        assert "**" not in clipboard and "- " not in clipboard and "*minutes*" not in clipboard

        page.goto(f"{base}/documents/{transcript}")
        turns = page.locator("article.transcript li.turn")
        expect(turns.locator(".speaker")).to_have_text(["Priya Raman", "Dev Patel"])
        expect(turns.locator("time")).to_have_text(["00:00:03", "00:01:09"])
        expect(turns.nth(1).locator(".turn-text")).to_have_text("The kiosk froze and everyone waited.")
        assert json.loads(call(f"{base}/api/v1/documents/{transcript}")[2])["document"]["format"] == "vtt"
        browser.close()
