"""Passage text as people read it: Markdown rendered safely with highlights in place, plain words to copy and
export, Markdown exports that keep their structure, and transcripts shown as turns."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from markdown_it import MarkdownIt

from insights import create_app

NOTE = """---
title: Pricing notes
kind: note
---
# Pricing

The **pricing** page confused everyone.

- Setup took a day; the *pricing* tiers were unclear
- See the [pricing guide](https://example.com/guide) first

> The pricing is steep, one owner said.

| plan | pricing |
|---|---|
| Team | 14 dollars a user |

<script>alert(1)</script> <img src=x onerror=alert(2)> [run](javascript:alert(3)) <javascript:alert(4)>
"""
#: A survey answer whose stray "*" and "-" are the respondent's characters, not Markdown.
SURVEY = 'id,response\n1,"* pricing - as a list? no, just **stars**"\n'
TRANSCRIPT = ("WEBVTT\n\n00:00:03.000 --> 00:00:08.000\n<v Priya Raman>How do you feel about the cost?\n\n"
              "00:00:09.000 --> 00:00:15.000\n<v Dev Patel>The pricing is fine but setup took forever.\n")
QUESTION = "How do you feel about the cost?"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    """Return an app over a Markdown note, a survey and a transcript whose turns carry roles and a prompt."""
    folder = tmp_path / "research"
    folder.mkdir()
    (folder / "pricing.md").write_text(NOTE, encoding="utf-8")
    (folder / "survey.csv").write_text(SURVEY, encoding="utf-8")
    (folder / "call.vtt").write_text(TRANSCRIPT, encoding="utf-8")
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "data"), "MODEL": "hashing",
                      "WTF_CSRF_ENABLED": False})
    repo = app.extensions["insights"]
    repo.ingest([folder])
    set_roles(repo.store.db)
    yield app
    repo.close()


def set_roles(db) -> None:  # type: ignore[no-untyped-def]
    """Give the transcript's turns the roles (and the answer its prompt) that speaker detection records."""
    rows = db.execute("SELECT p.id, p.locator FROM passages p JOIN documents d ON d.id = p.document_id "
                      "WHERE d.format = 'vtt' ORDER BY p.seq").fetchall()
    question, answer = [(row["id"], json.loads(row["locator"])) for row in rows]
    with db:
        db.execute("UPDATE passages SET locator = ? WHERE id = ?",
                   (json.dumps({**question[1], "role": "interviewer"}), question[0]))
        db.execute("UPDATE passages SET locator = ? WHERE id = ?",
                   (json.dumps({**answer[1], "role": "participant", "prompt": QUESTION}), answer[0]))


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """Return a test client."""
    return app.test_client()


def soup(html: bytes | str) -> BeautifulSoup:
    """Parse HTML."""
    return BeautifulSoup(html, "html.parser")


def card(client: FlaskClient, title: str, query: str = "pricing") -> BeautifulSoup:
    """Return the search page's quote card from the document with this title."""
    page = soup(client.get("/", query_string={"q": query, "mode": "keyword"}).data)
    return next(c for c in page.select("li.hit") if c.select_one("a.source").get_text() == title)


def assert_inert(html: BeautifulSoup) -> None:
    """Assert that rendered text holds no element that runs or loads anything, and no link but a web link."""
    assert not html.select("script, img, iframe, object, embed, svg, style"), html
    for tag in html.find_all(True):
        assert not any(name.startswith("on") for name in tag.attrs), tag
        for name in ("href", "src"):
            if tag.get(name):
                assert tag[name].startswith(("https://", "http://", "mailto:")), tag


# -- the quote card ------------------------------------------------------------------------------------------


def test_a_markdown_quote_is_rendered_with_the_query_words_marked_in_bold_list_and_link(client: FlaskClient) -> None:
    quote = card(client, "Pricing notes").select_one(".quote")
    assert quote.select_one("strong mark").get_text() == "pricing"  # **pricing**
    items = quote.select("ul > li")
    assert [m.get_text() for m in items[0].select("mark")] == ["pricing"]  # *pricing* inside a list item
    assert items[0].select_one("em mark").get_text() == "pricing"
    link = items[1].select_one("a")
    assert link["href"] == "https://example.com/guide" and link.select_one("mark").get_text() == "pricing"
    assert quote.find("blockquote").mark.get_text() == "pricing"
    assert quote.select_one("div.table-scroll > table th mark").get_text() == "pricing"
    # Every mark holds exactly a word of the question: none was shifted by the Markdown around it.
    assert {m.get_text().lower() for m in quote.select("mark")} == {"pricing"}
    assert "**" not in quote.get_text() and "- Setup" not in quote.get_text()


def test_hostile_markup_in_markdown_stays_text_on_cards_and_the_document_page(client: FlaskClient) -> None:
    quote = card(client, "Pricing notes").select_one(".quote")
    assert_inert(quote)
    assert "<script>alert(1)</script>" in quote.get_text()  # shown, not run
    assert "[run](javascript:alert(3))" in quote.get_text()
    document = soup(client.get(card(client, "Pricing notes").select_one("a.source")["href"]).data)
    article = document.select_one("article.document-text")
    assert_inert(article)
    assert article.select_one("strong").get_text() == "pricing"
    assert "<img src=x onerror=alert(2)>" in article.get_text()
    assert article.select_one(".passage.cited mark")  # the cited passage is still marked


def test_text_that_is_not_markdown_is_shown_as_written(client: FlaskClient) -> None:
    quote = card(client, "survey").select_one(".quote")
    assert quote.get_text() == "* pricing - as a list? no, just **stars**"
    assert not quote.select("ul, li, em, strong")
    assert [m.get_text() for m in quote.select("mark")] == ["pricing"]


def test_copy_carries_plain_words_with_their_line_breaks(client: FlaskClient) -> None:
    copied = card(client, "Pricing notes").select_one("button.copy")["data-copy"]
    for syntax in ("**", "\n- ", "\n> ", "*pricing*", "|"):
        assert syntax not in copied, syntax
    assert "The pricing page confused everyone.\nSetup took a day; the pricing tiers were unclear\n" in copied
    assert "See the pricing guide first" in copied
    assert "Team\t14 dollars a user" in copied  # a table row keeps its cells apart
    assert "<script>alert(1)</script>" in copied  # the words as written, though they look like HTML


def test_an_answer_shows_the_question_that_led_to_it_above_the_quote(client: FlaskClient) -> None:
    answer = card(client, "call")
    assert answer.select_one("p.asked").get_text(" ", strip=True) == f"Asked: {QUESTION}"
    assert QUESTION not in answer.select_one(".quote").get_text()
    assert QUESTION not in answer.select_one(".details").get_text()
    assert QUESTION not in answer.select_one("button.copy")["data-copy"]


# -- exports -------------------------------------------------------------------------------------------------


def test_the_csv_export_carries_plain_quotes_and_the_prompt_in_its_own_column(client: FlaskClient) -> None:
    body = client.get("/export.csv", query_string={"q": "pricing", "mode": "keyword"}).data.decode("utf-8-sig")
    # The answer's row, not the question's: both come from the call.
    rows = {row["title"]: row for row in csv.DictReader(io.StringIO(body)) if "cost" not in row["quote"]}
    note = rows["Pricing notes"]["quote"]
    assert "**" not in note and "\n- " not in note and "\n> " not in note
    assert "The pricing is steep, one owner said." in note.split("\n")
    assert rows["survey"]["quote"] == "* pricing - as a list? no, just **stars**"  # as written
    assert rows["call"]["prompt"] == QUESTION and rows["call"]["quote"] == "The pricing is fine but setup took forever."
    assert QUESTION not in rows["call"]["citation"] and QUESTION not in rows["call"]["locator"]


def rendered_quotes(markdown: str) -> list[BeautifulSoup]:
    """Render exported Markdown as a CommonMark renderer does and return its top-level block quotes."""
    html = soup(MarkdownIt("commonmark").enable("table").render(markdown))
    return html.find_all("blockquote", recursive=False)


def test_the_markdown_export_keeps_lists_tables_and_quotes_in_the_quote(client: FlaskClient) -> None:
    markdown = client.get("/export.md", query_string={"q": "pricing", "mode": "keyword"}).get_data(as_text=True)
    quotes = {q.select("p")[-1].get_text().split(" · ")[0].lstrip("— "): q for q in rendered_quotes(markdown)
              if "cost" not in q.get_text()}  # the answer from the call, not the question
    note = quotes["Pricing notes"]
    assert_inert(note)
    assert [li.get_text() for li in note.select("ul > li")] == [
        "Setup took a day; the pricing tiers were unclear", "See the [pricing guide](https://example.com/guide) first"]
    assert note.select_one("strong").get_text() == "pricing"
    assert note.find("blockquote").p.get_text() == "The pricing is steep, one owner said."
    assert [td.get_text() for td in note.select("table tbody td")] == ["Team", "14 dollars a user"]
    survey = quotes["survey"]
    assert not survey.select("ul, em, strong") and "* pricing - as a list? no, just **stars**" in survey.get_text()
    call = quotes["call"]
    assert QUESTION not in call.get_text()
    asked = call.find_previous_sibling("p")
    assert asked.get_text() == f"Asked: {QUESTION}"


def test_the_insight_write_up_keeps_a_markdown_quote_structured(client: FlaskClient) -> None:
    [hit] = [h for h in client.get("/api/v1/search", query_string={"q": "pricing", "mode": "keyword"}).json["hits"]
             if h["title"] == "Pricing notes"]
    evidence = [{"passage_id": hit["passage_id"]}]
    created = client.post("/api/v1/insights", json={"title": "Pricing", "evidence": evidence})
    markdown = client.get(f"/insights/{created.json['insight']['id']}/export.md").get_data(as_text=True)
    [quote] = rendered_quotes(markdown)
    assert_inert(quote)
    assert len(quote.select("ul > li")) == 2 and quote.select_one("table") and quote.select_one("blockquote")
    footnote = next(line for line in markdown.splitlines() if line.startswith("[^1]: "))
    assert "**" not in footnote and "The pricing page confused everyone." in footnote


# -- the document page ---------------------------------------------------------------------------------------


def test_a_transcript_reads_as_turns_with_speakers_times_and_the_interviewer_set_apart(
        client: FlaskClient) -> None:
    page = soup(client.get(card(client, "call").select_one("a.source")["href"]).data)
    turns = page.select("article.transcript li.turn")
    assert [t.select_one(".speaker").get_text() for t in turns] == ["Priya Raman", "Dev Patel"]
    assert [t.select_one("time").get_text() for t in turns] == ["00:00:03", "00:00:09"]
    assert [t.select_one(".turn-text").get_text() for t in turns] == [
        QUESTION, "The pricing is fine but setup took forever."]
    assert "role-interviewer" in turns[0]["class"] and "role-interviewer" not in turns[1]["class"]
    assert turns[1].select_one(".passage.cited mark")  # the quote that was opened
