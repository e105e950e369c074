"""Attacks from a real browser: a hostile page on another origin, and a DNS-rebound host name.

A small server on another port plays the hostile site; Chromium's host resolver maps a made-up
name to 127.0.0.1, as a rebinding DNS server would. The app runs as ``insights serve`` with the
hashing embedder (the attacks do not depend on the model).
"""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_server import call, server, upload  # noqa: F401 (server is a fixture)

pytest.importorskip("playwright.sync_api", reason="the browser tests need the playwright package")

from playwright.sync_api import Browser, sync_playwright  # noqa: E402
from test_browser import CHROMIUM, LAUNCH_ARGS  # noqa: E402

pytestmark = pytest.mark.browser

REBOUND = "rebound.test"

#: What a hostile page does on load: an upload that reuses a victim's file name, a no-CORS delete
#: and a JSON tag edit, then an auto-submitted form that deletes the document.
ATTACK = """<!doctype html><html><body>
<form id="f" method="post" action="{victim}/documents/{doc}/delete"></form>
<script>
const upload = new FormData();
upload.append("files", new Blob(["Pwned: all customers love us."]), "notes.md");
Promise.allSettled([
  fetch("{victim}/api/v1/uploads", {{method: "POST", mode: "no-cors", body: upload}}),
  fetch("{victim}/api/v1/documents/{doc}", {{method: "DELETE", mode: "no-cors"}}),
  fetch("{victim}/api/v1/documents/{doc}/tags", {{method: "PUT", mode: "no-cors", body: '{{"tags": ["pwned"]}}',
                                                headers: {{"Content-Type": "text/plain"}}}}),
]).then(() => {{ document.title = "sent"; document.getElementById("f").submit(); }});
</script></body></html>"""


@pytest.fixture
def hostile_site(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """Serve a folder on another port of ``localhost``: another origin, and another site, than 127.0.0.1."""
    folder = tmp_path / "hostile"
    folder.mkdir()
    handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=str(folder), **k)  # noqa: E731
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{httpd.server_address[1]}", folder
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def browser() -> Iterator[Browser]:
    """Launch Chromium with the made-up host name resolving to this machine, as after DNS rebinding."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*LAUNCH_ARGS, f"--host-resolver-rules=MAP {REBOUND} 127.0.0.1"])
        yield chromium
        chromium.close()


def state(base: str) -> list[dict]:
    """Return every document as the API lists it."""
    return json.loads(call(f"{base}/api/v1/documents")[2])["documents"]


def test_a_hostile_page_cannot_upload_delete_or_retag(server, hostile_site, browser):  # noqa: F811
    base, data = server
    batch = upload(base, "notes.md", b"The geofence rejected me at the door before my shift.")
    doc = batch["jobs"][0]["document_id"]
    before = state(base)
    site, folder = hostile_site
    (folder / "attack.html").write_text(ATTACK.format(victim=base, doc=doc))

    page = browser.new_page()
    page.goto(f"{site}/attack.html")
    page.wait_for_url(f"{base}/**", timeout=15_000)  # the form posted: the browser is on the victim now
    refusal = page.content()
    page.close()

    batches = json.loads(call(f"{base}/api/v1/batches/2")[2])
    assert batches.get("error", {}).get("status") == 404, f"the hostile upload was queued: {batches}"
    assert state(base) == before
    assert not [p for p in (data / "uploads").rglob("*") if p.is_file()]
    assert "cross-site request refused" in refusal


def test_a_rebound_host_name_reads_nothing(server, browser):  # noqa: F811
    base, _ = server
    upload(base, "notes.md", b"Confidential: the geofence rejected me at the door.")
    port = base.rsplit(":", 1)[1]
    page = browser.new_page()
    for path in ("/", "/api/v1/documents", "/documents/1"):
        response = page.goto(f"http://{REBOUND}:{port}{path}")
        assert response is not None and response.status == 400
        assert "Confidential" not in page.content() and "does not answer to the host name" in page.content()
    # The same server, asked by its own name, answers.
    assert page.goto(f"{base}/documents/1").status == 200
    assert "Confidential" in page.content()
    page.close()
