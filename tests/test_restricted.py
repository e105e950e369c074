"""Restricted collections over HTTP: a non-member never sees a restricted document anywhere; members and admins do."""

from __future__ import annotations

import io
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from test_auth import PASSWORD, make_app, signed_in

from insights.cli.main import cli
from insights.storage.store import SCHEMA, Store

#: Every passage of the restricted document holds this word; no other document does.
MARK = "zebracorn"
#: A question both documents answer, so the restricted one would rank if it were not filtered out.
QUESTION = "onboarding checklist confusing"

OPEN = """---
title: Open onboarding interview
kind: interview
participant: P01 Dana
segment: SMB
competitor: Acme
---
## Setup

The onboarding checklist was confusing and buried in the settings page for a whole week.

## Steps

The onboarding checklist is confusing because every step opens another settings screen again.

## Payroll

Setting up payroll was confusing; the onboarding checklist never said what to do first.

## Acme

Acme had a clearer onboarding checklist, but Acme pricing was far too steep for our shop.
"""

SECRET = f"""---
title: {MARK.title()} NDA call
kind: interview
participant: P09 {MARK.title()}
segment: {MARK}-enterprise
competitor: {MARK.title()}Soft
---
## Setup

The {MARK} onboarding checklist was confusing and buried in the settings page for a week.

## Steps

The {MARK} onboarding checklist is confusing because each step opens a new settings screen.

## Payroll

Payroll setup at {MARK} was confusing; the onboarding checklist never said what came first.

## Rivals

{MARK.title()}Soft had a clearer onboarding checklist, yet {MARK} pricing was steep for us.
"""


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    """Return an app holding an open and a restricted document, people, and an insight quoting both."""
    tmp = tmp_path_factory.mktemp("restricted")
    app = make_app(tmp)
    repo = app.extensions["insights"]
    for name, role in (("ada", "admin"), ("nora", "contributor"), ("vic", "viewer"), ("cory", "contributor")):
        repo.accounts.add(name, PASSWORD, role)
    nda = repo.collections.create("NDA interviews")
    repo.collections.set_member("NDA interviews", "nora")
    folder = tmp / "files"
    folder.mkdir()
    (folder / "open.md").write_text(OPEN)
    (folder / "secret.md").write_text(SECRET)
    repo.ingest([folder / "open.md"])
    repo.ingest([folder / "secret.md"], collection=nda.id)
    secret = next(d for d in repo.documents() if d["collection_id"] == nda.id)
    opened = next(d for d in repo.documents() if d["collection_id"] is None)
    passages = {d["id"]: [p["id"] for p in repo.document(d["id"])["passages"]] for d in (secret, opened)}
    from insights.saved.collection import EvidenceSource

    insight = repo.saved.create("Onboarding is confusing", "Both calls say so.",
                                [EvidenceSource(passage_id=passages[opened["id"]][1]),
                                 EvidenceSource(passage_id=passages[secret["id"]][1])])
    yield {"app": app, "secret": secret["id"], "open": opened["id"], "insight": insight.id,
           "secret_passage": passages[secret["id"]][1]}
    repo.close()


@pytest.fixture(scope="module")
def vic(world: dict[str, object]) -> FlaskClient:
    """Return a viewer who is no member of the collection."""
    return signed_in(world["app"], "vic")  # type: ignore[arg-type]


def body(client: FlaskClient, url: str) -> tuple[int, str]:
    """Return a GET's status and its body as text (lower case, for the marker check)."""
    with client.get(url) as response:
        return response.status_code, response.get_data(as_text=True).lower()


def test_a_non_member_never_sees_the_restricted_document_in_any_read(world, vic):
    secret, insight = world["secret"], world["insight"]
    urls = [f"/?q={QUESTION}&mode={mode}" for mode in ("hybrid", "semantic", "keyword")] + [
        "/?q=%22onboarding+checklist%22", f"/?q={QUESTION}&kind=interview", "/documents", "/themes",
        f"/themes?q={QUESTION}", "/themes/1", "/competitors", "/competitors/Acme",
        f"/competitors/compare?q={QUESTION}&left=Acme&right=us", f"/export.csv?q={QUESTION}",
        f"/export.md?q={QUESTION}", f"/api/v1/search?q={QUESTION}", f"/api/v1/search?q={QUESTION}&mode=keyword",
        "/api/v1/documents", "/api/v1/themes", "/api/v1/competitors",
        f"/api/v1/compare?q={QUESTION}&left=Acme&right=us",
        "/insights", f"/insights/{insight}", f"/insights/{insight}/export.md", "/api/v1/insights",
        f"/api/v1/insights/{insight}", f"/api/v1/insights/{insight}/export.md", "/insights?q=onboarding",
    ]
    for url in urls:
        status, text = body(vic, url)
        assert status in (200, 404), (url, status)
        assert MARK not in text, f"{url} shows the restricted document to a non-member"
    for url in (f"/documents/{secret}", f"/documents/{secret}/original", f"/api/v1/documents/{secret}",
                f"/competitors/{MARK}soft",
                f"/api/v1/competitors/{MARK}soft"):
        status, text = body(vic, url)
        assert status == 404, (url, status)
        assert text.count(MARK) <= 1, url  # at most the name it was asked for, echoed back


def test_facet_counts_leave_the_restricted_passages_out(world, vic):
    ada = signed_in(world["app"], "ada")
    mine, theirs = (c.get(f"/api/v1/search?q={QUESTION}&mode=keyword").json for c in (vic, ada))
    assert theirs["total"] > mine["total"] > 0
    kinds = {f["value"]: f["count"] for f in mine["facets"]["kind"]}
    assert kinds == {"interview": mine["total"]}
    assert all(hit["document_id"] == world["open"] for hit in mine["hits"])


def test_saved_evidence_from_a_restricted_document_shows_as_restricted(world, vic):
    insight = vic.get(f"/api/v1/insights/{world['insight']}").json["insight"]
    statuses = [e["status"] for e in insight["evidence"]]
    assert statuses == ["ok", "restricted"] and insight["counts"]["restricted"] == 1
    hidden = insight["evidence"][1]
    assert hidden["quote"] == "" and hidden["title"] == "restricted" and hidden["document_id"] == 0
    page = BeautifulSoup(vic.get(f"/insights/{world['insight']}").data, "html.parser")
    items = page.select("li.evidence")
    assert "restricted" in items[1].get_text() and not items[1].select("a.source, blockquote")
    markdown = vic.get(f"/insights/{world['insight']}/export.md").get_data(as_text=True)
    assert "[RESTRICTED]" in markdown and MARK not in markdown.lower()
    # A search over quotes would say what the restricted quote holds: a non-member's matches titles and summaries.
    assert vic.get(f"/api/v1/insights?q={MARK}").json["insights"] == []


def test_a_non_member_cannot_quote_tag_or_replace_a_restricted_document(world):
    cory = signed_in(world["app"], "cory")
    secret, passage = world["secret"], world["secret_passage"]
    response = cory.post(f"/api/v1/insights/{world['insight']}/evidence", json={"passage_id": passage,
                                                                                   "quote": MARK})
    assert response.status_code == 400 and f"no passage with id {passage}" in response.json["error"]["message"]
    assert cory.get(f"/insights/pick?passage={passage}").status_code == 404
    assert cory.put(f"/api/v1/documents/{secret}/tags", json={"tags": ["x"]}).status_code == 404
    assert cory.post(f"/documents/{secret}/tags", data={"tags": "x"}).status_code == 404
    upload = {"files": (io.BytesIO(b"# New\n\nA new version of the call.\n"), "new.md"),
              "replace": str(secret)}
    assert cory.post("/api/v1/uploads", data=upload, content_type="multipart/form-data").status_code == 400
    into = {"files": (io.BytesIO(b"# New\n\nSomething said.\n"), "new.md"),
            "collection": "NDA interviews"}
    response = cory.post("/api/v1/uploads", data=into, content_type="multipart/form-data")
    assert response.status_code == 400 and "member" in response.json["error"]["message"]


def test_members_and_admins_see_the_restricted_document(world):
    for name in ("nora", "ada"):
        client = signed_in(world["app"], name)
        for url in (f"/?q={QUESTION}&mode=keyword", f"/documents/{world['secret']}", "/documents",
                    f"/api/v1/documents/{world['secret']}", "/competitors", f"/insights/{world['insight']}"):
            status, text = body(client, url)
            assert status == 200 and MARK in text, (name, url)
        assert body(client, f"/documents/{world['secret']}/original")[0] == 200


def fill(path: str, world: dict[str, object]) -> str:
    """Return an OpenAPI path with its parameters filled by plausible values that name no restricted thing."""
    values = {"document_id": world["open"], "insight_id": world["insight"], "theme_id": 1, "name": "Acme",
              "batch_id": 1, "evidence_id": 1}
    return re.sub(r"\{([^}]+)\}", lambda m: str(values.get(m.group(1), 1)), path)


def test_a_walk_of_every_openapi_route_and_every_page_link_never_shows_the_restricted_document(world, vic):
    spec = vic.get("/api/v1/openapi.json").json
    queries = {"q": QUESTION, "left": "Acme", "right": "us"}
    start = []
    for path, item in spec["paths"].items():
        if "get" not in item:
            continue
        wanted = [p["name"] for p in item["get"].get("parameters", []) if p["in"] == "query" and p["name"] in queries]
        url = fill(spec.get("servers", [{"url": ""}])[0]["url"] + path, world)
        start.append(url + ("?" + "&".join(f"{k}={queries[k]}" for k in wanted) if wanted else ""))
    assert any("/search?" in u for u in start) and any("/compare?" in u for u in start)
    start += ["/", f"/?q={QUESTION}", "/documents", "/themes", f"/themes?q={QUESTION}", "/competitors",
              f"/competitors/compare?q={QUESTION}&left=Acme&right=us", "/insights", f"/insights/{world['insight']}"]
    seen: set[str] = set()
    queue = list(dict.fromkeys(start))
    while queue and len(seen) < 250:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        with vic.get(url) as response:
            text = response.get_data(as_text=True)
            kind = response.content_type
        assert MARK not in text.lower(), f"{url} shows the restricted document to a non-member"
        if not kind.startswith("text/html"):
            continue
        for link in BeautifulSoup(text, "html.parser").select("a[href]"):
            parts = urlsplit(link["href"])
            if parts.netloc or not parts.path.startswith("/") or parts.path.startswith("/static"):
                continue
            queue.append(parts.path + ("?" + parts.query if parts.query else ""))
    assert len(seen) > 40 and any(u.startswith(f"/documents/{world['open']}") for u in seen)
    assert not any(u.startswith(f"/documents/{world['secret']}") for u in seen)


def test_admins_manage_collections_on_their_page_and_moving_a_document_applies_at_once(tmp_path: Path):
    app = make_app(tmp_path)
    repo = app.extensions["insights"]
    repo.accounts.add("ada", PASSWORD, "admin")
    repo.accounts.add("vic", PASSWORD, "viewer")
    (tmp_path / "open.md").write_text(OPEN)
    repo.ingest([tmp_path / "open.md"])
    ada, vic = signed_in(app, "ada"), signed_in(app, "vic")
    assert vic.get("/admin/collections").status_code == 403
    assert ada.post("/admin/collections", data={"name": "Board"}).status_code == 303
    assert vic.get("/documents/1").status_code == 200
    assert ada.post("/admin/documents/1/collection", data={"collection": "Board"}).status_code == 303
    assert vic.get("/documents/1").status_code == 404
    assert vic.get(f"/api/v1/search?q={QUESTION}").json["total"] == 0
    ada.post("/admin/collections/1/members", data={"user": "vic"})
    vic = signed_in(app, "vic")
    assert vic.get(f"/api/v1/search?q={QUESTION}").json["total"] > 0
    page = BeautifulSoup(ada.get("/admin/collections").data, "html.parser")
    assert "vic" in page.select_one("table.collections").get_text()
    ada.post("/admin/documents/1/collection", data={"collection": ""})
    ada.post("/admin/collections/1/members", data={"user": "vic", "remove": "1"})
    assert signed_in(app, "vic").get("/documents/1").status_code == 200
    repo.close()


def test_the_cli_creates_collections_and_ingests_into_one(runner: CliRunner, tmp_path: Path):
    (tmp_path / "secret.md").write_text(SECRET)
    assert runner.invoke(cli, ["collections", "create", "NDA interviews"]).exit_code == 0
    result = runner.invoke(cli, ["ingest", str(tmp_path / "secret.md"), "--collection", "nda interviews"])
    assert result.exit_code == 0, result.output
    listed = runner.invoke(cli, ["collections", "list", "--json"])
    assert '"documents": 1' in listed.output
    # The CLI is the person at the machine: it sees everything.
    assert MARK in runner.invoke(cli, ["search", QUESTION, "--mode", "keyword"]).output.lower()
    assert runner.invoke(cli, ["ingest", str(tmp_path), "--collection", "nope"]).exit_code != 0


def test_an_older_database_gains_the_collection_column(tmp_path: Path):
    path = tmp_path / "old.db"
    old = re.sub(r",\s*--[^\n]*\n\s*collection_id INTEGER REFERENCES collections\(id\)", "", SCHEMA)
    assert "collection_id" not in old.split("CREATE TABLE IF NOT EXISTS tags")[0]
    sqlite3.connect(path).executescript(old.split("CREATE TABLE IF NOT EXISTS tags")[0])
    store = Store(path)
    assert "collection_id" in {row[1] for row in store.db.execute("PRAGMA table_info(documents)")}
    store.close()


def test_single_user_mode_sees_everything(tmp_path: Path):
    app: Flask = make_app(tmp_path)
    repo = app.extensions["insights"]
    (tmp_path / "secret.md").write_text(SECRET)
    repo.ingest([tmp_path / "secret.md"], collection=repo.collections.create("NDA").id)
    assert MARK in app.test_client().get(f"/?q={QUESTION}").get_data(as_text=True).lower()
    repo.close()
