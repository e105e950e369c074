"""The web app in a real browser: a real server with the bundled model, driven by Playwright and Chromium.

One server serves the whole module: it is seeded with ``examples/sample`` through the JSON API, then
research files are uploaded through the upload page as a person would. The scenarios check what a
researcher sees and gets (quotes, highlights, downloads, the clipboard), that no page logs a script
error or a Content-Security-Policy violation, and that everything still works with JavaScript off.
They also refresh the README's screenshots in ``docs/screenshots/``.

Needs Debian's ``chromium`` (``apt-get install -y chromium``) or ``INSIGHTS_CHROMIUM=/path/to/chrome``;
without either the module is skipped. Run only these with ``pytest -m browser``; leave them out with
``pytest -m "not browser"``. Screenshots go to a temporary folder; ``INSIGHTS_SCREENSHOTS=docs/screenshots``
refreshes the README's. Under CI (``CI`` set) a missing Chromium fails instead of skipping.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus, urlencode

import pytest
from test_server import free_port, start, stop

pytest.importorskip("playwright.sync_api", reason="the browser tests need the playwright package")

from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright  # noqa: E402

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "sample"
#: Where screenshots go; INSIGHTS_SCREENSHOTS=docs/screenshots refreshes the README's pictures.
SCREENSHOTS = Path(os.environ.get("INSIGHTS_SCREENSHOTS") or Path(tempfile.gettempdir()) / "insights-screenshots")
CHROMIUM = os.environ.get("INSIGHTS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

if not Path(CHROMIUM).exists() and os.environ.get("CI"):
    pytest.fail(f"no Chromium at {CHROMIUM}: CI must install it (see .ci/run)", pytrace=False)
if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install -y chromium, or set INSIGHTS_CHROMIUM",
                allow_module_level=True)

#: Asked in other words than the interview's: it says "split the tip jar", "after close", "forty minutes".
QUESTION = "how long does sharing out gratuities take at the end of the night?"
ANSWER = "It takes me forty minutes"
INTERVIEW_TITLE = "Interview: Rosa Alvarez, Copper Kettle Diner"

#: An interview note with front matter; each paragraph is one line, as editors save them.
INTERVIEW = "\n\n".join([
    f'---\ntitle: "{INTERVIEW_TITLE}"\nkind: interview\ndate: 2026-03-24\nparticipant: P15 Rosa Alvarez\n'
    "segment: SMB\ntags: [tips, payroll]\nauthor: Priya Raman\n---",
    "# Rosa Alvarez, general manager, Copper Kettle Diner",
    "One diner, 31 staff, open six in the morning to midnight. On ShiftCraft Starter since last autumn; "
    "before that, a paper rota pinned next to the walk-in fridge.",
    "## Building the schedule",
    "The weekly schedule is fine now. I build it on Sunday afternoon and it takes maybe half an hour. "
    "Copying last week and fixing the holes is the feature I use most.",
    "Availability is the weak spot: the servers tell me in person, by text, on a napkin. Half of it never "
    "makes it into the app, so the schedule looks right and then two people cannot come in.",
    "## Closing up at night",
    "Every night after close I sit in the back office with a calculator and a notebook and split the tip jar "
    f"between the servers, the bussers and the kitchen. {ANSWER}, and if someone swapped a shift I have to "
    "redo it from the printed schedule because the app does not know who actually stayed.",
    "## Payroll",
    "Payroll goes out every other Friday. I export the hours and my bookkeeper fixes the overtime by hand, "
    "which she is not happy about.",
    "## What she would change",
    "If the app knew who really worked which hours, it could do the tip split for me and put it on the "
    "payslip. That alone would be worth the upgrade.",
]) + "\n"

TRANSCRIPT = """Interviewer: What happens when someone calls in sick before an early shift?
Dev Okoro: I text everyone on the team one by one until somebody says yes. Twenty messages before six, some days.
Interviewer: Does the app help with that?
Dev Okoro: There is an open-shift button, but nobody gets a notification, so in practice I still text people.
Interviewer: Anything else that gets in the way?
Dev Okoro: The kitchen display shows the schedule in UTC, so the cooks think their shift starts five hours late.
"""

KIOSK_NOTE = """# Kiosk field notes

The shared tablet by the staff door logs the previous person out only after ten minutes, so people clock in as
whoever used it last.
"""


#: The sample folder, uploaded file by file with the metadata a researcher would enter.
SEED = {
    "2026-03-18-interview-notes-carla-mendes.md": {},  # its front matter says it all
    "2026-03-19-call-ravi-shah.vtt": {"kind": "interview", "participant": "Ravi Shah", "segment": "Mid-market",
                                      "date": "2026-03-19", "tags": "clock-in, mobile"},
    "2026-03-20-call-jo-whitman.txt": {"kind": "interview", "participant": "Jo Whitman", "segment": "Enterprise",
                                       "date": "2026-03-20", "tags": "clock-in, offline"},
    "help-clock-in-outside-work-area.html": {"kind": "note", "tags": "help-center"},
    "pulse-survey-sample.csv": {"kind": "survey", "date": "2026-02-03", "tags": "pulse"},
    "support-tickets-sample.jsonl": {"kind": "support-ticket"},
}


# -- the server -------------------------------------------------------------------------------------


def post_files(url: str, paths: list[Path], fields: dict[str, str] | None = None) -> dict[str, Any]:
    """POST files as multipart/form-data parts named ``files``, with form fields; return the JSON answer."""
    boundary = uuid.uuid4().hex
    body = b""
    for name, value in (fields or {}).items():
        body += f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n".encode()
    for path in paths:
        body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{path.name}\"\r\n"
                 "Content-Type: application/octet-stream\r\n\r\n").encode() + path.read_bytes() + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def wait_for_batch(base: str, batch_id: int, timeout: float = 120) -> dict[str, Any]:
    """Poll a batch through the API until every file is done; return it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"{base}/api/v1/batches/{batch_id}", timeout=10) as response:
            batch = json.load(response)["batch"]
        if batch["finished"]:
            return batch
        time.sleep(0.3)
    pytest.fail(f"batch {batch_id} did not finish within {timeout:.0f} s")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start ``insights serve`` with the bundled model on a free port, seeded with the sample folder."""
    folder = tmp_path_factory.mktemp("browser-server")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # The real bundled model (model=None), whatever INSIGHTS_MODEL the caller's environment sets.
    process = start(folder / "data", port, folder / "server.log", model=None, timeout=180)
    try:
        batches = [post_files(f"{base}/api/v1/uploads", [SAMPLE / name], fields)["batch"]["id"]
                   for name, fields in SEED.items()]
        for batch_id in batches:
            batch = wait_for_batch(base, batch_id)
            assert batch["counts"]["added"] == batch["total"] == 1, batch
        yield base
    finally:
        stop(process)


# -- the browser ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Launch Debian's Chromium, headless, once for the module."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


#: Turns a CSP violation into a console error even where the browser would only warn.
REPORT_CSP = """document.addEventListener("securitypolicyviolation", (e) => {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline") +
                " at " + e.sourceFile + ":" + e.lineNumber);
});"""


def watch(page: Page) -> list[str]:
    """Collect the page's console errors, uncaught exceptions and CSP violations."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text} ({page.url})")
            if m.type in ("error", "assert") else None)
    page.on("pageerror", lambda e: problems.append(f"uncaught: {e} ({page.url})"))
    # A request cut short by leaving the page (ERR_ABORTED) is not a fault; a blocked or refused one is.
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url} {r.failure}")
            if r.resource_type != "document" and "ERR_ABORTED" not in (r.failure or "") else None)
    return problems


def open_context(browser: Browser, **options: Any) -> BrowserContext:
    """Return a new browser context that reports CSP violations to the console."""
    context = browser.new_context(**{"viewport": DESKTOP, "accept_downloads": True, **options})
    context.add_init_script(REPORT_CSP)
    context.set_default_timeout(15_000)
    return context


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """Return a fresh desktop context: no cookies, nothing cached."""
    context = open_context(browser)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """Return a page whose console must stay free of errors and CSP violations until the test ends."""
    page = context.new_page()
    problems = watch(page)
    yield page
    assert problems == [], "the browser reported problems:\n" + "\n".join(problems)


def shoot(page: Page, name: str) -> None:
    """Save a screenshot for the README."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name))


def in_viewport(page: Page, selector: str) -> bool:
    """Return whether the element's box lies wholly inside the visible viewport."""
    return page.eval_on_selector(selector, """(el) => {
        const r = el.getBoundingClientRect();
        return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight && r.left >= 0
            && r.right <= window.innerWidth;
    }""")


#: Measures a page against a phone's width. ``innerWidth`` is no measure: in a mobile context Chromium
#: zooms out to show the whole page, and ``innerWidth`` grows with it (a 714 px page reads 714 on a 390 px
#: phone). ``clientWidth`` stays the layout viewport the meta viewport asks for, and ``scrollWidth`` is the
#: page's real width. Each element whose right edge passes the screen, outside any box that scrolls or
#: clips it, is named once: the outermost of its overflowing subtree, which is the one to fix.
MEASURE_WIDTH = """(width) => {
  const clipped = (el) => {
    for (let box = el.parentElement; box && box !== document.body; box = box.parentElement) {
      if (getComputedStyle(box).overflowX !== "visible") return true;
    }
    return false;
  };
  const over = (el) => el.getBoundingClientRect().right > width + 0.5;
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
      + [...el.classList].map((c) => "." + c).join("");
  const offenders = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (!over(el) || clipped(el) || (el.parentElement !== document.body && over(el.parentElement))) continue;
    const box = el.getBoundingClientRect();
    offenders.push(`${name(el)}: ${Math.round(box.width)} px wide, right edge at ${Math.round(box.right)} px`);
  }
  return {layout: document.documentElement.clientWidth, page: document.documentElement.scrollWidth, offenders};
}"""


def phone_overflow(page: Page, width: int) -> str | None:
    """Return why the open page does not fit a ``width`` px screen, naming the elements to fix; None when it fits."""
    measured = page.evaluate(MEASURE_WIDTH, width)
    problems = []
    if measured["layout"] != width:
        problems.append(f"its layout viewport is {measured['layout']} px, not the screen's {width} px "
                        "(is the meta viewport missing?)")
    if measured["page"] > width:
        problems.append(f"it is {measured['page']} px wide, {measured['page'] - width} px too wide")
    shown = measured["offenders"][:12]
    problems += [f"  {line}" for line in shown]
    if len(measured["offenders"]) > len(shown):
        problems.append(f"  … and {len(measured['offenders']) - len(shown)} more")
    return "\n".join(problems) or None


def fits_phones(page: Page, server: str, paths: tuple[str, ...], widths: tuple[int, ...] = (PHONE["width"], 360)
                ) -> None:
    """Assert that each page fits each screen width, folded and with every ``<details>`` opened.

    Every page is measured before the assertion, so one run names everything that overflows.
    """
    failures = []
    for path in paths:
        for width in widths:
            page.set_viewport_size({"width": width, "height": PHONE["height"]})
            page.goto(server + path)
            for state in ("", " with its <details> open"):
                if state:
                    page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
                problem = phone_overflow(page, width)
                if problem:
                    failures.append(f"{path} on a {width} px screen{state}: {problem}")
    assert not failures, "pages wider than a phone:\n" + "\n".join(failures)


def search_url(base: str, question: str, **params: str) -> str:
    """Return the search page's URL for a question."""
    extra = "".join(f"&{k}={quote_plus(v)}" for k, v in params.items())
    return f"{base}/?q={quote_plus(question)}{extra}"


# -- uploading through the page ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def uploaded(server: str, browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Upload an interview and a transcript through the upload page, with JavaScript; watch the batch finish.

    Returns what the batch page showed, for the upload test to check; the other tests search these files.
    """
    folder = tmp_path_factory.mktemp("research")
    interview = folder / "rosa-alvarez-interview.md"
    interview.write_text(INTERVIEW, encoding="utf-8")
    transcript = folder / "dev-okoro-call.txt"
    transcript.write_text(TRANSCRIPT, encoding="utf-8")

    # Keep the worker busy first, so the batch page surely opens before its files are done and has to poll.
    backlog = folder / "backlog.md"
    backlog.write_text("\n\n".join(f"Lorem ipsum dolor sit amet {i}, " + "consectetur adipiscing elit " * 12
                                    for i in range(40)), encoding="utf-8")
    busy = post_files(f"{server}/api/v1/uploads", [backlog])["batch"]["id"]

    context = open_context(browser)
    page = context.new_page()
    problems = watch(page)
    polls: list[str] = []
    page.on("request", lambda r: polls.append(r.url) if "/api/v1/batches/" in r.url else None)
    page.goto(f"{server}/upload")
    page.set_input_files("#files", [str(interview), str(transcript)])
    chosen = page.locator(".file-list li .name").all_text_contents()
    page.select_option("select[name=kind]", "interview")  # for the transcript; the note's front matter wins
    page.fill("input[name=tags]", "q1-study")
    page.get_by_role("button", name="Upload", exact=True).click()
    page.wait_for_url(re.compile(r"/upload/batches/\d+$"))
    page.evaluate("window.stillTheSamePage = true")  # a reload would lose it: progress must update in place
    section = page.locator("section.batch")
    waiting = page.locator("table.jobs tr.status-queued, table.jobs tr.status-running").count()
    refresh_hidden = page.locator("a.refresh").count() == 1 and page.locator("a.refresh").is_hidden()
    expect(section).to_have_attribute("data-finished", "true", timeout=90_000)
    expect(page.locator(".progress-text")).to_have_text("2 of 2 files done")
    result = {
        "chosen": chosen,
        "waiting": waiting,
        "polls": len(polls),
        "refresh_hidden": refresh_hidden,
        "same_page": page.evaluate("window.stillTheSamePage === true"),
        "progress": page.eval_on_selector("section.batch progress", "p => [p.value, p.max]"),
        "rows": {row.locator("td.file").inner_text(): (row.locator("td.status").inner_text(),
                                                       row.locator("td.message").inner_text(),
                                                       row.locator("td.file a").get_attribute("href")
                                                       if row.locator("td.file a").count() else None)
                 for row in page.locator("table.jobs tbody tr").all()},
        "url": page.url,
    }
    shoot(page, "upload.png")
    context.close()
    # The backlog only made the worker busy: take it out of the library again.
    document_id = wait_for_batch(server, busy)["jobs"][0]["document_id"]
    with urllib.request.urlopen(urllib.request.Request(f"{server}/api/v1/documents/{document_id}",
                                                       method="DELETE")) as response:
        assert response.status == 204
    assert problems == [], "the browser reported problems:\n" + "\n".join(problems)
    return result


def test_upload_page_shows_progress_until_every_file_is_added(uploaded: dict[str, Any]) -> None:
    assert uploaded["chosen"] == ["rosa-alvarez-interview.md", "dev-okoro-call.txt"]
    assert uploaded["waiting"] >= 1, "the batch page opened before its files were done"
    assert uploaded["refresh_hidden"], "with JavaScript the page updates itself: no Refresh link"
    assert uploaded["polls"] >= 2, "the page polled the batch's JSON status"
    assert uploaded["same_page"], "the batch page updated in place rather than reloading"
    assert uploaded["progress"] == [2, 2]
    rows = uploaded["rows"]
    assert set(rows) == {"rosa-alvarez-interview.md", "dev-okoro-call.txt"}
    for filename, (status, message, link) in rows.items():
        assert status == "added", (filename, status, message)
        assert re.fullmatch(r"\d+ passages", message.strip()), message
        assert link and re.fullmatch(r"/documents/\d+", link), link


def test_dropping_files_on_the_zone_adds_them_to_the_form(page: Page, server: str) -> None:
    page.goto(f"{server}/upload")
    page.set_input_files("#files", {"name": "first.md", "mimeType": "text/markdown", "buffer": b"# One\n\nText."})
    transfer = page.evaluate_handle("""() => {
        const dt = new DataTransfer();
        dt.items.add(new File(["Interviewer: Hi\\nAna: Hello"], "dropped call.txt", {type: "text/plain"}));
        dt.items.add(new File(["x"], "slides.pptx"));
        return dt;
    }""")
    page.dispatch_event(".dropzone", "dragenter", {"dataTransfer": transfer})
    expect(page.locator(".dropzone")).to_have_class(re.compile(r"\bdragging\b"))
    page.dispatch_event(".dropzone", "drop", {"dataTransfer": transfer})
    expect(page.locator(".dropzone")).not_to_have_class(re.compile(r"\bdragging\b"))
    assert page.eval_on_selector("#files", "i => [...i.files].map(f => f.name)") == [
        "first.md", "dropped call.txt", "slides.pptx"]
    items = page.locator(".file-list li")
    expect(items).to_have_count(3)
    expect(items.nth(2)).to_have_class("unsupported")
    expect(items.nth(2)).to_contain_text("unsupported type")
    # An unsupported file is caught before anything is sent; removing it clears the way.
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.locator(".upload-error")).to_contain_text("slides.pptx: unsupported file type")
    assert page.url == f"{server}/upload"
    page.get_by_role("button", name="Remove slides.pptx").click()
    expect(items).to_have_count(2)
    assert page.eval_on_selector("#files", "i => i.files.length") == 2


# -- searching --------------------------------------------------------------------------------------


def test_a_paraphrased_question_finds_the_quote_and_opens_it_highlighted(
        page: Page, server: str, uploaded: dict[str, Any]) -> None:
    page.goto(f"{server}/")
    page.fill("#q", QUESTION)
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r"[?&]q="))
    first = page.locator("ol.hits > li.hit").first
    expect(first.locator(".quote")).to_contain_text(ANSWER)
    expect(first.locator("a.source")).to_have_text(INTERVIEW_TITLE)
    expect(first.locator(".badge")).to_have_text("interview")
    expect(first.locator(".participant")).to_have_text("P15 Rosa Alvarez")
    expect(first.locator("time")).to_have_text("2026-03-24")
    expect(first.locator("button.copy")).to_be_visible()
    shoot(page, "search.png")

    first.locator("a.source").click()
    page.wait_for_url(re.compile(r"/documents/\d+\?passage=\d+#p\d+$"))
    cited = page.locator(".document-text .passage.cited")
    expect(cited).to_have_count(1)
    # A Markdown passage is marked block by block: its heading, then its paragraph.
    mark = cited.locator("mark", has_text=ANSWER)
    expect(mark).to_be_visible()
    expect(mark).to_contain_text(ANSWER)
    # The cited passage is scrolled into the middle of the viewport and focused for screen readers.
    expect(cited).to_be_focused()
    assert in_viewport(page, ".passage.cited mark")
    assert page.evaluate("window.scrollY") > 0, "the passage is far enough down to need the scroll"
    background = mark.evaluate("m => getComputedStyle(m).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent"), "the quote is visibly highlighted"
    shoot(page, "document.png")
    page.get_by_role("link", name="← Back to results").click()
    page.wait_for_url(re.compile(r"/\?q="))
    expect(page.locator("#q")).to_have_value(QUESTION)


def test_the_ranking_choice_reruns_the_search(page: Page, server: str, uploaded: dict[str, Any]) -> None:
    page.goto(search_url(server, "tip jar"))
    page.get_by_label("Exact words").check()
    page.wait_for_url(re.compile(r"mode=keyword"))
    expect(page.get_by_label("Exact words")).to_be_checked()
    expect(page.locator("li.hit .quote").first).to_contain_text("tip jar")


def test_a_facet_filters_every_card_and_can_be_removed(page: Page, server: str, uploaded: dict[str, Any]) -> None:
    page.goto(search_url(server, "the app logs people out before they can clock in"))
    before = {t.strip().lower() for t in page.locator("li.hit .badge").all_text_contents()}
    assert len(before) > 1, f"the question should find several kinds before filtering, not {before}"
    page.locator("aside.facets ul.facet-kind a", has_text="interview").click()
    page.wait_for_url(re.compile(r"kind=interview"))
    badges = page.locator("li.hit .badge").all_text_contents()
    assert badges and {b.strip() for b in badges} == {"interview"}
    active = page.locator("ul.active-filters a")
    expect(active).to_have_count(1)
    expect(active).to_contain_text("interview")
    active.click()
    page.wait_for_url(lambda url: "kind=" not in url)
    expect(page.locator("ul.active-filters")).to_have_count(0)
    after = {t.strip().lower() for t in page.locator("li.hit .badge").all_text_contents()}
    assert after == before


def test_csv_export_downloads_the_quotes_shown(page: Page, server: str, uploaded: dict[str, Any]) -> None:
    page.goto(search_url(server, QUESTION))
    shown = page.locator("li.hit .quote").all_text_contents()
    with page.expect_download() as info:
        page.locator("a.export-csv").click()
    download = info.value
    assert download.suggested_filename == "insights-export.csv"
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8-sig"))))
    quotes = [row["quote"] for row in rows]
    # The file holds the words shown, without Markdown's syntax; the page lays them out in blocks.
    assert [q.split() for q in quotes[: len(shown)]] == [s.split() for s in shown]
    first = rows[0]
    assert ANSWER in first["quote"] and first["title"] == INTERVIEW_TITLE and first["kind"] == "interview"
    assert INTERVIEW_TITLE in first["citation"] and "P15 Rosa Alvarez" in first["citation"]
    assert re.search(r"/documents/\d+\?passage=\d+#p\d+$", first["link"])


def test_copy_puts_the_quote_and_its_citation_on_the_clipboard(
        browser: Browser, server: str, uploaded: dict[str, Any]) -> None:
    context = open_context(browser, permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    problems = watch(page)
    try:
        page.goto(search_url(server, QUESTION))
        first = page.locator("li.hit").first
        quote = " ".join(first.locator(".quote").text_content().split())
        button = first.locator("button.copy")
        expect(button).to_have_accessible_name("Copy quote with citation")
        button.click()
        expect(button).to_have_text("Copied")
        expect(page.locator("#announcer")).to_have_text(re.compile("copied", re.I))
        clipboard = page.evaluate("navigator.clipboard.readText()")
        assert quote in " ".join(clipboard.split())
        assert INTERVIEW_TITLE in clipboard and "P15 Rosa Alvarez" in clipboard
        expect(button).to_have_accessible_name("Copy quote with citation", timeout=5_000)  # label comes back
    finally:
        context.close()
    assert problems == [], "the browser reported problems:\n" + "\n".join(problems)


# -- the other pages ---------------------------------------------------------------------------------


def test_library_lists_every_document_and_filters_by_kind(page: Page, server: str, uploaded: dict[str, Any]) -> None:
    page.goto(f"{server}/documents")
    rows = page.locator("table.library tbody tr")
    assert rows.count() >= len(SEED) + 2
    expect(page.locator("table.library td.title a", has_text=INTERVIEW_TITLE)).to_be_visible()
    # The select-all box, added by the script, ticks every row.
    page.get_by_label("Select all documents shown").check()
    assert all(box.is_checked() for box in page.locator("tbody input[name=document]").all())
    page.get_by_label("Select all documents shown").uncheck()
    shoot(page, "library.png")
    page.select_option("select[name=kind]", "interview")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"kind=interview"))
    badges = page.locator("table.library .badge").all_text_contents()
    assert badges and set(badges) == {"interview"}


def test_keyboard_users_can_skip_to_the_content(page: Page, server: str, uploaded: dict[str, Any]) -> None:
    page.goto(search_url(server, QUESTION))
    page.keyboard.press("Tab")
    skip = page.locator("a.skip")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    outline = skip.evaluate("a => getComputedStyle(a).outlineStyle")
    assert outline != "none", "focus is visible"
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#q")).to_be_focused()


def test_search_folds_its_filters_above_the_results_on_a_phone(
        browser: Browser, server: str, uploaded: dict[str, Any]) -> None:
    context = open_context(browser, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    problems = watch(page)
    try:
        page.goto(search_url(server, QUESTION))
        facets = page.locator("details.facet-panel")
        expect(facets).not_to_have_attribute("open", "")  # folded above the results on a phone
        expect(page.locator("li.hit").first).to_be_in_viewport()
        shoot(page, "search-mobile.png")
        facets.locator("summary").click()
        expect(page.locator("aside.facets ul.facet-kind a").first).to_be_visible()
    finally:
        context.close()
    assert problems == [], "the browser reported problems:\n" + "\n".join(problems)


# -- without JavaScript ---------------------------------------------------------------------------


def test_search_documents_and_upload_work_without_javascript(
        browser: Browser, server: str, uploaded: dict[str, Any], tmp_path: Path) -> None:
    context = open_context(browser, java_script_enabled=False)
    page = context.new_page()
    problems = watch(page)
    try:
        page.goto(f"{server}/")
        page.fill("#q", QUESTION)
        page.press("#q", "Enter")
        first = page.locator("li.hit").first
        expect(first.locator(".quote")).to_contain_text(ANSWER)
        expect(first.locator("button.copy")).to_be_hidden()  # nothing that needs a script is offered
        first.locator("a.source").click()
        page.wait_for_url(re.compile(r"#p\d+$"))
        expect(page.locator(".passage.cited mark").first).to_be_visible()
        assert in_viewport(page, ".passage.cited mark"), "the #p… anchor scrolls to the quote by itself"

        note = tmp_path / "kiosk-notes.md"
        note.write_text(KIOSK_NOTE, encoding="utf-8")
        page.goto(f"{server}/upload")
        page.set_input_files("#files", str(note))
        page.get_by_role("button", name="Upload", exact=True).click()
        page.wait_for_url(re.compile(r"/upload/batches/\d+$"))
        expect(page.locator("h1")).to_contain_text("Upload batch")
        deadline = time.monotonic() + 60
        while page.locator("section.batch").get_attribute("data-finished") != "true":
            assert time.monotonic() < deadline, "the batch did not finish"
            refresh = page.locator("a.refresh")
            expect(refresh).to_be_visible()  # without a script, the page offers a way to look again
            time.sleep(0.5)
            refresh.click()
        row = page.locator("table.jobs tbody tr")
        expect(row).to_have_count(1)
        expect(row.locator("td.status")).to_have_text("added")
        expect(page.locator(".progress-text")).to_have_text("1 of 1 files done")
    finally:
        context.close()
    assert problems == [], "the browser reported problems:\n" + "\n".join(problems)




# -- themes and competitors ---------------------------------------------------------------------------

#: A competitor analysis, filed under its competitor through the upload API.
ROTAMATE_NOTE = """# RotaMate teardown

RotaMate is free for up to ten users; its paid plan costs two dollars fifty per user per month.

RotaMate has no overtime rules and no labor cost report, so payroll teams export to a spreadsheet.
"""

#: App-store reviews that name RotaMate: enough customers saying the same thing to make a theme of it.
ROTAMATE_REVIEWS = """review,rating,store
"We left RotaMate because it has no overtime rules, so payroll was a spreadsheet every week.",2,G2
"RotaMate is cheap but there are no overtime rules; our payroll lead redid the hours by hand.",3,Capterra
"No overtime rules at all in RotaMate, we exported every pay period to a spreadsheet for payroll.",2,G2
"The RotaMate phone app logs staff out all the time, so they miss shift swap requests.",2,App Store
"""


@pytest.fixture(scope="module")
def rotamate(server: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """File a competitor analysis and customer reviews about RotaMate; return the competitor's name."""
    folder = tmp_path_factory.mktemp("rotamate")
    note, reviews = folder / "rotamate-teardown.md", folder / "rotamate-reviews.csv"
    note.write_text(ROTAMATE_NOTE, encoding="utf-8")
    reviews.write_text(ROTAMATE_REVIEWS, encoding="utf-8")
    analysis = {"kind": "competitor-analysis", "competitor": "RotaMate"}
    for path, fields in ((note, analysis), (reviews, {"kind": "review"})):
        batch = post_files(f"{server}/api/v1/uploads", [path], fields)
        assert wait_for_batch(server, batch["batch"]["id"])["counts"]["added"] == 1
    return "RotaMate"


def test_themes_and_competitors_pages_work_without_javascript(
        browser: Browser, server: str, uploaded: dict[str, Any], rotamate: str) -> None:
    context = open_context(browser, java_script_enabled=False)
    page = context.new_page()
    problems = watch(page)
    try:
        page.goto(f"{server}/")
        page.get_by_role("link", name="Themes", exact=True).click()
        cards = page.locator("article.theme")
        expect(cards.first).to_be_visible()
        expect(cards.first.locator("li.hit").first).to_be_visible()
        shoot(page, "themes.png")
        label = cards.first.locator("h2 a").inner_text()
        quotes = int(cards.first.locator(".evidence-quotes strong").inner_text())
        cards.first.locator("h2 a").click()
        page.wait_for_url(re.compile(r"/themes/1(\?|$)"))
        expect(page.locator("article.theme h2")).to_contain_text(label)
        expect(page.locator("li.hit")).to_have_count(quotes)
        page.locator(".back a").click()
        page.select_option("select[name=kind]", "interview")
        page.get_by_role("button", name="Show themes").click()
        page.wait_for_url(re.compile(r"kind=interview"))
        expect(page.locator("select[name=kind]")).to_have_value("interview")
        expect(page.locator(".summary-count")).to_contain_text("passages")
        badges = page.locator("article.theme .breakdown .badge").all_text_contents()
        assert all(b.startswith("interview") for b in badges), badges

        page.get_by_role("link", name="Competitors", exact=True).click()
        page.get_by_role("link", name="RotaMate").click()
        expect(page.locator(".column > h2")).to_have_count(2)
        page.get_by_role("link", name="← All competitors").click()
        page.fill("input[name=q]", "overtime and labor cost")
        page.get_by_role("button", name="Compare").click()
        page.wait_for_url(re.compile(r"/competitors/compare\?"))
        expect(page.locator(".column > h2").first).to_contain_text("us")
        expect(page.locator(".column").nth(1).locator("li.hit").first).to_contain_text("RotaMate")
        shoot(page, "compare.png")
    finally:
        context.close()
    assert problems == [], "the browser reported problems:\n" + "\n".join(problems)


# -- phones ---------------------------------------------------------------------------------------------

#: A page with a 700 px box, and a wider table that scrolls in its own box as tables may.
WIDE_PAGE = """<!doctype html><html><head><meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><h1>Too wide</h1>
<div class="table-wrap" style="overflow-x: auto"><table style="width: 900px"><tr><td>wide table</td></tr></table></div>
<div class="too-wide" style="width: 700px">a box wider than any phone</div></body></html>"""


def test_the_phone_check_names_what_is_wider_than_the_screen(browser: Browser) -> None:
    context = open_context(browser, viewport={"width": 360, "height": 780}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        page.set_content(WIDE_PAGE)
        # The check this one replaces read 0 here: a phone's innerWidth grows with the page.
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") == 0
        problem = phone_overflow(page, 360)
        assert problem is not None, "a 700 px box on a 360 px screen must not pass"
        assert "it is 708 px wide, 348 px too wide" in problem, problem  # 700 px and the body's 8 px margin
        assert "div.too-wide: 700 px wide, right edge at 708 px" in problem, problem
        assert "table" not in problem, "a table scrolling inside its own box is not the page's overflow"
        with pytest.raises(AssertionError, match="div.too-wide"):
            fits_phones(page, "", ("data:text/html," + quote_plus(WIDE_PAGE).replace("+", "%20"),), (360,))

        page.evaluate("document.querySelector('.too-wide').remove()")
        assert phone_overflow(page, 360) is None
        # Without a meta viewport a phone lays the page out 980 px wide: everything "fits", nothing reads.
        bare = context.new_page()
        bare.set_content("<!doctype html><p>no meta viewport</p>")
        assert "layout viewport is 980 px, not the screen's 360 px" in (phone_overflow(bare, 360) or "")
    finally:
        context.close()


@pytest.fixture(scope="module")
def insight(server: str, uploaded: dict[str, Any]) -> dict[str, Any]:
    """Save an insight with two quotes through the API; return it."""
    with urllib.request.urlopen(f"{server}/api/v1/search?q={quote_plus(QUESTION)}", timeout=30) as response:
        hits = json.load(response)["hits"]
    body = {"title": "Managers split the tip jar by hand after close",
            "summary": "Every night a manager spends forty minutes with a calculator.\n\nShift swaps make it worse.",
            "evidence": [{"passage_id": hit["passage_id"]} for hit in hits[:2]]}
    request = urllib.request.Request(f"{server}/api/v1/insights", data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["insight"]


def test_every_page_fits_a_360px_phone(browser: Browser, server: str, uploaded: dict[str, Any], rotamate: str,
                                       insight: dict[str, Any]) -> None:
    passage = insight["evidence"][0]["passage_id"]
    document = insight["evidence"][0]["document_id"]
    pages = {
        "search": "/?" + urlencode({"q": QUESTION}),
        "document": f"/documents/{document}?passage={passage}#p{passage}",
        "library": "/documents",
        "upload": "/upload",
        "batch": uploaded["url"].removeprefix(server),
        "themes": "/themes",
        "a theme": "/themes/1",
        "competitors": "/competitors",
        "a competitor": f"/competitors/{rotamate}",
        "compare": "/competitors/compare?" + urlencode({"q": "overtime and pricing", "left": "us", "right": rotamate}),
        "saved insights": "/insights",
        "an insight": f"/insights/{insight['id']}",
        "new insight": "/insights/new",
        "pick an insight": f"/insights/pick?passage={passage}&next=/",
        "an error": "/documents/999999",
    }
    context = open_context(browser, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    problems = watch(page)
    try:
        fits_phones(page, server, tuple(pages.values()), (360,))
        # Files chosen on a phone have long names; the list of them must wrap, not widen the page.
        page.goto(server + pages["upload"])
        page.set_input_files("#files", [
            {"name": "2026-03-24-interview-rosa-alvarez-copper-kettle-diner-full-transcript.md",
             "mimeType": "text/markdown", "buffer": INTERVIEW.encode()},
            {"name": "slides.pptx", "mimeType": "application/octet-stream", "buffer": b"x"}])
        expect(page.locator(".file-list li")).to_have_count(2)
        assert phone_overflow(page, 360) is None, phone_overflow(page, 360)
        shoot(page, "phone-upload-chosen.png")
        for name, path in pages.items():
            page.set_viewport_size({"width": 360, "height": PHONE["height"]})
            page.goto(server + path)
            shoot(page, f"phone-{name.replace(' ', '-')}.png")
    finally:
        context.close()
    # The error page's own 404 is the one failure expected.
    problems = [p for p in problems if not ("404" in p and p.endswith("/documents/999999)"))]
    assert problems == [], "the browser reported problems:\n" + "\n".join(problems)
