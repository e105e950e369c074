"""Accounts through HTTP: sign-in, roles on every route (pages and API), sessions, API tokens, single-user mode."""

from __future__ import annotations

import io
import re
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

from insights import create_app
from insights.accounts import LoginThrottle
from insights.web import jobs
from insights.web.auth import ENDPOINTS

PASSWORD = "correct horse battery"
NOTE = b"# Notes\n\nThe geofence rejected me at the door, twice, before my shift.\n"
SAFE = {"GET", "HEAD", "OPTIONS"}
#: Pages and API routes that only show something but still need more than read: a change's forms, progress
#: or the people page. Listed here so that loosening the table is a visible, deliberate change.
GET_BEYOND_READ = {"upload.form": "write", "upload.batch": "write", "saved.new": "write", "saved.pick": "write",
                   "api.batch": "write", "admin.users": "admin", "admin.collections": "admin",
                   "admin.audit": "admin", "api.audit": "admin"}


def make_app(tmp_path: Path, **config: object) -> Flask:
    """Return an app on a fresh repository with the hashing embedder (form tokens off unless asked)."""
    return create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "data"), "MODEL": "hashing",
                       "WTF_CSRF_ENABLED": False, **config})


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    """Return an app with three accounts: ada (admin), cory (contributor) and vic (viewer)."""
    app = make_app(tmp_path)
    accounts = app.extensions["insights"].accounts
    for name, role in (("ada", "admin"), ("cory", "contributor"), ("vic", "viewer")):
        accounts.add(name, PASSWORD, role)
    yield app
    app.extensions["insights"].close()


def signed_in(app: Flask, name: str) -> FlaskClient:
    """Return a client signed in as ``name`` through the sign-in form."""
    client = app.test_client()
    response = client.post("/login", data={"name": name, "password": PASSWORD})
    assert response.status_code == 303, response.get_data(as_text=True)
    return client


def url_for_rule(rule) -> str:  # type: ignore[no-untyped-def]
    """Fill a rule's variables with plausible values (the permission check runs before any lookup)."""
    values = {"fmt": "csv", "filename": "app.css", "name": "acme"}
    return rule.build({arg: values.get(arg, 1) for arg in rule.arguments})[1]


#: Routes a walk skips: they sign the walker in or out (their own tests cover them).
SIGN_IN_OUT = {"auth.login", "auth.logout", "account.logout_everywhere"}


def routes(app: Flask) -> Iterator[tuple[str, str, str]]:
    """Yield every (endpoint, method, url) the app serves, except the ones that sign the walker out."""
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if rule.endpoint not in SIGN_IN_OUT:
                yield rule.endpoint, method, url_for_rule(rule)


def status_of(client: FlaskClient, method: str, url: str) -> int:
    """Make one request and return its status (closing the response: static files are streamed)."""
    with client.open(url, method=method) as response:
        return response.status_code


def needs(endpoint: str, method: str) -> str:
    """Return what the route needs by this test's own reckoning: any change of the repository is a write at least."""
    if ENDPOINTS[endpoint] in ("public", "account"):  # signing in, and your own password and tokens
        return "read"
    if method not in SAFE:
        return "admin" if ENDPOINTS[endpoint] == "admin" else "write"
    return GET_BEYOND_READ.get(endpoint, "read")


# -- the table -----------------------------------------------------------------------------------


def test_every_route_has_a_permission_rule_and_every_rule_a_route(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(ENDPOINTS) == set(), "add these endpoints to insights/web/auth.py ENDPOINTS"
    assert set(ENDPOINTS) - endpoints == set()


def test_no_change_is_allowed_by_read_and_no_safe_route_needs_more_than_this_test_knows(app):
    for endpoint, method, _ in routes(app):
        if method not in SAFE:
            assert ENDPOINTS[endpoint] in ("write", "admin", "account") or endpoint in ("auth.login", "auth.logout")
        elif ENDPOINTS[endpoint] in ("write", "admin"):
            assert GET_BEYOND_READ[endpoint] == ENDPOINTS[endpoint]


def test_a_route_missing_from_the_table_is_refused_even_to_an_admin(tmp_path):
    app = make_app(tmp_path)
    app.add_url_rule("/forgotten", "forgotten", lambda: "secret")
    assert app.test_client().get("/forgotten").status_code == 403  # single-user mode: the local admin
    app.extensions["insights"].accounts.add("ada", PASSWORD, "admin")
    response = signed_in(app, "ada").get("/forgotten")
    assert response.status_code == 403 and b"secret" not in response.data


# -- roles on every route --------------------------------------------------------------------------


def test_a_viewer_gets_403_on_every_write_route_page_and_api(app):
    viewer = signed_in(app, "vic")
    refused = []
    for endpoint, method, url in routes(app):
        status = status_of(viewer, method, url)
        if needs(endpoint, method) != "read":
            assert status == 403, f"{method} {url} ({endpoint}) answered a viewer {status}"
            refused.append(endpoint)
        else:
            assert status not in (401, 403), f"{method} {url} ({endpoint}) refused a viewer"
    assert {"upload.form", "api.upload", "documents.delete", "api.delete_document", "saved.save_quote",
            "api.set_tags", "admin.add"} <= set(refused)


def test_api_refusals_are_json(app):
    response = signed_in(app, "vic").put("/api/v1/documents/1/tags", json={"tags": ["x"]})
    assert response.status_code == 403
    assert "viewer" in response.json["error"]["message"] and "contributor" in response.json["error"]["message"]


def test_a_viewer_gets_403_on_every_write_operation_of_the_openapi_document(app):
    viewer = signed_in(app, "vic")
    spec = viewer.get("/api/v1/openapi.json").json
    operations = [(path, method, op) for path, item in spec["paths"].items()
                  for method, op in item.items() if method != "parameters"]
    assert len(operations) >= 20
    for path, method, op in operations:
        url = re.sub(r"\{[^}]+\}", lambda m: "acme" if m.group() == "{name}" else "1", path)
        status = status_of(viewer, method.upper(), url)
        if method != "get" or op["x-permission"] != "read" and op["x-permission"] != "public":
            assert status == 403, f"{method.upper()} {path} answered a viewer {status}"
            assert "403" in op["responses"] and "401" in op["responses"]
        else:
            assert status not in (401, 403), f"{method.upper()} {path} refused a viewer"


def test_a_contributor_may_write_but_not_delete_documents_or_manage_people(app):
    contributor = signed_in(app, "cory")
    for endpoint, method, url in routes(app):
        status = status_of(contributor, method, url)
        if needs(endpoint, method) == "admin":
            assert status == 403, f"{method} {url} answered a contributor {status}"
        else:
            assert status not in (401, 403), f"{method} {url} ({endpoint}) refused a contributor"


def test_an_admin_may_use_every_route(app):
    admin = signed_in(app, "ada")
    for endpoint, method, url in routes(app):
        status = status_of(admin, method, url)
        assert status not in (401, 403), f"{method} {url} ({endpoint}) refused an admin"


def test_a_role_change_applies_to_the_very_next_request(app):
    contributor = signed_in(app, "cory")
    assert contributor.get("/upload").status_code == 200
    app.extensions["insights"].accounts.set_role("cory", "viewer")
    assert contributor.get("/upload").status_code == 403


# -- nobody signed in --------------------------------------------------------------------------------


def test_without_a_session_pages_go_to_sign_in_and_the_api_answers_401(app):
    client = app.test_client()
    page = client.get("/documents?kind=interview")
    assert page.status_code == 303 and page.headers["Location"] == "/login?next=/documents?kind%3Dinterview"
    api = client.get("/api/v1/search?q=geofence")
    assert api.status_code == 401 and api.json["error"]["status"] == 401
    assert api.headers["WWW-Authenticate"].lower().startswith("bearer")
    assert client.post("/api/v1/uploads", data={"files": (io.BytesIO(NOTE), "n.md")}).status_code == 401
    assert client.get("/login").status_code == 200
    assert client.get("/api/v1/openapi.json").status_code == 200
    assert status_of(client, "GET", "/static/app.css") == 200


def test_single_user_mode_is_loopback_with_no_accounts_only(tmp_path):
    app = make_app(tmp_path)
    local = app.test_client()
    assert local.get("/upload").status_code == 200
    assert local.get("/api/v1/me").json["user"] == {"name": "local", "role": "admin", "single_user": True,
                                                    "token_scope": None}
    # No accounts, but asked from another machine, or served on every interface: nobody gets in.
    remote = app.test_client()
    remote.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert remote.get("/").status_code == 303
    answer = remote.get("/api/v1/documents")
    assert answer.status_code == 401 and "insights users add NAME --role admin" in answer.json["error"]["message"]
    assert "insights users add NAME --role admin" in remote.get("/login").get_data(as_text=True)
    wide = make_app(tmp_path / "wide", SERVED_ON="0.0.0.0").test_client()
    assert wide.get("/api/v1/documents").status_code == 401
    # The first account ends single-user mode on loopback too.
    app.extensions["insights"].accounts.add("ada", PASSWORD, "admin")
    assert local.get("/upload").status_code == 303
    assert local.get("/api/v1/me").status_code == 401


def test_single_user_pages_look_as_before(tmp_path):
    nav = BeautifulSoup(make_app(tmp_path).test_client().get("/").data, "html.parser").select("header nav a")
    assert [a.get_text() for a in nav] == ["Search", "Themes", "Competitors", "Library", "Insights", "Upload"]


# -- signing in ------------------------------------------------------------------------------------------


def test_sign_in_sets_a_locked_down_cookie_and_goes_where_asked(app):
    client = app.test_client()
    wrong = client.post("/login", data={"name": "cory", "password": "wrong password"})
    assert wrong.status_code == 401 and b"Wrong name or password" in wrong.data
    response = client.post("/login", data={"name": "CORY", "password": PASSWORD, "next": "/themes"})
    assert response.status_code == 303 and response.headers["Location"] == "/themes"
    cookie = response.headers["Set-Cookie"]
    assert "insights_session=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http on loopback: a Secure cookie would never come back
    assert client.get("/api/v1/me").json["user"]["name"] == "cory"


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:x"])
def test_sign_in_never_sends_anyone_to_another_site(app, target):
    response = app.test_client().post("/login", data={"name": "cory", "password": PASSWORD, "next": target})
    assert response.headers["Location"] == "/"


def test_the_cookie_is_secure_over_https_or_when_set(app, tmp_path):
    https = app.test_client().post("/login", base_url="https://localhost",
                                   data={"name": "cory", "password": PASSWORD})
    assert "Secure" in https.headers["Set-Cookie"]
    forced = make_app(tmp_path / "forced", SESSION_COOKIE_SECURE=True)
    forced.extensions["insights"].accounts.add("ada", PASSWORD, "admin")
    response = forced.test_client().post("/login", data={"name": "ada", "password": PASSWORD})
    assert "Secure" in response.headers["Set-Cookie"]


def test_failed_sign_ins_are_rate_limited_per_name_and_address(app):
    client = app.test_client()
    for _ in range(5):
        assert client.post("/login", data={"name": "cory", "password": "guess guess"}).status_code == 401
    blocked = client.post("/login", data={"name": "cory", "password": PASSWORD})
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    assert b"Too many failed sign-ins" in blocked.data
    # Another name from the same address, and the same name from another address, are not held back.
    assert client.post("/login", data={"name": "vic", "password": PASSWORD}).status_code == 303
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "127.0.0.2"
    assert other.post("/login", data={"name": "cory", "password": PASSWORD}).status_code == 303


def test_the_throttle_forgets_failures_after_its_window_and_on_success():
    now = [0.0]
    throttle = LoginThrottle(limit=2, window=60, clock=lambda: now[0], max_keys=2)
    throttle.failed("a")
    throttle.failed("a")
    assert throttle.retry_after("a") == 61
    now[0] = 30
    assert 0 < throttle.retry_after("a") <= 31
    now[0] = 61
    assert throttle.retry_after("a") == 0
    throttle.failed("b")
    throttle.failed("b")
    throttle.reset("b")
    assert throttle.retry_after("b") == 0
    for key in "cde":  # a flood of names keeps at most max_keys of them
        throttle.failed(key)
    assert len(throttle._failures) <= 2


# -- sessions -------------------------------------------------------------------------------------------


def test_an_idle_session_expires(app):
    client = signed_in(app, "cory")
    assert client.get("/upload").status_code == 200
    with client.session_transaction() as session:
        session["seen"] = int(time.time()) - app.config["SESSION_IDLE_MINUTES"] * 60 - 5
    assert client.get("/upload").status_code == 303


def test_sign_out_ends_the_session(app):
    client = signed_in(app, "cory")
    assert client.post("/logout").status_code == 303
    assert client.get("/upload").status_code == 303


def test_sign_out_everywhere_ends_every_session_of_the_account(app):
    laptop, phone, other = signed_in(app, "cory"), signed_in(app, "cory"), signed_in(app, "vic")
    assert laptop.post("/account/logout-everywhere").status_code == 303
    assert laptop.get("/upload").status_code == 303
    assert phone.get("/upload").status_code == 303
    assert other.get("/").status_code == 200


def test_a_copied_cookie_stops_working_after_sign_out_everywhere(app):
    client = signed_in(app, "cory")
    stolen = app.test_client()
    stolen.set_cookie("insights_session", client.get_cookie("insights_session").value)
    assert stolen.get("/upload").status_code == 200
    client.post("/account/logout-everywhere")
    assert stolen.get("/upload").status_code == 303


def test_disabling_or_a_new_password_ends_sessions(app):
    admin, cory, vic = signed_in(app, "ada"), signed_in(app, "cory"), signed_in(app, "vic")
    assert admin.post("/admin/users/2/disable", data={"disabled": "1"}).status_code == 303
    assert cory.get("/").status_code == 303
    assert app.test_client().post("/login", data={"name": "cory", "password": PASSWORD}).status_code == 401
    assert admin.post("/admin/users/3/password", data={"password": "a new password"}).status_code == 303
    assert vic.get("/").status_code == 303
    assert app.test_client().post("/login", data={"name": "vic", "password": "a new password"}).status_code == 303


def test_changing_your_password_keeps_this_session_and_ends_the_others(app):
    here, there = signed_in(app, "cory"), signed_in(app, "cory")
    wrong = here.post("/account/password", data={"current": "nope nope", "new": "brand new pw",
                                                 "confirm": "brand new pw"})
    assert wrong.status_code == 400
    response = here.post("/account/password", data={"current": PASSWORD, "new": "brand new pw",
                                                    "confirm": "brand new pw"})
    assert response.status_code == 303
    assert here.get("/upload").status_code == 200 and there.get("/upload").status_code == 303


def test_guessing_the_current_password_from_a_borrowed_session_is_rate_limited(app):
    borrowed = signed_in(app, "cory")
    guess = {"current": "guess guess", "new": "brand new pw", "confirm": "brand new pw"}
    assert [borrowed.post("/account/password", data=guess).status_code for _ in range(6)] == [400] * 5 + [429]
    right = borrowed.post("/account/password", data={**guess, "current": PASSWORD})
    assert right.status_code == 429 and app.extensions["insights"].accounts.authenticate("cory", PASSWORD)


# -- API tokens ---------------------------------------------------------------------------------------


def create_token(client: FlaskClient, name: str, scope: str) -> str:
    """Create a token on the account page; return the secret it shows once."""
    page = client.post("/account/tokens", data={"name": name, "scope": scope})
    assert page.status_code == 201 and page.headers["Cache-Control"] == "no-store"
    return BeautifulSoup(page.data, "html.parser").select_one("#token-secret").get_text()


def test_tokens_work_by_scope_and_stop_when_revoked(app, tmp_path):
    cory = signed_in(app, "cory")
    read, write = create_token(cory, "reader", "read"), create_token(cory, "writer", "write")
    assert read.encode() not in cory.get("/account/tokens").data  # shown once
    bearer = app.test_client()  # no cookie at all

    def auth(secret: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {secret}"}

    me = bearer.get("/api/v1/me", headers=auth(read)).json["user"]
    assert me == {"name": "cory", "role": "contributor", "single_user": False, "token_scope": "read"}
    assert bearer.get("/api/v1/search?q=geofence", headers=auth(read)).status_code == 200
    refused = bearer.post("/api/v1/uploads", data={"files": (io.BytesIO(NOTE), "n.md")}, headers=auth(read))
    assert refused.status_code == 403 and "read" in refused.json["error"]["message"]
    accepted = bearer.post("/api/v1/uploads", data={"files": (io.BytesIO(NOTE), "n.md")}, headers=auth(write))
    assert accepted.status_code == 202
    # A write token does what its owner's role allows, never more.
    assert bearer.delete("/api/v1/documents/1", headers=auth(write)).status_code == 403
    # Tokens are for the API: pages still want a signed-in browser.
    assert bearer.get("/upload", headers=auth(write)).status_code == 303
    listed = BeautifulSoup(cory.get("/account/tokens").data, "html.parser").select("table.tokens tbody tr")
    assert len(listed) == 2 and "never" not in listed[1].get_text()  # the reader's last use is shown

    token_id = app.extensions["insights"].accounts.tokens("cory")[-1].id
    assert cory.post(f"/account/tokens/{token_id}/revoke").status_code == 303
    gone = bearer.get("/api/v1/me", headers=auth(read))
    assert gone.status_code == 401 and gone.headers["WWW-Authenticate"].lower().startswith("bearer")
    assert bearer.get("/api/v1/me", headers=auth(write)).status_code == 200
    assert bearer.get("/api/v1/me", headers=auth(write + "x")).status_code == 401
    assert bearer.get("/api/v1/me", headers={"Authorization": f"Basic {write}"}).status_code == 401


def test_a_token_is_stored_hashed_and_dies_with_its_account(app):
    secret = create_token(signed_in(app, "cory"), "script", "write")
    database = Path(app.config["DATA_DIR"]) / "insights.db"
    with sqlite3.connect(database) as db:
        stored = [row for row in db.execute("SELECT * FROM api_tokens")]
        hashes = [row[0] for row in db.execute("SELECT password_hash FROM users")]
    assert stored and all(secret not in str(value) for row in stored for value in row)
    assert all(h.startswith("$argon2id$") and PASSWORD not in h for h in hashes)
    app.extensions["insights"].accounts.set_disabled("cory")
    assert app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_you_cannot_revoke_someone_elses_token_but_an_admin_can(app):
    secret = create_token(signed_in(app, "cory"), "script", "read")
    token_id = app.extensions["insights"].accounts.tokens("cory")[0].id
    assert signed_in(app, "vic").post(f"/account/tokens/{token_id}/revoke").status_code == 404
    assert signed_in(app, "ada").post(f"/admin/tokens/{token_id}/revoke").status_code == 303
    assert app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


# -- cross-site and foreign hosts, with accounts on ---------------------------------------------------------


@pytest.fixture
def guarded(tmp_path: Path) -> Iterator[Flask]:
    """Return an app with form tokens on, as in production, and a contributor."""
    app = make_app(tmp_path, WTF_CSRF_ENABLED=True)
    app.extensions["insights"].accounts.add("ada", PASSWORD, "admin")
    app.extensions["insights"].accounts.add("cory", PASSWORD, "contributor")
    yield app
    app.extensions["insights"].close()


def form_token(client: FlaskClient, path: str) -> str:
    """Return the CSRF token of a page's first form."""
    return BeautifulSoup(client.get(path).data, "html.parser").select_one("input[name=csrf_token]")["value"]


def test_cross_site_posts_and_foreign_hosts_are_refused_with_accounts_on(guarded):
    client = guarded.test_client()
    login = {"name": "cory", "password": PASSWORD, "csrf_token": form_token(client, "/login")}
    # Login CSRF: another site cannot sign a victim into its own account.
    assert client.post("/login", data=login, headers={"Origin": "https://evil.example"}).status_code == 403
    assert client.post("/login", data={**login, "csrf_token": "forged"}).status_code == 400
    assert client.post("/login", data=login).status_code == 303
    token = form_token(client, "/upload")
    upload = {"files": (io.BytesIO(NOTE), "n.md"), "csrf_token": token}
    hostile = client.post("/upload", data=upload, headers={"Origin": "https://evil.example"})
    assert hostile.status_code == 403 and b"cross-site request refused" in hostile.data
    assert client.post("/upload", data={"files": (io.BytesIO(NOTE), "n.md")}).status_code == 400  # no form token
    same_site = client.put("/api/v1/documents/1/tags", json={"tags": ["x"]}, headers={"Sec-Fetch-Site": "cross-site"})
    assert same_site.status_code == 403
    for path in ("/", "/login", "/api/v1/me"):
        assert client.get(path, headers={"Host": "evil.example"}).status_code == 400
    assert client.post("/upload", data={"files": (io.BytesIO(NOTE), "n.md"), "csrf_token": token}).status_code == 302


def test_a_viewer_is_refused_before_the_form_token_is_checked(guarded):
    guarded.extensions["insights"].accounts.add("vic", PASSWORD, "viewer")
    client = guarded.test_client()
    client.post("/login", data={"name": "vic", "password": PASSWORD, "csrf_token": form_token(client, "/login")})
    assert client.post("/documents/1/delete").status_code == 403


# -- what each role sees ---------------------------------------------------------------------------------


def test_buttons_a_role_cannot_use_are_hidden(app):
    upload = signed_in(app, "cory").post("/upload", data={"files": (io.BytesIO(NOTE), "notes.md")})
    assert upload.status_code == 302
    while jobs.run_one(app.extensions["insights"]):
        pass
    seen = {}
    for name in ("vic", "cory", "ada"):
        client = signed_in(app, name)
        home = BeautifulSoup(client.get("/documents").data, "html.parser")
        seen[name] = {"upload": bool(home.select('a[href="/upload"]')),
                      "people": bool(home.select('a[href="/admin/users"]')),
                      "bulk_delete": bool(home.select("details.danger")),
                      "account": bool(home.select('a[href="/account/tokens"]')),
                      "sign_out": bool(home.select('form[action="/logout"]'))}
        document = BeautifulSoup(client.get("/documents/1").data, "html.parser")
        seen[name] |= {"tags": bool(document.select("form.tags-form")), "delete": bool(document.select(".delete-form"))}
    assert seen["vic"] == {"upload": False, "people": False, "bulk_delete": False, "account": True, "sign_out": True,
                           "tags": False, "delete": False}
    assert seen["cory"] == {**seen["vic"], "upload": True, "tags": True}
    assert seen["ada"] == {key: True for key in seen["vic"]}


# -- the admin page ----------------------------------------------------------------------------------


def test_an_admin_adds_people_sets_roles_and_cannot_remove_the_last_admin(app):
    admin = signed_in(app, "ada")
    assert admin.post("/admin/users", data={"name": "dee", "role": "viewer", "password": PASSWORD}).status_code == 303
    assert signed_in(app, "dee").get("/upload").status_code == 403
    assert admin.post("/admin/users/4/role", data={"role": "contributor"}).status_code == 303
    assert signed_in(app, "dee").get("/upload").status_code == 200
    bad = admin.post("/admin/users", data={"name": "dee", "role": "viewer", "password": PASSWORD})
    assert bad.status_code == 400 and b"already exists" in bad.data
    page = admin.post("/admin/users/1/role", data={"role": "viewer"}, follow_redirects=True).get_data(as_text=True)
    assert "last enabled admin" in page and app.extensions["insights"].accounts.get("ada").role == "admin"
    rows = BeautifulSoup(page, "html.parser").select("table.users tbody tr")
    assert [r.select_one("td.title").get_text() for r in rows] == ["ada", "cory", "dee", "vic"]


def test_the_first_admin_can_be_added_from_the_page_in_single_user_mode(tmp_path):
    app = make_app(tmp_path)
    local = app.test_client()
    viewer_first = local.post("/admin/users", data={"name": "vic", "role": "viewer", "password": PASSWORD})
    assert viewer_first.status_code == 400 and b"first account must be an admin" in viewer_first.data
    response = local.post("/admin/users", data={"name": "ada", "role": "admin", "password": PASSWORD})
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert local.get("/").status_code == 303
    assert local.get("/account/tokens").status_code == 303


def test_an_upload_batch_is_seen_only_by_who_sent_it_and_admins(app):
    cory = signed_in(app, "cory")
    response = cory.post("/api/v1/uploads", data={"files": (io.BytesIO(NOTE), "p1.md")},
                         content_type="multipart/form-data")
    assert response.status_code == 202, response.json
    batch_id = response.json["batch"]["id"]
    app.extensions["insights"].accounts.add("cleo", PASSWORD, "contributor")
    others, admin = signed_in(app, "cleo"), signed_in(app, "ada")
    for url in (f"/api/v1/batches/{batch_id}", f"/upload/batches/{batch_id}"):
        assert cory.get(url).status_code == 200
        assert admin.get(url).status_code == 200
        refused = others.get(url)
        # A batch names its files and documents: another contributor is told nothing, not even that it exists.
        assert refused.status_code == 404 and b"p1.md" not in refused.data
