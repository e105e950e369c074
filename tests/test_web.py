"""The HTML pages through Flask's test client, asserted structurally with BeautifulSoup."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

from insights import create_app
from insights.repository import Repository
from insights.web import jobs

XSS = '<script>alert("x")</script> <img src=x onerror="alert(1)">'


@pytest.fixture
def app(tmp_path: Path, notes: Path) -> Flask:
    """Return an app over a repository holding the sample notes and one hostile note."""
    front = f"---\ntitle: {XSS!r}\ntags: [\"<b>bold</b>\"]\n---\n"
    (notes / "hostile.md").write_text(f"{front}Onboarding {XSS} ends here.\n")
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "data"), "MODEL": "hashing",
                      "WTF_CSRF_ENABLED": False})
    app.extensions["insights"].ingest([notes])
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """Return a test client."""
    return app.test_client()


def soup(response) -> BeautifulSoup:
    """Parse a response's HTML."""
    return BeautifulSoup(response.data, "html.parser")


def repo_of(app: Flask) -> Repository:
    """Return the app's repository."""
    return app.extensions["insights"]


def test_search_page_shows_quote_cards_with_citations(client: FlaskClient) -> None:
    page = soup(client.get("/?q=payroll+export+failed"))
    first = page.select("ol.hits > li.hit")[0]
    assert first.select_one(".quote").get_text() == "The payroll export failed with ERR-PAY-214 twice last month."
    assert [m.get_text() for m in first.select(".quote mark")] == ["payroll", "export", "failed"]
    assert first.select_one(".speaker").get_text() == "Maria"
    link = first.select_one("a.source")["href"]
    assert re.fullmatch(r"/documents/\d+\?passage=\d+#p\d+", link)
    assert "Copy quote with citation" in first.select_one("button.copy").get_text()


def test_result_links_open_the_document_at_the_highlighted_quote(client: FlaskClient) -> None:
    link = soup(client.get("/?q=payroll+export+failed")).select_one("li.hit a.source")["href"]
    passage_id = link.rsplit("#p", 1)[1]
    page = soup(client.get(link))
    cited = page.select_one(f"#p{passage_id}")
    assert "cited" in cited["class"]
    assert cited.select_one("mark").get_text() == "The payroll export failed with ERR-PAY-214 twice last month."
    assert len(page.select("article .passage")) == 4


def test_document_page_holds_the_full_text_with_every_passage_anchored(app: Flask, client: FlaskClient) -> None:
    repo = repo_of(app)
    for summary in repo.documents():
        doc = repo.document(summary["id"])
        article = soup(client.get(f"/documents/{summary['id']}")).select_one("article.document-text")
        for passage in doc["passages"]:
            # Markdown is rendered in blocks, so compare the words.
            assert article.select_one(f"#p{passage['id']}").get_text().split() == passage["text"].split()
        # A transcript heads each turn with its speaker and time; the words below are the document's.
        for head in article.select(".turn-head"):
            head.decompose()
        # The HTML parser folds blank lines between elements, so compare the words.
        assert article.get_text().split() == doc["text"].split()


def test_facets_filter_and_removal(client: FlaskClient) -> None:
    page = soup(client.get("/?q=onboarding"))
    kinds = {a.get_text(): a["href"] for a in page.select("aside.facets a")}
    assert "interview" in kinds
    filtered = soup(client.get(kinds["interview"]))
    assert {b.get_text() for b in filtered.select("li.hit .badge")} == {"interview"}
    remove = filtered.select_one("ul.active-filters a")["href"]
    assert "kind=" not in remove


def test_no_results_suggests_removing_a_filter(client: FlaskClient) -> None:
    page = soup(client.get("/?q=onboarding&kind=review"))
    empty = page.select_one(".empty")
    assert "Try removing a filter" in empty.get_text()
    assert "kind=review" not in empty.select_one("a")["href"]


def test_bad_parameters_are_reported_on_the_page(client: FlaskClient) -> None:
    response = client.get("/?q=x&from=yesterday")
    assert response.status_code == 200
    assert "must be a date like 2026-03-14" in soup(response).select_one(".error").get_text()


def test_pagination(client: FlaskClient, app: Flask) -> None:
    app.config["PER_PAGE"] = 2
    first = soup(client.get("/?q=onboarding+payroll+pricing"))
    assert len(first.select("li.hit")) == 2
    second = soup(client.get(first.select_one("a[rel=next]")["href"]))
    assert second.select_one("ol.hits")["start"] == "3"
    assert {h["id"] for h in first.select("li.hit")}.isdisjoint({h["id"] for h in second.select("li.hit")})


def test_exports_are_the_current_result_set_with_citations(client: FlaskClient) -> None:
    response = client.get("/export.csv?q=pricing&kind=note")
    assert response.headers["Content-Disposition"] == 'attachment; filename="insights-export.csv"'
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows and all(r["kind"] == "note" for r in rows)
    assert any(r["quote"] == "Pricing is fair for a small cafe like ours." and "row 3" in r["citation"] for r in rows)
    markdown = client.get("/export.md?q=pricing").data.decode()
    assert markdown.startswith("# pricing\n")
    assert "> Pricing is fair for a small cafe like ours.\n>\n> — survey" in markdown


def test_csv_export_neutralises_formulas(client: FlaskClient, app: Flask, tmp_path: Path) -> None:
    formula = tmp_path / "formula.csv"
    formula.write_text('id,response\n1,"=HYPERLINK(""http://evil"",""click"") pricing"\n')
    repo_of(app).ingest([formula])
    rows = list(csv.reader(io.StringIO(client.get("/export.csv?q=pricing").data.decode("utf-8-sig"))))
    assert any(r[0].startswith("'=HYPERLINK") for r in rows)


def test_user_text_is_escaped_everywhere(client: FlaskClient) -> None:
    for url in ("/?q=onboarding+script+alert", "/documents"):
        html = client.get(url).data.decode()
        assert "<script>alert" not in html and "<img src=x" not in html and "<b>bold</b>" not in html
    doc_link = soup(client.get("/documents")).find("a", string=re.compile("script"))["href"]
    html = client.get(doc_link).data.decode()
    assert "<script>alert" not in html and 'onerror="alert' not in html
    assert "&lt;script&gt;" in html


def test_security_headers(client: FlaskClient) -> None:
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert not soup(response).select("script:not([src])"), "no inline script"
    assert not soup(response).select("[style]"), "no inline style"


def test_library_lists_filters_and_sorts(client: FlaskClient) -> None:
    page = soup(client.get("/documents?sort=title"))
    titles = [a.get_text() for a in page.select("table.library tbody td:nth-of-type(2) a")]
    assert titles == sorted(titles, key=str.lower) and len(titles) == 4
    interviews = soup(client.get("/documents?kind=interview"))
    assert [a.get_text() for a in interviews.select("table.library tbody td:nth-of-type(2) a")] == [
        "Interview with Dana"]


def test_tags_edit_and_delete_with_confirmation(client: FlaskClient, app: Flask) -> None:
    repo = repo_of(app)
    doc = next(d for d in repo.documents() if d["title"] == "survey")
    response = client.post(f"/documents/{doc['id']}/tags", data={"tags": "Pricing, Q1 ,pricing"})
    assert response.status_code == 302
    assert repo.document(doc["id"])["tags"] == ["pricing", "q1"]
    page = soup(client.get(f"/documents/{doc['id']}"))
    assert page.select_one("input#tags")["value"] == "pricing, q1"
    assert client.post(f"/documents/{doc['id']}/delete").status_code == 302
    assert client.get(f"/documents/{doc['id']}").status_code == 404


def test_bulk_delete(client: FlaskClient, app: Flask) -> None:
    ids = [d["id"] for d in repo_of(app).documents()][:2]
    client.post("/documents/delete", data={"document": ids})
    assert len(repo_of(app).documents()) == 2


def test_original_download_is_byte_for_byte(client: FlaskClient, notes: Path, app: Flask) -> None:
    doc = next(d for d in repo_of(app).documents() if d["filename"] == "maria call.txt")
    with client.get(f"/documents/{doc['id']}/original") as response:
        assert response.data == (notes / "maria call.txt").read_bytes()
        assert 'filename="maria call.txt"' in response.headers["Content-Disposition"]


def test_upload_queues_a_batch_and_reports_each_file(client: FlaskClient, app: Flask) -> None:
    files = [(io.BytesIO(b"# Notes\n\nThe geofence rejected me at the door."), "door notes.md"),
             (io.BytesIO(b""), "empty.md")]
    response = client.post("/upload", data={"files": files, "kind": "interview", "tags": "field, q1"},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    batch_url = response.headers["Location"]
    repo = repo_of(app)
    while jobs.run_one(repo):
        pass
    table = soup(client.get(batch_url)).select("table.jobs tbody tr")
    rows = {r.select_one("td").get_text(strip=True): r for r in table}
    assert "added" in rows["door notes.md"].select_one(".status").get_text()
    assert rows["empty.md"].select_one(".status").get_text() == "failed"
    assert "empty" in rows["empty.md"].select_one(".message").get_text()
    doc = next(d for d in repo.documents() if d["filename"] == "door notes.md")
    assert (doc["kind"], doc["tags"]) == ("interview", ["field", "q1"])


def test_upload_rejects_unsupported_files_with_the_reason(client: FlaskClient) -> None:
    response = client.post("/upload", data={"files": [(io.BytesIO(b"x"), "deck.pptx")]},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "'deck.pptx': unsupported file type '.pptx'" in soup(response).select_one(".flash").get_text()


@pytest.mark.parametrize(("name", "data", "reason"), [
    ("renamed.pdf", b"MZ\x90\x00 an executable", "not a PDF"),
    ("renamed.docx", b"%PDF-1.7 a pdf", "not a valid .docx"),
    ("renamed.md", bytes(range(256)) * 8, "looks like binary data"),
])
def test_upload_sniffs_content_against_the_suffix(client: FlaskClient, name: str, data: bytes, reason: str) -> None:
    response = client.post("/upload", data={"files": [(io.BytesIO(data), name)]}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert f"'{name}': {reason}" in soup(response).select_one(".flash").get_text()


def test_forms_need_a_csrf_token(tmp_path: Path) -> None:
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "d"), "MODEL": "hashing"})
    response = app.test_client().post("/upload", data={"files": [(io.BytesIO(b"x"), "a.md")]},
                                      content_type="multipart/form-data")
    assert response.status_code == 400
    assert "CSRF" in response.data.decode()


def test_too_large_uploads_get_a_friendly_page(tmp_path: Path) -> None:
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "d"), "MODEL": "hashing",
                      "WTF_CSRF_ENABLED": False, "MAX_CONTENT_LENGTH": 1000})
    response = app.test_client().post("/upload", data={"files": [(io.BytesIO(b"x" * 5000), "a.md")]},
                                      content_type="multipart/form-data")
    assert response.status_code == 413
    assert "too large" in soup(response).select_one(".error").get_text()


def test_unknown_pages_are_404_pages(client: FlaskClient) -> None:
    response = client.get("/documents/999999")
    assert response.status_code == 404
    assert "no document with id 999999" in response.data.decode()


def test_a_bad_export_request_is_a_400_page(client: FlaskClient) -> None:
    response = client.get("/export.csv?q=pricing&from=someday")
    assert response.status_code == 400
    assert "must be a date like 2026-03-14" in soup(response).select_one(".error").get_text()


def test_every_export_names_its_charset_once(client: FlaskClient) -> None:
    created = client.post("/api/v1/insights", json={"title": "Pricing"}).json["insight"]
    expected = {"/export.csv?q=pricing": "text/csv; charset=utf-8",
                "/export.md?q=pricing": "text/markdown; charset=utf-8",
                f"/insights/{created['id']}/export.md": "text/markdown; charset=utf-8",
                f"/api/v1/insights/{created['id']}/export.md": "text/markdown; charset=utf-8"}
    for url, content_type in expected.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Content-Type"] == content_type, url
