"""The audit log through HTTP with accounts on: every action under the name of who did it, and the admin page."""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

from insights import create_app
from insights.repository import Repository
from insights.storage import audit
from insights.storage.store import Store
from insights.web import jobs

PASSWORD = "correct horse battery"
NOTE = b"# Payroll\n\nThe payroll export failed twice last month, right before the pay run.\n"
PRICE = b"# Pricing\n\nPricing is fair for a small cafe like ours, but forecasting costs extra.\n"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    """Return an app with ada (admin), cory (contributor) and vic (viewer); form tokens off."""
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "data"), "MODEL": "hashing",
                      "WTF_CSRF_ENABLED": False})
    for name, role in (("ada", "admin"), ("cory", "contributor"), ("vic", "viewer")):
        app.extensions["insights"].accounts.add(name, PASSWORD, role)
    yield app
    app.extensions["insights"].close()


def signed_in(app: Flask, name: str, password: str = PASSWORD) -> FlaskClient:
    """Return a client signed in as ``name`` through the sign-in form."""
    client = app.test_client()
    response = client.post("/login", data={"name": name, "password": password})
    assert response.status_code == 303, response.get_data(as_text=True)
    return client


class Log:
    """The audit log as a test reads it: what was added since the last look."""

    def __init__(self, repo: Repository) -> None:
        self.repo = repo
        self.seen = max((e.id for e in repo.audit_log()), default=0)

    def new(self) -> list[audit.Entry]:
        """Return the entries added since the last call, oldest first."""
        found = [e for e in self.repo.audit_log() if e.id > self.seen]
        self.seen = max((e.id for e in found), default=self.seen)
        return found

    def expect(self, *wanted: tuple[str, str, str]) -> list[audit.Entry]:
        """Check that exactly these (actor, action, target) entries were added since the last look."""
        found = self.new()
        assert [(e.actor, e.action, e.target) for e in found] == list(wanted)
        return found


def work_queue(repo: Repository) -> None:
    """Ingest every queued upload, as the background worker would."""
    while jobs.run_one(repo):
        pass


def test_audit_entries_appear_for_each_action_under_the_users_name(app):
    repo: Repository = app.extensions["insights"]
    log = Log(repo)

    # Sign-ins, good and bad: the bad one under the name tried, with the address and why, never the password.
    assert app.test_client().post("/login", data={"name": "cory", "password": "not it at all"}).status_code == 401
    assert app.test_client().post("/login", data={"name": "nobody", "password": PASSWORD}).status_code == 401
    failed = log.expect(("cory", "login.failed", "user:cory"), ("nobody", "login.failed", "user:nobody"))
    assert failed[0].detail == {"address": "127.0.0.1", "reason": "wrong password"}
    assert failed[1].detail["reason"] == "unknown name"
    cory, vic, ada = signed_in(app, "cory"), signed_in(app, "vic"), signed_in(app, "ada")
    log.expect(("cory", "login", "user:cory"), ("vic", "login", "user:vic"), ("ada", "login", "user:ada"))

    # Uploads: the page and the API queue them; the worker ingests them later under the uploader's name.
    assert cory.post("/upload", data={"files": (io.BytesIO(NOTE), "pay.md")}).status_code == 302
    assert cory.post("/api/v1/uploads", data={"files": (io.BytesIO(PRICE), "price.md")}).status_code == 202
    log.expect()
    work_queue(repo)
    ids = {d["filename"]: d["id"] for d in repo.documents()}
    pay, price = f"document:{ids['pay.md']}", f"document:{ids['price.md']}"
    log.expect(("cory", "document.add", pay), ("cory", "document.add", price))

    assert cory.post(f"/documents/{ids['pay.md']}/tags", data={"tags": "payroll"}).status_code == 302
    assert cory.put(f"/api/v1/documents/{ids['pay.md']}/tags", json={"tags": ["payroll", "export"]}).status_code == 200
    log.expect(("cory", "document.tags", pay), ("cory", "document.tags", pay))

    assert vic.get("/export.csv", query_string={"q": "payroll export"}).status_code == 200
    log.expect(("vic", "export", "search"))

    # Saved insights, from the pages and the API.
    passage = repo.document(ids["pay.md"])["passages"][0]["id"]
    assert cory.post("/insights/save", data={"passage": passage, "insight": "new", "title": "Exports fail",
                                             "next": "/"}).status_code == 302
    first = log.expect(("cory", "insight.create", "insight:1"))[0]
    assert first.detail["title"] == "Exports fail"
    assert cory.post("/insights/save", data={"passage": passage, "insight": "1", "next": "/"}).status_code == 302
    assert cory.post("/insights/1/edit", data={"title": "Payroll exports fail", "summary": ""}).status_code == 302
    evidence = repo.saved.get(1).evidence[0].id
    assert cory.post(f"/insights/1/evidence/{evidence}/delete").status_code == 302
    assert vic.get("/insights/1/export.md").status_code == 200
    log.expect(("cory", "insight.evidence.add", "insight:1"), ("cory", "insight.update", "insight:1"),
               ("cory", "insight.evidence.remove", "insight:1"), ("vic", "export", "insight:1"))
    assert cory.post("/insights/new", data={"title": "Pricing", "summary": ""}).status_code == 302
    assert cory.post("/insights/2/delete").status_code == 302
    log.expect(("cory", "insight.create", "insight:2"), ("cory", "insight.delete", "insight:2"))
    made = cory.post("/api/v1/insights", json={"title": "API", "evidence": [{"passage_id": passage}]})
    assert made.status_code == 201
    api = f"/api/v1/insights/{made.json['insight']['id']}"
    added = cory.post(f"{api}/evidence", json={"passage_id": passage})
    assert added.status_code == 201
    assert cory.patch(api, json={"summary": "from a script"}).status_code == 200
    assert cory.delete(f"{api}/evidence/{added.json['evidence']['id']}").status_code == 204
    assert vic.get(f"{api}/export.md").status_code == 200
    assert cory.delete(api).status_code == 204
    target = f"insight:{made.json['insight']['id']}"
    log.expect(("cory", "insight.create", target), ("cory", "insight.evidence.add", target),
               ("cory", "insight.update", target), ("cory", "insight.evidence.remove", target),
               ("vic", "export", target), ("cory", "insight.delete", target))

    # Deletes, one by one from the page and the API, and in bulk.
    assert ada.post(f"/documents/{ids['pay.md']}/delete").status_code == 302
    assert ada.delete(f"/api/v1/documents/{ids['price.md']}").status_code == 204
    log.expect(("ada", "document.delete", pay), ("ada", "document.delete", price))
    assert cory.post("/api/v1/uploads", data={"files": (io.BytesIO(NOTE), "again.md")}).status_code == 202
    work_queue(repo)
    again = next(d["id"] for d in repo.documents() if d["filename"] == "again.md")
    assert ada.post("/documents/delete", data={"document": str(again)}).status_code == 302
    log.expect(("cory", "document.add", f"document:{again}"), ("ada", "document.delete", f"document:{again}"))

    # People: added, role changed, disabled, enabled, password reset; each by the admin, on that account.
    assert ada.post("/admin/users", data={"name": "dee", "password": PASSWORD, "role": "viewer"}).status_code == 303
    dee = repo.accounts.get("dee").id
    assert ada.post(f"/admin/users/{dee}/role", data={"role": "contributor"}).status_code == 303
    assert ada.post(f"/admin/users/{dee}/disable", data={"disabled": "1"}).status_code == 303
    assert ada.post(f"/admin/users/{dee}/disable", data={"disabled": "0"}).status_code == 303
    assert ada.post(f"/admin/users/{dee}/password", data={"password": "another long one"}).status_code == 303
    entries = log.expect(("ada", "user.add", "user:dee"), ("ada", "user.role", "user:dee"),
                         ("ada", "user.disable", "user:dee"), ("ada", "user.enable", "user:dee"),
                         ("ada", "user.password.reset", "user:dee"))
    assert entries[0].detail == {"role": "viewer"}
    assert entries[1].detail == {"before": "viewer", "role": "contributor"}

    # Tokens and your own account: created, revoked (by you and by an admin), password changed, signed out.
    page = cory.post("/account/tokens", data={"name": "nightly", "scope": "write"})
    assert page.status_code == 201
    secret = BeautifulSoup(page.data, "html.parser").select_one("#token-secret").get_text()
    token = repo.accounts.tokens("cory")[0].id
    assert cory.post("/account/tokens", data={"name": "spare", "scope": "read"}).status_code == 201
    spare = repo.accounts.tokens("cory")[0].id
    created = log.expect(("cory", "token.create", f"token:{token}"), ("cory", "token.create", f"token:{spare}"))
    assert created[0].detail == {"owner": "cory", "name": "nightly", "scope": "write", "prefix": secret[:10]}
    # A token's requests are audited under its owner's name.
    bearer = {"Authorization": f"Bearer {secret}"}
    upload = app.test_client().post("/api/v1/uploads", data={"files": (io.BytesIO(PRICE), "token.md")}, headers=bearer)
    assert upload.status_code == 202 and upload.json["batch"]["actor"] == "cory"
    work_queue(repo)
    assert log.new()[0].actor == "cory"
    assert cory.post(f"/account/tokens/{spare}/revoke").status_code == 303
    assert ada.post(f"/admin/tokens/{token}/revoke").status_code == 303
    revoked = log.expect(("cory", "token.revoke", f"token:{spare}"), ("ada", "token.revoke", f"token:{token}"))
    assert revoked[1].detail == {"owner": "cory", "name": "nightly", "scope": "write"}
    assert cory.post("/account/password", data={"current": PASSWORD, "new": "a brand new one",
                                                 "confirm": "a brand new one"}).status_code == 303
    assert cory.post("/account/logout-everywhere").status_code == 303
    assert vic.post("/logout").status_code == 303
    log.expect(("cory", "user.password.change", "user:cory"), ("cory", "logout.everywhere", "user:cory"),
               ("vic", "logout", "user:vic"))
    assert vic.post("/logout").status_code == 303  # no session left: nobody to name, nothing to record
    log.expect()

    # Neither a password nor a token's secret is ever written to the log.
    with sqlite3.connect(Path(app.config["DATA_DIR"]) / "insights.db") as db:
        text = " ".join(str(value) for row in db.execute("SELECT * FROM audit") for value in row)
    for secret_text in (PASSWORD, "not it at all", "another long one", "a brand new one", secret):
        assert secret_text not in text


def test_cli_account_commands_are_audited_as_local(app):
    accounts = app.extensions["insights"].accounts
    log = Log(app.extensions["insights"])
    accounts.set_role("vic", "contributor")
    _, secret = accounts.create_token("vic", "cli", "read")
    accounts.end_sessions("vic")
    log.expect(("local", "user.role", "user:vic"), ("local", "token.create", "token:1"),
               ("local", "logout.everywhere", "user:vic"))


def test_the_audit_page_is_for_admins_only(app):
    for name in ("vic", "cory"):
        client = signed_in(app, name)
        assert client.get("/admin/audit").status_code == 403
        assert client.get("/api/v1/audit").status_code == 403
    assert app.test_client().get("/admin/audit").status_code == 303  # nobody signed in: to the sign-in page
    assert app.test_client().get("/api/v1/audit").status_code == 401
    ada = signed_in(app, "ada")
    html = BeautifulSoup(ada.get("/").data, "html.parser")
    assert html.select_one("nav a[href='/admin/audit']") is not None
    html = BeautifulSoup(signed_in(app, "vic").get("/").data, "html.parser")
    assert html.select_one("nav a[href='/admin/audit']") is None


def test_the_audit_page_shows_entries_newest_first_with_filters_and_pages(app):
    ada = signed_in(app, "ada")
    evil = "<script>alert(1)</script>\u202e"
    app.test_client().post("/login", data={"name": evil, "password": "x" * 8})
    rows = BeautifulSoup(ada.get("/admin/audit").data, "html.parser").select("table.audit tbody tr")
    assert [r.select_one("td.action").get_text() for r in rows[:2]] == ["login.failed", "login"]
    actor = rows[0].select_one("td.actor bdi")
    assert actor is not None and actor.get_text() == evil[:64]  # escaped, and isolated from the text around it
    assert "127.0.0.1" in rows[0].select_one("td.detail").get_text()

    only = BeautifulSoup(ada.get("/admin/audit", query_string={"action": "user", "user": "local"}).data, "html.parser")
    assert [r.select_one("td.target").get_text() for r in only.select("table.audit tbody tr")] == [
        "user:vic", "user:cory", "user:ada"]
    assert "user.add" in [o.get_text() for o in only.select("select[name=action] option")]

    accounts = app.extensions["insights"].accounts
    for _ in range(60):
        accounts.end_sessions("vic")
    first = BeautifulSoup(ada.get("/admin/audit", query_string={"action": "logout"}).data, "html.parser")
    assert len(first.select("table.audit tbody tr")) == 50
    older = first.select_one("nav.pages a[rel=next]")["href"]
    second = BeautifulSoup(ada.get(older).data, "html.parser")
    assert len(second.select("table.audit tbody tr")) == 10 and second.select_one("nav.pages a[rel=next]") is None

    bad = ada.get("/admin/audit", query_string={"since": "last tuesday"})
    assert bad.status_code == 400 and b"neither a time" in bad.data
    assert ada.get("/admin/audit", query_string={"before": "9" * 30}).status_code == 400
    assert "No entries" in ada.get("/admin/audit", query_string={"user": "nobody"}).get_data(as_text=True)


def test_the_audit_api_pages_newest_first(app):
    ada = signed_in(app, "ada")
    page = ada.get("/api/v1/audit", query_string={"limit": 2})
    assert page.status_code == 200
    assert [e["action"] for e in page.json["entries"]] == ["login", "user.add"]
    rest = ada.get("/api/v1/audit", query_string={"limit": 2, "before": page.json["next_before"]}).json
    assert [e["target"] for e in rest["entries"]] == ["user:cory", "user:ada"] and rest["next_before"] is None
    assert ada.get("/api/v1/audit", query_string={"limit": 0}).status_code == 400
    assert ada.get("/api/v1/audit", query_string={"since": "soon"}).json["error"]["status"] == 400


def test_an_upload_queued_by_an_older_version_is_audited_as_local(tmp_path):
    path = tmp_path / "insights.db"
    Store(path).close()
    with sqlite3.connect(path) as db:  # the batches table as it was before uploads had an uploader
        db.execute("ALTER TABLE batches DROP COLUMN actor")
        db.execute("INSERT INTO batches (metadata) VALUES ('{}')")
    store = Store(path)
    assert store.db.execute("SELECT actor FROM batches").fetchone()[0] == audit.LOCAL
    store.close()
