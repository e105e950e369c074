"""Saved insights over HTTP: the pages (BeautifulSoup) and the JSON API, through Flask's test client."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

from insights import create_app
from insights.repository import Repository
from insights.web import jobs

XSS = '<script>alert("x")</script>'
SENTENCE = "The app keeps logging me out every morning, so I sign in again before each shift."


@pytest.fixture
def app(tmp_path: Path, notes: Path) -> Iterator[Flask]:
    """Return an app over the sample notes, with CSRF off for the page tests (one test turns it on)."""
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "data"), "MODEL": "hashing",
                      "WTF_CSRF_ENABLED": False})
    app.extensions["insights"].ingest([notes])
    yield app
    app.extensions["insights"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """Return a test client."""
    return app.test_client()


def repo_of(app: Flask) -> Repository:
    """Return the app's repository."""
    return app.extensions["insights"]


def soup(response) -> BeautifulSoup:
    """Parse a response's HTML."""
    return BeautifulSoup(response.data, "html.parser")


def passage_id(client: FlaskClient, words: str) -> int:
    """Return the passage id of the top keyword hit for ``words``, through the API."""
    hits = client.get("/api/v1/search", query_string={"q": words, "mode": "keyword"}).json["hits"]
    return hits[0]["passage_id"]


def upload(client: FlaskClient, name: str, text: str, **fields: str) -> None:
    """Upload one file through the API and work the queue, as the background worker would."""
    response = client.post("/api/v1/uploads", data={"files": [(io.BytesIO(text.encode()), name)], **fields},
                           content_type="multipart/form-data")
    assert response.status_code == 202
    while jobs.run_one(client.application.extensions["insights"]):
        pass


def conforms(client: FlaskClient, name: str, instance: Any) -> None:
    """Validate ``instance`` against a component schema of the served OpenAPI document."""
    jsonschema = pytest.importorskip("jsonschema")
    from referencing import Registry
    from referencing.jsonschema import DRAFT202012

    spec = client.get("/api/v1/openapi.json").json
    registry = Registry().with_resource("urn:insights-api", DRAFT202012.create_resource(spec))
    schema = {"$ref": f"urn:insights-api#/components/schemas/{name}"}
    jsonschema.Draft202012Validator(schema, registry=registry).validate(instance)


# -- pages -------------------------------------------------------------------------------------------


def test_save_only_an_excerpt_of_a_quote_even_with_its_line_breaks_changed(client: FlaskClient,
                                                                          notes: Path) -> None:
    pid = passage_id(client, "logging me out every morning")
    response = client.post("/insights/save", data={"passage": pid, "insight": "new", "title": "Logouts",
                                                    "excerpt": "  keeps logging me out\n every morning  ", "next": "/"})
    assert response.status_code == 302
    [insight] = client.get("/api/v1/insights").json["insights"]
    [evidence] = client.get(f"/api/v1/insights/{insight['id']}").json["insight"]["evidence"]
    assert evidence["quote"] == "keeps logging me out every morning"
    text = (notes / "dana.md").read_text()  # the stored text is the file's, front matter included
    document = client.get(f"/api/v1/documents/{evidence['document_id']}").json["document"]
    assert document["text"][evidence["char_start"]:evidence["char_end"]] == evidence["quote"]
    assert evidence["quote"] in text


def test_a_document_page_links_the_insights_that_quote_it(client: FlaskClient) -> None:
    pid = passage_id(client, "logging me out every morning")
    client.post("/insights/save", data={"passage": pid, "insight": "new", "title": f"Logouts {XSS}", "next": "/"})
    document_id = client.get("/api/v1/search", query_string={"q": "logging me out", "mode": "keyword"}
                             ).json["hits"][0]["document_id"]
    page = soup(client.get(f"/documents/{document_id}"))
    [link] = page.select("ul.citing a")
    assert link.text == f"Logouts {XSS}"  # escaped: text, not markup
    assert re.fullmatch(r"/insights/\d+", link["href"])
    others = [d["id"] for d in client.get("/api/v1/documents").json["documents"] if d["id"] != document_id]
    assert not soup(client.get(f"/documents/{others[0]}")).select("ul.citing")


def test_an_excerpt_the_quote_does_not_hold_is_refused_with_a_message(client: FlaskClient) -> None:
    pid = passage_id(client, "logging me out every morning")
    response = client.post("/insights/save", data={"passage": pid, "insight": "new", "title": "Logouts",
                                                    "excerpt": "never logs me out", "next": "/"})
    page = soup(client.get(response.headers["Location"]))
    assert "Not saved" in page.select_one(".flash").text and "does not contain that exact quote" in page.text
    assert client.get("/api/v1/insights").json["insights"] == []


def test_save_a_quote_from_search_results_into_a_new_then_an_existing_insight(client: FlaskClient) -> None:
    page = soup(client.get("/?q=logging+me+out+every+morning&mode=keyword"))
    card = page.select("ol.hits > li.hit")[0]
    form = card.select_one("details.save-quote form")
    fields = {i["name"]: i.get("value", "") for i in form.select("input")}
    assert fields["next"] == "/?q=logging+me+out+every+morning&mode=keyword"
    assert [o["value"] for o in form.select("select[name=insight] option")] == ["new"]
    response = client.post(form["action"], data={**fields, "insight": "new", "title": "Sessions expire"})
    assert response.status_code == 302
    assert response.headers["Location"] == fields["next"]
    back = soup(client.get(response.headers["Location"]))
    assert "Quote saved to “Sessions expire” (1 quote)." in back.select_one(".flash").text

    # The next card offers the new insight; saving there adds a second quote to it.
    options = back.select("ol.hits > li.hit")[1].select("select[name=insight] option")
    assert [(o["value"], o.text) for o in options][1][1] == "Sessions expire"
    second = back.select("ol.hits > li.hit")[1].select_one("input[name=passage]")["value"]
    client.post("/insights/save", data={"passage": second, "insight": options[1]["value"], "next": "/"})

    listing = soup(client.get("/insights"))
    [item] = listing.select(".insight-item")
    assert item.select_one("h2 a").text == "Sessions expire"
    assert "2 quotes" in item.text
    insight = soup(client.get(item.select_one("h2 a")["href"]))
    cards = insight.select("li.evidence")
    assert SENTENCE in cards[0].select_one(".quote").text
    assert cards[0].select_one(".evidence-status").text == "Status: ok"
    assert cards[0].select_one("a.source")["href"].startswith("/documents/")


def test_saving_needs_a_title_for_a_new_insight_and_a_real_insight(client: FlaskClient) -> None:
    passage = passage_id(client, "logging me out")
    response = client.post("/insights/save", data={"passage": passage, "insight": "new", "title": " ", "next": "/"},
                           follow_redirects=True)
    assert "Not saved: an insight needs a title." in soup(response).select_one(".flash").text
    assert client.post("/insights/save", data={"passage": passage, "insight": "999"}).status_code == 404
    assert client.post("/insights/save", data={"insight": "new", "title": "x"}).status_code == 400


def test_next_never_leaves_the_site(client: FlaskClient) -> None:
    passage = passage_id(client, "logging me out")
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        response = client.post("/insights/save", data={"passage": passage, "insight": "new", "title": "T",
                                                       "next": target})
        assert response.headers["Location"] == "/insights", target


def test_new_edit_remove_evidence_and_delete_with_confirmation(client: FlaskClient, app: Flask) -> None:
    form = soup(client.get("/insights/new")).select_one("form.insight-form")
    assert form.select_one("input[name=csrf_token]") is not None
    response = client.post("/insights/new", data={"title": "Payroll exports fail", "summary": "Overtime is lost."})
    assert response.status_code == 302
    url = response.headers["Location"]
    insight_id = int(url.rsplit("/", 1)[1])
    client.post(f"/api/v1/insights/{insight_id}/evidence", json={"passage_id": passage_id(client, "ERR-PAY-214")})

    page = soup(client.get(url))
    assert page.select_one("h1").text == "Payroll exports fail"
    assert "Overtime is lost." in page.select_one(".insight-summary").text
    assert page.select_one("details.danger button.delete") is not None  # behind a closed <details>

    client.post(f"{url}/edit", data={"title": "Exports drop overtime", "summary": "Seen twice."})
    page = soup(client.get(url))
    assert page.select_one("h1").text == "Exports drop overtime"
    bad = client.post(f"{url}/edit", data={"title": "", "summary": ""}, follow_redirects=True)
    assert "Not saved: an insight needs a title." in soup(bad).select_one(".flash").text

    remove = page.select_one("li.evidence form")
    client.post(remove["action"])
    assert soup(client.get(url)).select("li.evidence") == []

    delete = page.select_one("form.delete-form")
    response = client.post(delete["action"], follow_redirects=True)
    assert "Deleted the insight “Exports drop overtime”." in soup(response).select_one(".flash").text
    assert client.get(url).status_code == 404


def test_list_page_searches_titles_summaries_and_quotes(client: FlaskClient) -> None:
    client.post("/api/v1/insights", json={"title": "Sessions expire",
                                          "evidence": [{"passage_id": passage_id(client, "logging me out")}]})
    client.post("/api/v1/insights", json={"title": "Pricing", "summary": "Small cafes find it fair."})
    titles = [a.text for a in soup(client.get("/insights?q=morning")).select(".insight-item h2 a")]
    assert titles == ["Sessions expire"]
    titles = [a.text for a in soup(client.get("/insights?q=cafes")).select(".insight-item h2 a")]
    assert titles == ["Pricing"]
    empty = soup(client.get("/insights?q=nothing+like+this"))
    assert "No insight matches" in empty.select_one(".empty").text


def test_stale_and_removed_evidence_are_flagged_on_the_page(client: FlaskClient, app: Flask, notes: Path) -> None:
    mobile, payroll = passage_id(client, "logging me out"), passage_id(client, "ERR-PAY-214")
    created = client.post("/api/v1/insights", json={"title": "Two pains", "evidence": [
        {"passage_id": mobile}, {"passage_id": payroll}]}).json["insight"]
    dana = notes / "dana.md"
    dana.write_text(dana.read_text().replace("every morning", "now and then"))
    repo_of(app).ingest([notes])
    maria = next(d for d in repo_of(app).documents() if d["filename"] == "maria call.txt")
    client.post(f"/documents/{maria['id']}/delete")

    page = soup(client.get(f"/insights/{created['id']}"))
    statuses = [card.select_one(".evidence-status").text for card in page.select("li.evidence")]
    assert statuses == ["Status: stale", "Status: removed"]
    assert SENTENCE in page.select("li.evidence")[0].select_one(".quote").text  # the saved words, not the new ones
    assert page.select("li.evidence")[0].select_one("a.source") is None  # no link to a text that lacks the quote
    assert "2 quotes no longer match their sources" in page.select_one("[role=alert]").text
    assert "2 stale or removed" in soup(client.get("/insights")).select_one(".insight-item").text


def test_hostile_titles_and_summaries_are_escaped(client: FlaskClient) -> None:
    created = client.post("/api/v1/insights", json={"title": XSS, "summary": XSS}).json["insight"]
    for path in ("/insights", f"/insights/{created['id']}", "/?q=onboarding"):
        html = client.get(path).get_data(as_text=True)
        assert XSS not in html, path
        assert "&lt;script&gt;" in html, path


def test_markdown_download(client: FlaskClient) -> None:
    created = client.post("/api/v1/insights", json={
        "title": "Sessions", "evidence": [{"passage_id": passage_id(client, "logging me out")}]}).json["insight"]
    page = soup(client.get(f"/insights/{created['id']}"))
    response = client.get(page.select_one("a.export-md")["href"])
    assert response.status_code == 200
    assert response.mimetype == "text/markdown"
    assert response.headers["Content-Disposition"] == f'attachment; filename="insight-{created["id"]}.md"'
    body = response.get_data(as_text=True)
    assert body.startswith("# Sessions\n")
    assert re.search(r"^\[\^1\]: “Mobile The app keeps logging me out", body, re.M)


@pytest.mark.parametrize("path", ["/insights/999", "/insights/999/export.md"])
def test_missing_insights_are_404_pages(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert not response.is_json
    assert "no insight with id 999" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/insights/999/edit", "/insights/999/delete", "/insights/999/evidence/1/delete"])
def test_posts_to_missing_insights_are_404(client: FlaskClient, path: str) -> None:
    assert client.post(path, data={"title": "x"}).status_code == 404


def test_the_save_form_needs_a_csrf_token(tmp_path: Path, notes: Path) -> None:
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "csrf"), "MODEL": "hashing",
                      "WTF_CSRF_ENABLED": True})
    app.extensions["insights"].ingest([notes])
    client = app.test_client()
    assert client.post("/insights/save", data={"passage": 1, "insight": "new", "title": "x"}).status_code == 400
    assert client.post("/insights/new", data={"title": "x"}).status_code == 400
    assert app.extensions["insights"].saved.search() == []
    app.extensions["insights"].close()


def test_quote_cards_stay_small_with_2000_insights_and_still_reach_the_oldest(client: FlaskClient,
                                                                             app: Flask) -> None:
    saved = repo_of(app).saved
    oldest = saved.create("Oldest finding: logouts at dawn")
    for n in range(1999):
        saved.create(f"Finding number {n:04} from a long study of how shift workers plan their week")
    search = "/?q=logging+me+out+every+morning"
    response = client.get(search)
    assert len(response.data) < 300_000
    cards = soup(response).select("ol.hits > li.hit")
    assert len(cards) > 3
    options = [o.text for o in cards[0].select("select[name=insight] option")]
    assert len(options) == 21 and oldest.title not in options  # a new one, and the 20 most recently updated

    picker = soup(client.get(cards[0].select_one("a.save-elsewhere")["href"]))
    find = picker.select_one("form.pick-search")
    hidden = {i["name"]: i["value"] for i in find.select("input[type=hidden]")}
    found = soup(client.get(find["action"], query_string={**hidden, "q": "oldest logouts"}))
    form = found.select_one("form.pick-insight")
    [choice] = form.select("input[name=insight]")
    fields = {i["name"]: i.get("value", "") for i in form.select("input[type=hidden]")}
    response = client.post(form["action"], data={**fields, "insight": choice["value"], "excerpt": ""})
    assert response.status_code == 302 and response.headers["Location"] == search
    assert "Quote saved to “Oldest finding: logouts at dawn” (1 quote)." in soup(
        client.get(search)).select_one(".flash").text
    assert len(saved.get(oldest.id).evidence) == 1


HUGE = "x" * 1_100_000


def test_huge_titles_summaries_and_excerpts_are_refused_everywhere_and_nothing_is_written(
        client: FlaskClient) -> None:
    pid = passage_id(client, "logging me out")
    kept = client.post("/api/v1/insights", json={"title": "Kept", "summary": "As it was."}).json["insight"]
    url = f"/api/v1/insights/{kept['id']}"
    before = client.get(url).json

    new = client.post("/insights/new", data={"title": HUGE, "summary": HUGE})
    assert new.status_code == 400
    assert "the title is longer than 200 characters" in soup(new).select_one(".flash").text
    assert len(new.data) < 100_000  # the refused text is not sent back whole
    for data, words in [({"insight": "new", "title": HUGE}, "the title is longer than 200 characters"),
                        ({"insight": str(kept["id"]), "excerpt": HUGE}, "the excerpt is longer than 10,000"),
                        ({"insight": str(kept["id"]), "excerpt": "y " * 6_000}, "the excerpt is longer than 10,000")]:
        page = client.post("/insights/save", data={**data, "passage": pid, "next": "/insights"}, follow_redirects=True)
        assert f"Not saved: {words}" in soup(page).select_one(".flash").text
    for data, words in [({"title": HUGE}, "the title is longer than 200 characters"),
                        ({"title": "Kept", "summary": HUGE}, "the summary is longer than 20,000 characters")]:
        page = client.post(f"/insights/{kept['id']}/edit", data=data, follow_redirects=True)
        assert f"Not saved: {words}" in soup(page).select_one(".flash").text

    for method, path, body, words in [
        ("post", "/api/v1/insights", {"title": HUGE}, "the title is longer than 200 characters"),
        ("post", "/api/v1/insights", {"title": "T", "summary": HUGE}, "the summary is longer than 20,000"),
        ("post", "/api/v1/insights", {"title": "T", "evidence": [{"passage_id": pid, "quote": HUGE}]},
         "the excerpt is longer than 10,000"),
        ("patch", url, {"title": HUGE}, "the title is longer than 200 characters"),
        ("post", f"{url}/evidence", {"passage_id": pid, "quote": HUGE}, "the excerpt is longer than 10,000"),
    ]:
        response = getattr(client, method)(path, json=body)
        assert response.status_code == 400, (path, response.json)
        assert words in response.json["error"]["message"]
    assert client.get(url).json == before
    assert [i["id"] for i in client.get("/api/v1/insights").json["insights"]] == [kept["id"]]


# -- the JSON API -------------------------------------------------------------------------------------


def test_api_round_trip(client: FlaskClient) -> None:
    mobile = passage_id(client, "logging me out")
    response = client.post("/api/v1/insights", json={"title": "Sessions", "summary": "Sign in per shift.",
                                                     "evidence": [{"passage_id": mobile}]})
    assert response.status_code == 201
    insight = response.json["insight"]
    assert response.headers["Location"] == f"/api/v1/insights/{insight['id']}"
    conforms(client, "Insight", insight)
    assert insight["counts"] == {"ok": 1, "moved": 0, "stale": 0, "removed": 0, "restricted": 0}
    assert SENTENCE in insight["evidence"][0]["quote"]

    added = client.post(f"{response.headers['Location']}/evidence", json={"passage_id": mobile,
                                                                          "quote": "every morning"})
    assert added.status_code == 201
    conforms(client, "Evidence", added.json["evidence"])
    assert added.json["evidence"]["quote"] == "every morning"

    patched = client.patch(response.headers["Location"], json={"title": "Mobile sessions"}).json["insight"]
    assert (patched["title"], patched["summary"]) == ("Mobile sessions", "Sign in per shift.")
    assert [i["id"] for i in client.get("/api/v1/insights", query_string={"q": "mobile"}).json["insights"]] == [
        insight["id"]]
    assert client.get("/api/v1/insights", query_string={"q": "payroll"}).json["insights"] == []

    export = client.get(f"{response.headers['Location']}/export.md")
    assert export.mimetype == "text/markdown"
    assert "[^2]: “every morning” — Interview with Dana" in export.get_data(as_text=True)

    removed = client.delete(f"{response.headers['Location']}/evidence/{added.json['evidence']['id']}")
    assert removed.status_code == 204
    assert len(client.get(response.headers["Location"]).json["insight"]["evidence"]) == 1
    assert client.delete(response.headers["Location"]).status_code == 204
    assert client.get(response.headers["Location"]).status_code == 404


def test_api_evidence_follows_its_source_through_reupload_and_delete(client: FlaskClient) -> None:
    text = "# Notes\n\nThe export button is hidden under settings.\n\nNobody finds it.\n"
    upload(client, "p9.md", text)
    hit = client.get("/api/v1/search", query_string={"q": "export button hidden", "mode": "keyword"}).json["hits"][0]
    start = hit["char_start"] + hit["text"].index("The export button")
    created = client.post("/api/v1/insights", json={"title": "Export is hidden", "evidence": [
        {"document_id": hit["document_id"], "char_start": start, "char_end": start + 17}]}).json["insight"]
    assert created["evidence"][0]["quote"] == "The export button"
    url = f"/api/v1/insights/{created['id']}"

    changed = text.replace("The export button", "The download button")
    upload(client, "p9.md", changed, replace=str(hit["document_id"]))  # a new version, replacing on purpose
    [evidence] = client.get(url).json["insight"]["evidence"]
    assert (evidence["status"], evidence["quote"]) == ("stale", "The export button")
    assert "stale" in evidence["note"]

    assert client.delete(f"/api/v1/documents/{hit['document_id']}").status_code == 204
    [evidence] = client.get(url).json["insight"]["evidence"]
    assert (evidence["status"], evidence["quote"]) == ("removed", "The export button")


@pytest.mark.parametrize(("body", "words"), [
    (None, "not valid JSON"),
    ([], "send a JSON object"),
    ({}, "'title' must be a string"),
    ({"title": "  "}, "an insight needs a title"),
    ({"title": "T", "evidence": {}}, "'evidence' must be a list"),
    ({"title": "T", "evidence": [7]}, "each piece of evidence is an object"),
    ({"title": "T", "evidence": [{}]}, "evidence needs a passage_id"),
    ({"title": "T", "evidence": [{"passage_id": True}]}, "'passage_id' must be a whole number"),
    ({"title": "T", "evidence": [{"passage_id": 424242}]}, "no passage with id 424242"),
    ({"title": "T", "evidence": [{"document_id": 1, "char_start": 5, "char_end": 2}]}, "not a quote"),
])
def test_api_rejects_bad_bodies_and_writes_nothing(client: FlaskClient, body: Any, words: str) -> None:
    response = client.post("/api/v1/insights", json=body) if body is not None else client.post(
        "/api/v1/insights", data="{", content_type="application/json")
    assert response.status_code == 400, response.json
    assert words in response.json["error"]["message"]
    assert client.get("/api/v1/insights").json["insights"] == []


def test_api_all_or_nothing(client: FlaskClient) -> None:
    good = passage_id(client, "logging me out")
    response = client.post("/api/v1/insights", json={"title": "T", "evidence": [{"passage_id": good},
                                                                                {"passage_id": 424242}]})
    assert response.status_code == 400
    assert client.get("/api/v1/insights").json["insights"] == []


@pytest.mark.parametrize(("method", "path", "body"), [
    ("get", "/api/v1/insights/999", None),
    ("patch", "/api/v1/insights/999", {"title": "x"}),
    ("delete", "/api/v1/insights/999", None),
    ("post", "/api/v1/insights/999/evidence", {"passage_id": 1}),
    ("delete", "/api/v1/insights/999/evidence/1", None),
    ("get", "/api/v1/insights/999/export.md", None),
])
def test_api_missing_insights_are_json_404(client: FlaskClient, method: str, path: str, body: Any) -> None:
    response = getattr(client, method)(path, json=body) if body is not None else getattr(client, method)(path)
    assert response.status_code == 404
    assert response.json["error"] == {"status": 404, "message": "no insight with id 999"}


def test_api_missing_evidence_and_empty_patch(client: FlaskClient) -> None:
    created = client.post("/api/v1/insights", json={"title": "T"}).json["insight"]
    response = client.delete(f"/api/v1/insights/{created['id']}/evidence/77")
    assert response.status_code == 404
    assert "has no evidence with id 77" in response.json["error"]["message"]
    response = client.patch(f"/api/v1/insights/{created['id']}", json={})
    assert response.status_code == 400
    assert client.put(f"/api/v1/insights/{created['id']}", json={}).status_code == 405
