"""Accounts in a real browser against ``insights serve``: sign in, search and upload by role; tokens; hostile pages.

The server runs with the hashing embedder (sign-in does not depend on the model) and three accounts
made before it starts, so it requires a sign-in even on loopback.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_server import call, free_port, start, stop

pytest.importorskip("playwright.sync_api", reason="the browser tests need the playwright package")

from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402
from test_browser import CHROMIUM, LAUNCH_ARGS, open_context, watch  # noqa: E402
from test_browser_security import hostile_site  # noqa: E402, F401 (a fixture)

from insights.config import Settings  # noqa: E402
from insights.repository import Repository  # noqa: E402

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
NOTE = "# Shift notes\n\nThe geofence rejected me at the door, twice, before my shift started.\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """Start ``insights serve`` on a repository with ada (admin), cory (contributor) and vic (viewer)."""
    folder = tmp_path_factory.mktemp("auth-server")
    data = folder / "data"
    repo = Repository(Settings(data_dir=data, model="hashing"))
    for name, role in (("ada", "admin"), ("cory", "contributor"), ("vic", "viewer")):
        repo.accounts.add(name, PASSWORD, role)
    seed = folder / "payroll.md"
    seed.write_text("# Payroll\n\nThe payroll export dropped every overtime hour last month.\n", encoding="utf-8")
    assert repo.ingest([seed]).count("added") == 1  # document 1, for the pages below
    repo.close()
    port = free_port()
    process = start(data, port, folder / "server.log")
    try:
        yield f"http://127.0.0.1:{port}", folder
    finally:
        stop(process)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Launch Debian's Chromium, headless, once for the module."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


def sign_in(page: Page, base: str, name: str, path: str = "/") -> None:
    """Open a page, get sent to the sign-in form, sign in and land back on the page."""
    page.goto(f"{base}{path}")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}{path}")


def test_a_contributor_signs_in_searches_and_uploads(server, browser, tmp_path):
    base, _ = server
    context = open_context(browser)
    page = context.new_page()
    problems = watch(page)
    sign_in(page, base, "cory")
    expect(page.locator("header nav")).to_contain_text("cory")
    page.fill("#q", "payroll export overtime")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("li.hit").first).to_contain_text("dropped every overtime hour")
    note = tmp_path / "shift-notes.md"
    note.write_text(NOTE, encoding="utf-8")
    page.get_by_role("link", name="Upload", exact=True).click()
    page.set_input_files("#files", [str(note)])
    page.get_by_role("button", name="Upload", exact=True).click()
    page.wait_for_url(re.compile(r"/upload/batches/\d+$"))
    expect(page.locator("section.batch")).to_have_attribute("data-finished", "true", timeout=60_000)
    page.goto(f"{base}/?q=geofence+at+the+door")
    expect(page.locator("li.hit").first).to_contain_text("The geofence rejected me at the door")
    # A contributor may not delete: the button is not there, and the server refuses the request anyway.
    page.goto(f"{base}/documents/1")
    expect(page.locator(".delete-form")).to_have_count(0)
    expect(page.locator("form.tags-form")).to_have_count(1)
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{base}/login")
    assert page.goto(f"{base}/upload").url.startswith(f"{base}/login")
    context.close()
    assert problems == [], "\n".join(problems)


def test_a_viewer_reads_but_every_write_is_hidden_and_refused(server, browser):
    base, _ = server
    context = open_context(browser)
    page = context.new_page()
    sign_in(page, base, "vic", "/documents")
    nav = page.locator("header nav")
    expect(nav).not_to_contain_text("Upload")
    expect(nav).not_to_contain_text("People")
    expect(page.locator("details.danger")).to_have_count(0)
    response = page.goto(f"{base}/upload")
    assert response is not None and response.status == 403
    expect(page.locator("p.error")).to_contain_text("your role, viewer, may not do this")
    refused = page.evaluate("""async () => {
        const form = new FormData();
        form.append("files", new Blob(["# x\\n\\nwords words words"]), "x.md");
        const r = await fetch("/api/v1/uploads", {method: "POST", body: form});
        return [r.status, (await r.json()).error.message];
    }""")
    assert refused[0] == 403 and "viewer" in refused[1]
    context.close()


def test_a_token_made_on_the_account_page_works_until_revoked(server, browser):
    base, _ = server
    context = open_context(browser)
    page = context.new_page()
    sign_in(page, base, "vic", "/account/tokens")
    page.fill("#token-name", "weekly export")
    page.get_by_role("button", name="Create token").click()
    secret = page.locator("#token-secret").inner_text()
    headers = {"Authorization": f"Bearer {secret}"}
    status, _, body, _ = call(f"{base}/api/v1/me", headers=headers)
    assert status == 200 and json.loads(body)["user"]["token_scope"] == "read"
    assert call(f"{base}/api/v1/documents", headers=headers)[0] == 200
    assert call(f"{base}/api/v1/documents")[0] == 401
    page.goto(f"{base}/account/tokens")
    expect(page.locator("#token-secret")).to_have_count(0)  # shown once
    expect(page.locator("table.tokens tbody tr").first).not_to_contain_text("never")  # its use is noted
    page.get_by_role("button", name="Revoke").click()
    expect(page.locator("p.flash")).to_contain_text("Revoked")
    assert call(f"{base}/api/v1/me", headers=headers)[0] == 401
    context.close()


#: A hostile page that auto-submits a delete form to the victim's server.
ATTACK = """<!doctype html><html><body><form id="f" method="post" action="{victim}/documents/1/delete"></form>
<script>document.getElementById("f").submit();</script></body></html>"""


def test_a_hostile_page_cannot_use_a_signed_in_admins_session(server, browser, hostile_site):  # noqa: F811
    base, _ = server
    site, folder = hostile_site
    (folder / "attack.html").write_text(ATTACK.format(victim=base))
    context = open_context(browser)
    page = context.new_page()
    sign_in(page, base, "ada", "/documents/1")
    expect(page.locator(".delete-form")).to_have_count(1)  # an admin sees the delete button
    page.goto(f"{site}/attack.html")
    page.wait_for_url(f"{base}/**")
    assert "cross-site request refused" in page.content()
    assert page.goto(f"{base}/documents/1").status == 200  # still there, and the admin still signed in
    context.close()
