"""Hostile text on the way out: Markdown exports stay inert and pages isolate right-to-left overrides."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from markdown_it import MarkdownIt

from insights import create_app
from insights.web import jobs

#: RIGHT-TO-LEFT OVERRIDE: reverses the text after it until the end of its paragraph or isolate.
RLO = "\u202e"
TITLE = f"{RLO}Pricing gnp.exe"
LINK = "[click me](javascript:alert(1))"
IMAGE = "![pic](javascript:alert(2))"
HOSTILE = (f"Pricing is <script>alert(1)</script> {LINK} {IMAGE} <a href='javascript:alert(3)'>here</a> "
           "`<b>code</b>` &lt;i&gt; Tom & Jerry <3")
#: Blocks that hold nothing but one user's text: an override there ends with the block, so no <bdi> is needed.
OWN_BLOCKS = ["title", "option", "textarea", ".quote", "article.document-text", "div.insight-summary"]


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    """Return an app over one hostile note: overrides in its fields, markup and script links in its text."""
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "hostile.md").write_text(
        f"---\ntitle: \"{TITLE}\"\nkind: interview\nparticipant: \"{RLO}P01 Dana\"\n"
        f"competitor: \"{RLO}Acme\"\nsegment: \"{RLO}SMB\"\ntags: [\"{RLO}pricing\"]\n---\n"
        f"# {RLO}Pricing\n\n{HOSTILE}\n", encoding="utf-8")
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "data"), "MODEL": "hashing",
                      "WTF_CSRF_ENABLED": False})
    app.extensions["insights"].ingest([folder])
    yield app
    app.extensions["insights"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """Return a test client."""
    return app.test_client()


def hostile_passage(client: FlaskClient) -> dict:
    """Return the search hit of the hostile passage."""
    [hit] = client.get("/api/v1/search", query_string={"q": "Jerry", "mode": "keyword"}).json["hits"]
    return hit


def render(markdown: str) -> BeautifulSoup:
    """Render Markdown as a CommonMark renderer with raw HTML on would, and parse the HTML."""
    return BeautifulSoup(MarkdownIt("commonmark").render(markdown), "html.parser")


def assert_inert(html: BeautifulSoup) -> None:
    """Assert that rendered Markdown holds no script, no image, and no link or source to javascript:."""
    assert not html.select("script, img, iframe"), html
    for tag in html.find_all(True):
        for name in ("href", "src"):
            assert not tag.get(name, "").strip().lower().startswith("javascript:"), tag


# -- Markdown exports ----------------------------------------------------------------------------------------


def test_the_search_export_keeps_hostile_quotes_and_queries_inert_and_readable(client: FlaskClient) -> None:
    query = f"Jerry\n# injected heading <script>alert(4)</script> {LINK}"
    markdown = client.get("/export.md", query_string={"q": query, "mode": "keyword"}).get_data(as_text=True)
    html = render(markdown)
    assert_inert(html)
    [heading] = html.select("h1")
    assert heading.get_text() == f"Jerry # injected heading <script>alert(4)</script> {LINK}"
    [quote] = html.select("blockquote")
    assert HOSTILE in quote.get_text()  # the words as written, shown, not run
    assert TITLE in quote.get_text()  # the citation


def test_the_insight_write_up_keeps_hostile_titles_summaries_and_quotes_inert(client: FlaskClient) -> None:
    hit = hostile_passage(client)
    summary = (f"First <script>alert(5)</script> {LINK}\n\n{IMAGE} [ref]: javascript:alert(6)\n\n[ref]\n\n"
               "    <!-- indented --> <b>bold</b>\n```\n<i>fenced</i>\n```")
    created = client.post("/api/v1/insights", json={"title": f"Findings <script>alert(7)</script> {LINK}",
                                                    "summary": summary,
                                                    "evidence": [{"passage_id": hit["passage_id"]}]}).json["insight"]
    for url in (f"/insights/{created['id']}/export.md", f"/api/v1/insights/{created['id']}/export.md"):
        html = render(client.get(url).get_data(as_text=True))
        assert_inert(html)
        assert not html.select("a")
        [heading] = html.select("h1")
        assert heading.get_text() == f"Findings <script>alert(7)</script> {LINK}"
        assert f"First <script>alert(5)</script> {LINK}" in html.get_text()
        assert "<!-- indented --> <b>bold</b> ``` <i>fenced</i> ```" in " ".join(html.get_text().split())
        assert HOSTILE in html.select_one("blockquote").get_text()


# -- right-to-left overrides on the pages --------------------------------------------------------------------


def unisolated(html: bytes) -> list[str]:
    """Return the texts holding an override outside any <bdi> and outside a block of their own."""
    page = BeautifulSoup(html, "html.parser")
    own = {id(block) for block in page.select(", ".join(OWN_BLOCKS))}
    return [str(text) for text in page.find_all(string=lambda s: RLO in s)
            if text.find_parent("bdi") is None and not any(id(p) in own for p in text.parents)]


def isolated_texts(html: bytes) -> list[str]:
    """Return the text of every <bdi> on a page."""
    return [b.get_text() for b in BeautifulSoup(html, "html.parser").select("bdi")]


def test_every_page_isolates_user_text_that_carries_an_override(client: FlaskClient, app: Flask) -> None:
    hit = hostile_passage(client)
    saved = client.post("/insights/save", data={"passage": hit["passage_id"], "insight": "new",
                                                "title": f"{RLO}Pricing hurts", "next": "/?q=Jerry"},
                        follow_redirects=True)
    assert saved.status_code == 200 and not unisolated(saved.data)  # the flash names the insight
    [insight] = client.get("/api/v1/insights").json["insights"]
    batch = jobs.submit(app.extensions["insights"], [(f"{RLO}gpj.md", io.BytesIO(b"# Note\n\nHello.\n"))], {})
    pages = {
        "search": f"/?q=Jerry&competitor={RLO}Acme",
        "document": f"/documents/{hit['document_id']}",
        "library": "/documents",
        "insights": "/insights",
        "insight": f"/insights/{insight['id']}",
        "themes": "/themes",
        "competitors": "/competitors",
        "batch": f"/upload/batches/{batch}",
    }
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        assert RLO in response.get_data(as_text=True), name
        assert unisolated(response.data) == [], name
    assert TITLE in isolated_texts(client.get(pages["search"]).data)
    assert TITLE in isolated_texts(client.get(pages["document"]).data)
    assert TITLE in isolated_texts(client.get(pages["library"]).data)
    assert f"{RLO}Pricing hurts" in isolated_texts(client.get(pages["insight"]).data)
    assert TITLE in isolated_texts(client.get(pages["insight"]).data)  # the evidence's source
