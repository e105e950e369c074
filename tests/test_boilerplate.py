"""Boilerplate never becomes a passage: PDF page furniture, web page chrome, survey non-answers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ingest.chunking import chunk_document
from ingest.model import Chunk
from ingest.parsers import ParseOptions, get_parser
from insights.repository import Repository

HEADER = "Acme Research  |  Scheduling study 2026  |  Internal"
PARAGRAPHS = [
    # Page 2: long enough that fpdf2 wraps it over several lines.
    "Managers told us that building the weekly schedule takes most of a Sunday evening, because every "
    "availability change arrives by text message and has to be copied into the grid by hand before the "
    "week can be published to the team.",
    # Page 3
    "Shift workers said the mobile app logs them out every morning, so they sign in again while their "
    "manager watches the clock, and several of them now keep their password on a sticky note in the break "
    "room next to the time clock.",
    # Page 4
    "Payroll admins check every export by hand since the overtime columns came back empty twice last "
    "quarter, which costs each of them about two hours per pay period and a lot of trust in the numbers.",
]


def make_report() -> bytes:
    """A four-page report: a cover page, then pages with a running header and a "Page N of 4" footer."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_font("Helvetica", size=24)
    pdf.multi_cell(0, 14, "Scheduling study 2026\nFindings report", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 8, "Prepared by Dana Whitfield\nMarch 2026", new_x="LMARGIN", new_y="NEXT")
    for number, paragraph in enumerate(PARAGRAPHS, 2):
        pdf.add_page()
        pdf.set_font("Helvetica", size=9)
        pdf.cell(0, 8, HEADER, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=12)
        pdf.multi_cell(0, 7, paragraph, new_x="LMARGIN", new_y="NEXT")
        if number == 3:
            # A word hyphenated at the end of a full line, and one the document spells with a hyphen.
            pdf.multi_cell(0, 7, "Workers asked for a clearer way to swap shifts and request time off; the sched-\n"
                                 "ule page hides both behind a menu that nobody we spoke to could find on a small\n"
                                 "screen, and the time-\noff form needs the manager's approval. We saw time-off "
                                 "requests arrive by text instead.")
        pdf.set_y(-20)
        pdf.set_font("Helvetica", size=9)
        pdf.cell(0, 8, f"Page {number} of 4", align="C")
    return bytes(pdf.output())


def parse_and_chunk(suffix: str, data: bytes) -> tuple[str, list[Chunk]]:
    """Parse and chunk through the public API, checking every passage is an exact span of the text."""
    doc = get_parser(suffix)(data, ParseOptions(name=f"file{suffix}"))
    chunks = chunk_document(doc)
    for chunk in chunks:
        assert doc.text[chunk.start : chunk.end] == chunk.text
    return doc.text, chunks


def passage_with(chunks: list[Chunk], words: str) -> Chunk:
    """The one passage that contains ``words``."""
    found = [chunk for chunk in chunks if words in chunk.text]
    assert len(found) == 1, (words, [c.text for c in chunks])
    return found[0]


# --- PDF ------------------------------------------------------------------------------------------


def test_pdf_running_headers_page_numbers_and_cover_are_not_passages() -> None:
    text, chunks = parse_and_chunk(".pdf", make_report())
    joined = " ".join(chunk.text for chunk in chunks)
    assert "Acme Research" not in joined
    assert "of 4" not in joined
    # The cover stays in the document (the document page shows it) but is no passage.
    assert "Prepared by Dana Whitfield" in text
    assert "Findings report" not in joined
    assert {chunk.locator["page"] for chunk in chunks} == {2, 3, 4}


def test_pdf_wrapped_lines_read_as_sentences_and_keep_their_page() -> None:
    _, chunks = parse_and_chunk(".pdf", make_report())
    for number, paragraph in enumerate(PARAGRAPHS, 2):
        chunk = passage_with(chunks, paragraph)  # the whole paragraph, wrapped lines joined by spaces
        assert chunk.locator == {"page": number}
    swap = passage_with(chunks, "clearer way to swap shifts")
    assert "request time off; the schedule page hides both behind a menu" in swap.text
    # "time-" + "off" keeps its hyphen: the document spells "time-off" elsewhere.
    assert "and the time-off form needs" in swap.text
    assert swap.locator == {"page": 3}


def make_pdf(first_page: str, pages: int = 3) -> bytes:
    """A PDF whose first page holds ``first_page`` and whose other pages each hold a full paragraph."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 8, first_page, new_x="LMARGIN", new_y="NEXT")
    for paragraph in (PARAGRAPHS * 2)[: pages - 1]:
        pdf.add_page()
        pdf.multi_cell(0, 7, " ".join([paragraph] * 4), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def test_pdf_cover_with_a_sentence_on_it_is_still_a_cover() -> None:
    # A title page often carries a line of prose ("Internal use only. Do not forward...") and a subtitle
    # that wraps; far shorter than the pages after it, it is still a cover.
    cover = ("Harbour Logistics User Research\nReturns & Label Printing:\nWhat Small Shops Told Us\n"
             "Findings from seven merchant interviews, a survey and\nsupport tickets from the first quarter\n"
             "April 2026 | Prepared by Noor Haddad, User Research\n"
             "Internal use only. Do not forward this report outside the research team.")
    text, chunks = parse_and_chunk(".pdf", make_pdf(cover, pages=4))
    assert "Prepared by Noor Haddad" in text
    assert {chunk.locator["page"] for chunk in chunks} == {2, 3, 4}


def test_pdf_short_first_page_of_prose_is_content() -> None:
    # A first page that holds a paragraph is content, however much fuller the pages after it are.
    _, chunks = parse_and_chunk(".pdf", make_pdf(PARAGRAPHS[2], pages=3))
    assert {chunk.locator["page"] for chunk in chunks} == {1, 2, 3}
    _, chunks = parse_and_chunk(".pdf", make_pdf("Printing labels: " + PARAGRAPHS[0][:150] + ".", pages=3))
    assert 1 in {chunk.locator["page"] for chunk in chunks}


def test_pdf_page_number_styles_are_dropped() -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_auto_page_break(False)
    styles = ["- 1 -", "2", "3/4", "Page 4"]
    for style in styles:
        pdf.add_page()
        pdf.set_font("Helvetica", size=12)
        pdf.multi_cell(0, 7, f"Notes for the {style!r} page: the team found the export confusing.")
        pdf.set_y(-20)
        pdf.cell(0, 8, style, align="C")
    _, chunks = parse_and_chunk(".pdf", bytes(pdf.output()))
    assert [chunk.text.split(": ")[1] for chunk in chunks] == ["the team found the export confusing."] * 4
    assert [chunk.locator for chunk in chunks] == [{"page": n} for n in range(1, 5)]


def test_pdf_search_never_returns_furniture(repo: Repository, tmp_path: Path) -> None:
    (tmp_path / "study.pdf").write_bytes(make_report())
    repo.ingest([tmp_path / "study.pdf"])
    for query in ["Page 2 of 4", "Acme Research Scheduling study 2026 Internal", "Findings report Dana Whitfield"]:
        for hit in repo.search(query, mode="keyword") + repo.search(query, mode="semantic"):
            assert "Acme Research" not in hit.text and "of 4" not in hit.text and "Findings report" not in hit.text
            assert hit.locator["page"] in (2, 3, 4)


# --- HTML -----------------------------------------------------------------------------------------

PAGE = """<!DOCTYPE html><html><head><title>Offline clock-in | Blog</title></head><body>
<div class="cookie-banner">We use cookies to improve your experience. <button>Accept all</button></div>
<header class="site"><a href="/">Acme</a> <a href="/blog">Blog</a> <a href="/pricing">Pricing</a></header>
<nav aria-label="Breadcrumb"><a href="/blog">Product Blog</a> › <a href="/blog/c">Competitive</a> › ShiftPilot</nav>
<div class="menu"><a href="/a">Features</a> | <a href="/b">Customers</a> | <a href="/c">Careers</a></div>
<main><article>
<header><h1>Offline clock-in</h1><p>Dana Whitfield, Product Marketing, 20 February 2026</p></header>
<p>Warehouse staff cannot clock in from the freezer because there is no signal there.</p>
<h2>What competitors do</h2>
<p>ShiftPilot queues the punch and syncs it later, tagged as an offline punch for the manager.</p>
<aside><h3>Related posts</h3><ul><li><a href="/x">Geofences</a></li><li><a href="/y">Kiosk mode</a></li></ul></aside>
</article></main>
<div role="complementary"><p>Subscribe to our newsletter for weekly tips.</p></div>
<footer>&copy; 2026 Acme Inc. &middot; <a href="/privacy">Privacy</a> &middot; <a href="/terms">Terms</a></footer>
</body></html>"""

CHROME = ["cookies", "Accept all", "Pricing", "Product Blog", "Competitive", "Careers", "Related posts",
          "Kiosk mode", "newsletter", "Privacy", "2026 Acme"]


def test_html_chrome_is_left_out_and_headings_stay() -> None:
    text, chunks = parse_and_chunk(".html", PAGE.encode())
    for words in CHROME:
        assert words not in text
    first = passage_with(chunks, "no signal there")
    assert first.locator == {"heading": "Offline clock-in"}
    assert "Dana Whitfield, Product Marketing" in first.text  # the article's own header is content
    second = passage_with(chunks, "queues the punch")
    assert second.locator == {"heading": "Offline clock-in > What competitors do"}


def test_html_breadcrumb_never_ranks(repo: Repository, tmp_path: Path) -> None:
    (tmp_path / "post.html").write_text(PAGE, encoding="utf-8")
    repo.ingest([tmp_path / "post.html"])
    hits = repo.search("Product Blog Competitive ShiftPilot", mode="keyword")
    assert hits and all("Product Blog" not in hit.text for hit in hits)
    assert all(hit.locator["heading"].startswith("Offline clock-in") for hit in hits)


def test_html_page_of_only_links_keeps_its_links() -> None:
    page = b"<ul><li><a href='/a'>Shift swaps</a></li><li><a href='/b'>Payroll</a></li></ul>"
    text, _ = parse_and_chunk(".html", page)
    assert text == "Shift swaps\n\nPayroll"


# --- survey and ticket non-answers ----------------------------------------------------------------

NON_ANSWERS = ["n/a", "NA", "idk", "-", "None", "No comment.", ".", "?", "nothing", "  ", "N/A!", "I don't know"]


def survey() -> bytes:
    """A survey export: two real answers, one of them short, then one row per non-answer."""
    rows = [("R1", "Too expensive."), ("R2", "The app logs me out every morning before my shift.")]
    rows += [(f"N{index}", answer) for index, answer in enumerate(NON_ANSWERS)]
    return ("respondent,response\n" + "".join(f'{r},"{a}"\n' for r, a in rows)).encode()


def test_survey_non_answers_are_not_passages() -> None:
    text, chunks = parse_and_chunk(".csv", survey())
    assert [chunk.text for chunk in chunks] == ["Too expensive.", "The app logs me out every morning before my shift."]
    assert [chunk.locator for chunk in chunks] == [{"row": 2}, {"row": 3}]
    assert "idk" in text and "No comment." in text  # still part of the document


def test_survey_non_answers_never_rank(repo: Repository, tmp_path: Path) -> None:
    (tmp_path / "survey.csv").write_bytes(survey())
    repo.ingest([tmp_path / "survey.csv"])
    for query in ["idk", "n/a", "no comment", "xqzv blorp", "nothing"]:
        for mode in ("keyword", "semantic", "hybrid"):
            texts = [hit.text for hit in repo.search(query, mode=mode)]
            assert set(texts) <= {"Too expensive.", "The app logs me out every morning before my shift."}, (query, mode)
    document: dict[str, Any] = repo.document(repo.documents()[0]["id"])
    assert "idk" in document["text"]
    assert len(document["passages"]) == 2


@pytest.mark.parametrize("answer", ["n/a", "idk", "no comment", "None."])
def test_ticket_with_only_a_non_answer_is_no_passage(answer: str) -> None:
    lines = ['{"id": 1, "body": "Export fails with ERR-PAY-214 every Friday."}', f'{{"id": 2, "body": "{answer}"}}']
    _, chunks = parse_and_chunk(".jsonl", "\n".join(lines).encode())
    assert [chunk.locator for chunk in chunks] == [{"line": 1}]


def test_ticket_with_a_subject_and_a_non_answer_body_keeps_its_subject() -> None:
    data = b'{"subject": "Payroll export is missing overtime", "body": "n/a"}\n{"subject": "x", "body": "Real text."}'
    _, chunks = parse_and_chunk(".jsonl", data)
    assert chunks[0].text == "Payroll export is missing overtime\nn/a"


def pdf_pages(pages: list[list[str]]) -> bytes:
    """A PDF with one page per list of lines, each line written as its own short paragraph."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_auto_page_break(False)
    pdf.set_font("Helvetica", size=11)
    for lines in pages:
        pdf.add_page()
        for line in lines:
            pdf.multi_cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def test_pdf_paragraph_repeated_on_two_pages_is_kept() -> None:
    quote = "Every manager we met keeps a paper copy of the schedule because the app drifts from the web."
    pages = [[quote, "Shift workers at the second site said the same about the break room printer."],
             [quote, "Payroll admins check the overtime columns by hand after every export."],
             ["Recommendations follow on the next page, ordered by how many people asked."]]
    _, chunks = parse_and_chunk(".pdf", pdf_pages(pages))
    assert sorted(chunk.locator["page"] for chunk in chunks if quote in chunk.text) == [1, 2]


def test_one_page_pdf_keeps_its_title_and_drops_its_page_number() -> None:
    data = pdf_pages([["Interview notes: Harlow Home & Garden", "They schedule in a spreadsheet per store.",
                       "Page 1 of 1"]])
    text, chunks = parse_and_chunk(".pdf", data)
    assert "Page 1 of 1" not in text
    assert [chunk.locator for chunk in chunks] == [{"page": 1}]
    assert "Interview notes: Harlow Home & Garden" in chunks[0].text  # one page: nothing repeats, nothing is a cover


def test_pdf_page_with_only_header_and_footer_is_no_passage() -> None:
    header = "Acme Research | Scheduling study | Internal"
    body = "The export drops overtime for staff with two roles, so payroll checks every run by hand."
    data = pdf_pages([[header, body, "Page 1 of 3"], [header, "Page 2 of 3"], [header, body, "Page 3 of 3"]])
    _, chunks = parse_and_chunk(".pdf", data)
    assert [chunk.locator["page"] for chunk in chunks] == [1, 3]
    assert all(header not in chunk.text for chunk in chunks)


def test_pdf_of_one_repeated_line_is_still_its_text() -> None:
    _, chunks = parse_and_chunk(".pdf", pdf_pages([["Draft notes."], ["Draft notes."]]))
    assert [chunk.text for chunk in chunks] == ["Draft notes.", "Draft notes."]


def test_html_related_articles_and_feedback_footer_are_left_out() -> None:
    page = b"""<html><body><div class="crumbs"><a href="/">Help Center</a> &gt; <a href="/p">Payroll</a></div>
    <h1>Payroll export: overtime missing</h1><p>After you click Export, ERR-PAY-214 appears and the file still
    downloads with overtime written as regular hours.</p>
    <div class="related"><h3>Related articles</h3><ul><li><a href="/1">Setting up pay rules</a></li>
    <li><a href="/2">Getting Started checklist</a></li><li><a href="/3">ADP export profile</a></li></ul></div>
    <footer><p>Was this article helpful?</p><a href="/y">Yes</a> <a href="/n">No</a></footer></body></html>"""
    text, chunks = parse_and_chunk(".html", page)
    for words in ["Help Center", "Related articles", "Setting up pay rules", "Getting Started", "helpful"]:
        assert words not in text
    assert [chunk.locator for chunk in chunks] == [{"heading": "Payroll export: overtime missing"}]


REAL_SHORT = ["None of the shifts sync to my phone.", "Nothing works offline in the freezer.",
              "No comment box on swaps?"]


def test_survey_non_answers_are_not_themed(repo: Repository, tmp_path: Path) -> None:
    answers = [*REAL_SHORT, *(f"The app logs me out every morning before shift number {n}." for n in range(6))]
    rows = answers + ["n/a", "N/A", "idk", "-", "none", "nothing", "no comment", "?"] * 3
    (tmp_path / "pulse.csv").write_text("response\n" + "".join(f'"{r}"\n' for r in rows), encoding="utf-8")
    repo.ingest([tmp_path / "pulse.csv"])
    report = repo.themes()
    assert report.passages == len(answers)  # the real short answers that start like a non-answer are kept
    themed = {pid for theme in report.themes for pid in theme.passage_ids}
    texts = {hit.passage_id: hit.text for hit in repo.search("app logs me out", mode="keyword", limit=50)}
    assert themed and all(texts.get(pid, "").startswith("The app logs me out") for pid in themed)


def test_pdf_heading_after_a_full_closing_line_starts_its_own_line() -> None:
    lines = ["Payroll export trust decides Enterprise deals against the native connectors of Clockwise",
             "HR, and every payroll stakeholder we met raised it before we could show the schedule views.",
             "Staying signed in",
             "Shift workers never want to see a login screen, and they see one on every morning shift now."]
    text, _ = parse_and_chunk(".pdf", pdf_pages([lines]))
    assert text.split("\n") == [f"{lines[0]} {lines[1]}", lines[2], lines[3]]


def test_a_heading_with_nothing_under_it_is_no_passage(repo: Repository, tmp_path: Path) -> None:
    note = tmp_path / "win-loss.md"
    note.write_text("# Win/loss\n\n## ShipNinja\n\n### Pricing\n\nTheir labels cost 40p on every plan.\n")
    repo.ingest([note])
    texts = [p["text"] for p in repo.document(repo.documents()[0]["id"])["passages"]]
    assert texts == ["Pricing\n\nTheir labels cost 40p on every plan."]
    assert "ShipNinja" in repo.document(repo.documents()[0]["id"])["text"]  # still shown with the document
    assert all(h.text != "ShipNinja" for h in repo.search("ShipNinja", "keyword"))


def test_a_note_that_is_only_headings_is_still_ingested(repo: Repository, tmp_path: Path) -> None:
    note = tmp_path / "todo.md"
    note.write_text("# Call Jo about pricing\n\n## Next week\n")
    report = repo.ingest([note])
    assert report.count("added") == 1, report.failed
    assert [p["text"] for p in repo.document(repo.documents()[0]["id"])["passages"]] == ["Next week"]


def test_pdf_table_of_contents_is_no_passage() -> None:
    body = [PARAGRAPHS[0], PARAGRAPHS[1]]
    contents = ["Contents", "1. Executive summary 2", "2. Printing return labels 3", "3. Shoppers without printers 3"]
    leaders = ["Executive summary ........ 2", "Printing return labels ........ 3", "Method . . . . . . 4"]
    for page in (contents, leaders):
        text, chunks = parse_and_chunk(".pdf", pdf_pages([page, body[:1], body[1:]]))
        assert "Executive summary" in text  # the document still shows it
        assert [chunk.locator["page"] for chunk in chunks] == [2, 3]
    # Numbers at the ends of lines are no contents page of themselves: a page of figures is content.
    figures = ["Shops that print their own labels: 12", "Shops that post a label to the shopper: 8",
               "Shops with no returns at all last quarter: 3", "All of them asked for QR code returns."]
    _, chunks = parse_and_chunk(".pdf", pdf_pages([figures, body[:1]]))
    assert [chunk.locator["page"] for chunk in chunks] == [1, 2]


def test_html_share_newsletter_and_ad_boxes_are_left_out() -> None:
    page = b"""<html><body><main><article><h1>Why shops leave ShipNinja</h1>
    <div class="social-share"><span>Share this post</span> <button>Copy link</button></div>
    <p>The first reason is the invoice: add-ons are charged on top of a cheap plan.</p>
    <div class="newsletter_signup"><h3>Get our newsletter</h3><p>One email a month, no spam.</p>
    <input type="email"><button>Subscribe</button></div>
    <div class="ad-slot">Try Parcelly free for 14 days</div>
    <table class="market-share-table"><tr><td>ShipNinja holds 40 percent of small shops</td></tr></table>
    </article></main></body></html>"""
    text, chunks = parse_and_chunk(".html", page)
    for words in ["Share this post", "Copy link", "newsletter", "no spam", "Subscribe", "14 days"]:
        assert words not in text
    joined = " ".join(chunk.text for chunk in chunks)
    assert "the invoice" in joined and "40 percent" in joined  # "market-share" is a table about share, kept
