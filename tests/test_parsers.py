"""Parsers, through the registry: good files, broken files, odd encodings, big and hostile inputs."""

from __future__ import annotations

import io
import json
import random
import struct
import time
import tracemalloc
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest

from ingest.errors import ParseError
from ingest.model import ParsedDocument
from ingest.parsers import ParseOptions, get_parser
from insights.repository import Repository

TEXT_SUFFIXES = [".md", ".txt", ".html", ".csv", ".jsonl", ".vtt", ".srt"]
ALL_SUFFIXES = [*TEXT_SUFFIXES, ".pdf", ".docx"]


# --- helpers -------------------------------------------------------------------------------------


def parse(suffix: str, data: bytes, **options: Any) -> ParsedDocument:
    """Parse through the public surface and check the invariants every document must hold."""
    doc = get_parser(suffix)(data, ParseOptions(name=f"file{suffix}", **options))
    assert doc.sections
    assert "\r" not in doc.text
    for section in doc.sections:
        piece = doc.text[section.start : section.end]
        assert piece and piece == piece.strip()
    return doc


def fails(suffix: str, data: bytes, **options: Any) -> str:
    """Parse expecting a ParseError; return its message."""
    with pytest.raises(ParseError) as excinfo:
        get_parser(suffix)(data, ParseOptions(name=f"file{suffix}", **options))
    return str(excinfo.value)


def blocks(doc: ParsedDocument) -> list[tuple[str, dict[str, Any]]]:
    """Each section as (text, locator)."""
    return [(doc.text[s.start : s.end], s.locator) for s in doc.sections]


def make_pdf(pages: list[str], title: str | None = None) -> bytes:
    """A PDF with one page per string (an empty string makes a blank page)."""
    from fpdf import FPDF

    pdf = FPDF()
    if title:
        pdf.set_title(title)
    pdf.set_font("Helvetica", size=12)
    for text in pages:
        pdf.add_page()
        if text:
            pdf.multi_cell(0, 10, text)
    return bytes(pdf.output())


def encrypt_pdf(data: bytes, user_password: str, owner_password: str) -> bytes:
    """The same PDF, encrypted with pypdf."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password, owner_password=owner_password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def save_docx(document: Any) -> bytes:
    """A python-docx document as .docx bytes."""
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def new_docx(title: str = "", author: str = "") -> Any:
    """An empty python-docx document with the given core properties."""
    import docx

    document = docx.Document()
    # python-docx's template names "python-docx" as author; tests state what they expect.
    document.core_properties.title = title
    document.core_properties.author = author
    return document


def zip_bomb(name: str, size: int) -> bytes:
    """A real zip whose one member inflates to ``size`` zero bytes, built fast and in bounded memory.

    Deflating a gigabyte takes seconds, so one 1 MB chunk is deflated with a full flush, which
    resets the compressor: the same compressed block then stands for every chunk.
    """
    chunk = bytes(1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    count = size // len(chunk)
    crc = 0
    for _ in range(count):
        crc = zlib.crc32(chunk, crc)
    body = block * count + compressor.flush(zlib.Z_FINISH)
    raw_name = name.encode()
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(body), size, len(raw_name), 0)
    central = struct.pack(
        "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(body), size, len(raw_name), 0, 0, 0, 0, 0, 0
    )
    offset = len(local) + len(raw_name) + len(body)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central) + len(raw_name), offset, 0)
    return local + raw_name + body + central + raw_name + end


def timed(func: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    """Call ``func`` and return its result with the seconds it took."""
    start = time.perf_counter()
    result = func(*args, **kwargs)
    return result, time.perf_counter() - start


# --- every format: empty, blank, binary ----------------------------------------------------------


@pytest.mark.parametrize("suffix", ALL_SUFFIXES)
def test_empty_file_is_refused(suffix: str) -> None:
    assert fails(suffix, b"") == "file is empty"


@pytest.mark.parametrize(
    ("suffix", "message"),
    [
        (".md", "no text found"),
        (".txt", "no text found"),
        (".html", "no text found"),
        (".csv", "no text found"),
        (".jsonl", "no text found"),
        (".vtt", "not a WebVTT file: missing WEBVTT header"),
        (".srt", "not an SRT file: no cues found"),
        (".docx", "not a valid .docx (not a zip archive)"),
    ],
)
def test_whitespace_only_file_is_refused(suffix: str, message: str) -> None:
    assert fails(suffix, b" \r\n\t\n   \n") == message


def test_whitespace_only_pdf_is_refused() -> None:
    assert fails(".pdf", b" \r\n\t\n   \n").startswith("not a readable PDF: ")


@pytest.mark.parametrize(
    ("suffix", "message"),
    [(suffix, "looks like binary data, not text") for suffix in TEXT_SUFFIXES]
    + [(".pdf", "not a readable PDF: "), (".docx", "not a valid .docx (not a zip archive)")],
)
def test_binary_junk_is_refused(suffix: str, message: str) -> None:
    junk = random.Random(7).randbytes(4096)
    assert fails(suffix, junk).startswith(message)


def test_control_characters_without_nul_count_as_binary() -> None:
    assert fails(".txt", b"\x01\x02\x03\x04 abc " * 200) == "looks like binary data, not text"


def test_a_few_control_characters_are_still_text() -> None:
    doc = parse(".txt", b"\x1b[1mbuild\x1b[0m passed\fpage two\n")
    assert doc.text == "\x1b[1mbuild\x1b[0m passed\fpage two"


# --- encodings -------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
@pytest.mark.parametrize(
    ("suffix", "source", "expected"),
    [
        (".txt", "Le café était très bon.\n", "Le café était très bon."),
        (".md", "# Café\nLe café était froid.\n", "Café\nLe café était froid."),
        (".html", "<p>Le café était très bon.</p>", "Le café était très bon."),
        (".csv", "participant;comment\nZoë;Le café était froid\n", "Le café était froid"),
        (".jsonl", '{"text": "Le café était froid", "who": "Zoë"}\n', "Le café était froid"),
        (".vtt", "WEBVTT\n\n00:01.000 --> 00:02.000\nZoë: Très bien, café\n", "Très bien, café"),
        (".srt", "1\n00:00:01,000 --> 00:00:02,000\nZoë: Très bien, café\n", "Très bien, café"),
    ],
)
def test_legacy_encodings_are_decoded(suffix: str, source: str, expected: str, encoding: str) -> None:
    doc = parse(suffix, source.encode(encoding))
    assert doc.text == expected
    if "Zoë" in source:  # as a CSV column, JSON field or speaker
        fields = [value for s in doc.sections for value in [*s.locator.values(), *s.metadata.values()]]
        assert "Zoë" in fields


def test_cp1252_punctuation_is_decoded() -> None:
    data = "naïve résumé — “quoted” costs €5\n".encode("cp1252")
    assert parse(".txt", data).text == "naïve résumé — “quoted” costs €5"


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("Привет, мир! Это тестовый текст про наш продукт и его интерфейс.", "cp1251"),
        ("Zażółć gęślą jaźń, ten produkt jest świetny.", "cp1250"),
        ("Ελληνικά κείμενα για το προϊόν μας.", "cp1253"),
        ("こんにちは、世界。製品はとても良いです。", "shift_jis"),
    ],
)
def test_other_code_pages_are_still_recognised(text: str, encoding: str) -> None:
    assert parse(".txt", (text + "\n").encode(encoding)).text == text


def test_utf16_with_bom_and_crlf() -> None:
    data = "\ufeffLine one café\r\nLine two\rLine three".encode("utf-16-le")
    assert parse(".txt", data).text == "Line one café\nLine two\nLine three"


def test_utf8_bom_is_dropped() -> None:
    assert parse(".txt", "\ufeffhello".encode()).text == "hello"


# --- plain text and speaker transcripts -------------------------------------------------------------


def test_plain_text_is_one_block() -> None:
    doc = parse(".txt", b"First paragraph.\r\n\r\nSecond: with a colon.\r\n")
    assert blocks(doc) == [("First paragraph.\n\nSecond: with a colon.", {})]
    assert doc.metadata == {}
    assert doc.warnings == ()


def test_speaker_transcript_in_plain_text() -> None:
    data = (
        b"Interview with P3, May 2024\n"
        b"\n"
        b"[00:00:05] Interviewer: How did setup go?\n"
        b"[00:00:09] P3: Badly. I could not find the import.\n"
        b"It was hidden under Settings.\n"
        b"[00:00:20] P3: Took me an hour.\n"
        b"00:01 Interviewer: Oh no\n"
        b"(1:02:03) P3: Yes - see https://example.com/help\n"
    )
    doc = parse(".txt", data)
    assert blocks(doc) == [
        ("Interview with P3, May 2024", {}),
        ("How did setup go?", {"speaker": "Interviewer", "time": "00:00:05"}),
        (
            "Badly. I could not find the import.\nIt was hidden under Settings.\nTook me an hour.",
            {"speaker": "P3", "time": "00:00:09"},
        ),
        ("Oh no", {"speaker": "Interviewer", "time": "00:00:01"}),
        ("Yes - see https://example.com/help", {"speaker": "P3", "time": "01:02:03"}),
    ]


def test_speaker_transcript_without_times() -> None:
    doc = parse(".txt", b"Anna: Hi\nBen: Hello\nBen: Again\nAnna: Bye\n")
    assert blocks(doc) == [
        ("Hi", {"speaker": "Anna"}),
        ("Hello\nAgain", {"speaker": "Ben"}),
        ("Bye", {"speaker": "Anna"}),
    ]


@pytest.mark.parametrize(
    "text",
    [
        # Too few turn-like lines among prose.
        "Note: this matters.\nWe met the team.\nThey liked it.\nSummary: good.\nMore prose here.\n",
        # URLs and clock times are not speakers.
        "http://a.example\nhttps://b.example\n10:30 meeting\n12:00 lunch\n",
        # Only two turns.
        "Anna: Hi\nBen: Hello\n",
        # A "name" longer than 40 characters is a sentence.
        "\n".join(["This line is far too long to be a speaker name at all: yes"] * 4),
    ],
)
def test_prose_is_not_mistaken_for_a_transcript(text: str) -> None:
    doc = parse(".txt", text.encode())
    assert blocks(doc) == [(text.strip(), {})]


def test_five_megabytes_of_text_is_quick() -> None:
    paragraph = "Users said the onboarding checklist was confusing and slow. " * 10
    data = (paragraph.strip() + "\n\n").encode() * 9000
    assert len(data) > 5_000_000
    doc, seconds = timed(parse, ".txt", data)
    assert len(doc.sections) == 1
    assert doc.text.startswith("Users said") and doc.text.endswith("slow.")
    assert seconds < 60  # generous: this guards against quadratic blow-ups, not for speed


def test_transcript_with_a_very_long_turn_is_quick() -> None:
    # 25000 pairs of turns keep turn lines above the 60% that makes the text a transcript.
    data = b"Anna: Hi\nBen: Hello\n" * 25000 + b"Anna: And one more thing\n" + b"that goes on and on\n" * 30000
    doc, seconds = timed(parse, ".txt", data)
    assert len(doc.sections) == 50001
    assert blocks(doc)[-1] == ("And one more thing" + "\nthat goes on and on" * 30000, {"speaker": "Anna"})
    assert seconds < 60  # generous: this guards against quadratic blow-ups, not for speed


def test_big_non_utf8_text_is_decoded_quickly() -> None:
    data = ("Le café était très bon. " * 20 + "\n\n").encode("cp1252") * 10000
    doc, seconds = timed(parse, ".txt", data)
    assert doc.text.startswith("Le café était très bon.")
    assert seconds < 60  # generous: this guards against quadratic blow-ups, not for speed


# --- HTML -----------------------------------------------------------------------------------------


def test_html_visible_text_in_heading_blocks() -> None:
    data = b"""<!doctype html>
<html><head><title> Onboarding   study </title><style>p { color: red }</style></head>
<body>
<p>Intro   text
 wraps here<br>and breaks</p>
<h1>Findings</h1>
<p>Admins struggle.</p>
<ul><li>Import is hidden</li><li>Roles are <b>confusing</b></li></ul>
<h2>Quotes</h2>
<blockquote>I gave up &amp; called support</blockquote>
<table>
  <tr><th>Who</th><th>Score</th></tr>
  <tr>
    <td>P1</td>
    <td>2</td>
  </tr>
</table>
<h3>Detail</h3><div>deep</div>
<h2>Next steps</h2>
<pre>step 1
  step 2</pre>
</body></html>"""
    doc = parse(".html", data)
    assert blocks(doc) == [
        ("Intro text wraps here\nand breaks", {}),
        ("Findings\n\nAdmins struggle.\n\nImport is hidden\n\nRoles are confusing", {"heading": "Findings"}),
        ("Quotes\n\nI gave up & called support\n\nWho | Score\n\nP1 | 2", {"heading": "Findings > Quotes"}),
        ("Detail\n\ndeep", {"heading": "Findings > Quotes > Detail"}),
        ("Next steps\n\nstep 1\n  step 2", {"heading": "Findings > Next steps"}),
    ]
    assert doc.metadata == {"title": "Onboarding study"}


def test_html_title_falls_back_to_first_h1() -> None:
    doc = parse(".html", b"<h2>Intro</h2><p>x</p><h1>Real title</h1><p>y</p><h1>Other</h1>")
    assert doc.metadata == {"title": "Real title"}


@pytest.mark.parametrize("title, heading, expected", [
    ("Payroll export: overtime missing | ShiftCraft Help Center", "Payroll export: overtime missing",
     "Payroll export: overtime missing"),
    ("ShiftCraft Blog – Teardown: the ShiftPilot app (v8.4)", "Teardown: the ShiftPilot app",
     "Teardown: the ShiftPilot app (v8.4)"),
    ("Release notes - March", "Something else entirely", "Release notes - March"),  # no part like the heading
    ("Pricing | Plans", None, "Pricing | Plans"),  # no heading to tell the site's name from the page's
    ("Onboarding study", "Onboarding study", "Onboarding study"),
])
def test_html_title_drops_the_site_name(title: str, heading: str | None, expected: str) -> None:
    body = f"<h1>{heading}</h1><p>x</p>" if heading else "<p>x</p>"
    doc = parse(".html", f"<html><head><title>{title}</title></head><body>{body}</body></html>".encode())
    assert doc.metadata == {"title": expected}


def test_html_hostile_content_is_not_text() -> None:
    data = b"""<html><head><title>t</title><script>var secret = 1;</script></head><body>
<!-- a comment --><p>Visible</p>
<script>document.write("injected")</script>
<img src=x onerror="alert('xss')">
<noscript>enable js</noscript><template><p>template text</p></template>
<svg><text>svg text</text></svg><iframe src="https://evil.example">frame text</iframe>
<style>.x { content: "styled" }</style>
<div hidden>hidden text</div><span style="display: none">invisible</span>
<p>Also <a href="javascript:alert(1)">visible</a></p>
</body></html>"""
    doc = parse(".html", data)
    assert doc.text == "Visible\n\nAlso visible"


def test_deeply_nested_html() -> None:
    depth = 20000
    data = b"<div>" * depth + b"deep text" + b"</div>" * depth
    assert parse(".html", data).text == "deep text"


def test_html_that_is_all_script_has_no_text() -> None:
    assert fails(".html", b"<script>alert(1)</script><!-- only this -->") == "no text found"


def test_big_html_is_quick() -> None:
    data = b"<h1>Report</h1>" + b"<p>Paragraph about the admin console and its roles.</p>" * 50000
    doc, seconds = timed(parse, ".html", data)
    assert len(doc.sections) == 1
    assert doc.text.count("\n\n") == 50000
    assert seconds < 60  # generous: this guards against quadratic blow-ups, not for speed


# --- markdown -------------------------------------------------------------------------------------

MARKDOWN = b"""---
title: Interview 3
date: 2024-05-17
kind: Interview
participant: P3
tags: [Onboarding, admin]
---
Notes taken live.

# Findings
> "I couldn't find the import button" - P3

<!-- reviewer: double-check this
# not a heading either -->
## Setup ##
```python
# a comment, not a heading
print("x")
```
~~~
## also code
~~~
### Detail
Text *as written*.
## Roles
Confusing.
"""


def test_markdown_front_matter_and_heading_blocks() -> None:
    doc = parse(".md", MARKDOWN)
    assert blocks(doc) == [
        ("Notes taken live.", {}),
        ('Findings\n> "I couldn\'t find the import button" - P3', {"heading": "Findings"}),
        (
            'Setup\n```python\n# a comment, not a heading\nprint("x")\n```\n~~~\n## also code\n~~~',
            {"heading": "Findings > Setup"},
        ),
        ("Detail\nText *as written*.", {"heading": "Findings > Setup > Detail"}),
        ("Roles\nConfusing.", {"heading": "Findings > Roles"}),
    ]
    assert doc.metadata == {
        "title": "Interview 3",
        "date": "2024-05-17",
        "kind": "interview",
        "participant": "P3",
        "tags": ["admin", "onboarding"],
    }
    assert doc.warnings == ()


def test_markdown_title_falls_back_to_first_h1() -> None:
    doc = parse(".md", b"## Before\ntext\n# The title\nbody\n# Second\n")
    assert doc.metadata == {"title": "The title"}
    assert blocks(doc)[0] == ("Before\ntext", {"heading": "Before"})


def test_markdown_date_as_quoted_string_and_datetime() -> None:
    assert parse(".md", b'---\ndate: "2024-05-17"\n---\nx\n').metadata == {"date": "2024-05-17"}
    assert parse(".md", b"---\ndate: 2024-05-17 10:30:00\n---\nx\n").metadata == {"date": "2024-05-17"}


def test_markdown_broken_front_matter_is_a_warning() -> None:
    doc = parse(".md", b"---\ntitle: [unclosed\n---\n# Heading\nbody\n")
    assert blocks(doc) == [("Heading\nbody", {"heading": "Heading"})]
    assert doc.metadata == {"title": "Heading"}
    assert doc.warnings == (
        "front matter is not valid YAML: expected ',' or ']', but got '<stream end>' (line 2); ignored",
    )


def test_markdown_impossible_yaml_date_is_a_warning() -> None:
    doc = parse(".md", b"---\ndate: 2024-13-45\n---\nbody\n")
    assert doc.metadata == {}
    assert doc.warnings == ("front matter is not valid YAML: month must be in 1..12; ignored",)


def test_markdown_non_mapping_front_matter_is_a_warning() -> None:
    doc = parse(".md", b"---\n- just\n- a list\n---\nbody\n")
    assert blocks(doc) == [("body", {})]
    assert doc.warnings == ("front matter is not a mapping of fields (key: value); ignored",)


def test_markdown_unknown_field_values_are_warnings() -> None:
    doc = parse(".md", b"---\nkind: podcast\ndate: soon\nsegment: SMB\n---\nbody\n")
    assert doc.metadata == {"segment": "SMB"}
    assert doc.warnings == (
        "front matter: kind 'podcast' is not one of interview, usability-test, survey, support-ticket, review, "
        "competitor-analysis, sales-call, persona, note; ignored",
        "front matter: date 'soon' is not a date like 2024-05-17; ignored",
    )


def test_markdown_yaml_alias_bomb_is_refused() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for index in range(1, 10):
        prev, name = chr(ord("a") + index - 1), chr(ord("a") + index)
        lines.append(f"{name}: &{name} [{', '.join(['*' + prev] * 9)}]")
    lines.append("title: *j")
    data = ("---\n" + "\n".join(lines) + "\n---\nbody\n").encode()
    doc, seconds = timed(parse, ".md", data)
    assert doc.metadata == {}
    assert doc.warnings == ("front matter is not valid YAML: aliases (*name) are not allowed; ignored",)
    assert seconds < 60  # generous: this guards against quadratic blow-ups, not for speed


def test_markdown_without_closing_front_matter_keeps_the_rule() -> None:
    doc = parse(".md", b"---\nNot front matter\n")
    assert blocks(doc) == [("---\nNot front matter", {})]


def test_markdown_unclosed_fence_hides_later_headings() -> None:
    doc = parse(".md", b"# A\n```\n# B\n")
    assert blocks(doc) == [("A\n```\n# B", {"heading": "A"})]


def test_big_markdown_is_quick() -> None:
    data = b"".join(b"## Section %d\nSome notes about topic %d.\n\n" % (i, i) for i in range(20000))
    doc, seconds = timed(parse, ".md", data)
    assert len(doc.sections) == 20000
    assert blocks(doc)[-1] == ("Section 19999\nSome notes about topic 19999.", {"heading": "Section 19999"})
    assert seconds < 60  # generous: this guards against quadratic blow-ups, not for speed


# --- PDF ------------------------------------------------------------------------------------------


def test_pdf_pages_become_blocks() -> None:
    data = make_pdf(["Page one says hello.\nSecond line with café.", "", "Third page text."], title="Study")
    doc = parse(".pdf", data)
    assert blocks(doc) == [
        ("Page one says hello.\nSecond line with café.", {"page": 1}),
        ("Third page text.", {"page": 3}),
    ]
    assert doc.metadata == {"title": "Study"}
    assert doc.warnings == ()


def test_pdf_without_title_has_no_title() -> None:
    assert parse(".pdf", make_pdf(["Hello"])).metadata == {}


def test_pdf_without_text() -> None:
    assert fails(".pdf", make_pdf(["", ""])) == "PDF has no extractable text (scanned images?)"


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.97])
def test_truncated_pdf(keep: float) -> None:
    data = make_pdf(["Some text on a page."] * 3)
    assert fails(".pdf", data[: int(len(data) * keep)]).startswith("not a readable PDF: ")


def test_encrypted_pdf_needs_a_password() -> None:
    data = encrypt_pdf(make_pdf(["Secret findings."]), user_password="secret", owner_password="owner")
    assert fails(".pdf", data) == (
        "PDF is encrypted (password-protected); remove the password and ingest again"
    )


def test_pdf_with_only_an_owner_password_is_read() -> None:
    data = encrypt_pdf(make_pdf(["Open findings."]), user_password="", owner_password="owner")
    assert blocks(parse(".pdf", data)) == [("Open findings.", {"page": 1})]


def test_pdf_page_that_fails_to_extract_is_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    from pypdf import PageObject

    original = PageObject.extract_text

    def flaky(page: PageObject, *args: Any, **kwargs: Any) -> str:
        text = original(page, *args, **kwargs)
        if "two" in text:
            raise KeyError("/Font")
        return text

    monkeypatch.setattr(PageObject, "extract_text", flaky)
    doc = parse(".pdf", make_pdf(["Page one.", "Page two.", "Page three."]))
    assert blocks(doc) == [("Page one.", {"page": 1}), ("Page three.", {"page": 3})]
    assert doc.warnings == ("page 2: text could not be extracted ('/Font'); skipped",)
    assert fails(".pdf", make_pdf(["Page two."])) == (
        "no text could be extracted from the PDF (page 1: text could not be extracted ('/Font'); skipped)"
    )


def test_hundred_page_pdf() -> None:
    data = make_pdf([f"Page {n} notes." for n in range(1, 101)])
    doc, seconds = timed(parse, ".pdf", data)
    assert len(doc.sections) == 100
    assert blocks(doc)[99] == ("Page 100 notes.", {"page": 100})
    assert seconds < 60  # generous: this guards against quadratic blow-ups, not for speed


# --- docx -----------------------------------------------------------------------------------------


def test_docx_heading_blocks_tables_and_properties() -> None:
    document = new_docx(title="Onboarding study", author="Dana")
    document.add_paragraph("Before any heading.")
    document.add_heading("Report", level=0)
    document.add_heading("Findings", level=1)
    document.add_paragraph("Admins struggle with the café menu.")
    document.add_paragraph("   ")
    document.add_heading("Quotes", level=2)
    table = document.add_table(rows=2, cols=3)
    for cell, text in zip(table.rows[0].cells, ["Who", "Quote", "Score"], strict=True):
        cell.text = text
    for cell, text in zip(table.rows[1].cells, ["P1", "I gave up", "2"], strict=True):
        cell.text = text
    document.add_heading("Next", level=1)
    document.add_paragraph("Line one\nline two")
    doc = parse(".docx", save_docx(document))
    assert blocks(doc) == [
        ("Before any heading.", {}),
        ("Report", {"heading": "Report"}),
        ("Findings\n\nAdmins struggle with the café menu.", {"heading": "Report > Findings"}),
        ("Quotes\n\nWho | Quote | Score\n\nP1 | I gave up | 2", {"heading": "Report > Findings > Quotes"}),
        ("Next\n\nLine one\nline two", {"heading": "Report > Next"}),
    ]
    assert doc.metadata == {"title": "Onboarding study", "author": "Dana"}


def test_docx_title_from_title_style_then_first_heading() -> None:
    document = new_docx()
    document.add_heading("Chapter", level=1)
    document.add_heading("The Title", level=0)
    assert parse(".docx", save_docx(document)).metadata == {"title": "The Title"}
    document = new_docx()
    document.add_paragraph("intro")
    document.add_heading("First H1", level=1)
    document.add_heading("Second H1", level=1)
    assert parse(".docx", save_docx(document)).metadata == {"title": "First H1"}


def test_docx_merged_cells_are_counted_once() -> None:
    document = new_docx()
    table = document.add_table(rows=1, cols=3)
    merged = table.cell(0, 0).merge(table.cell(0, 1))
    merged.text = "wide"
    table.cell(0, 2).text = "narrow"
    assert parse(".docx", save_docx(document)).text == "wide | narrow"


def test_docx_without_text() -> None:
    assert fails(".docx", save_docx(new_docx())) == "no text found"


def test_docx_that_is_not_a_zip() -> None:
    assert fails(".docx", b"{\\rtf1 this is RTF renamed to docx}") == "not a valid .docx (not a zip archive)"


def test_docx_zip_without_a_document() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("content.xml", "<office:document/>")
    assert fails(".docx", out.getvalue()) == (
        "not a valid .docx: it has no word/document.xml (another kind of zip?)"
    )


def test_docx_with_broken_xml() -> None:
    good = io.BytesIO(save_docx(new_docx()))
    out = io.BytesIO()
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = b"<w:document><w:body><w:p" if item.filename == "word/document.xml" else source.read(item)
            target.writestr(item, data)
    assert fails(".docx", out.getvalue()).startswith("not a valid .docx: ")


def test_docx_zip_bomb_fails_fast_in_bounded_memory() -> None:
    bomb = zip_bomb("word/document.xml", 1 << 30)
    assert len(bomb) < 2_000_000
    with zipfile.ZipFile(io.BytesIO(bomb)) as archive:  # it is a real archive of a real gigabyte
        assert archive.infolist()[0].file_size == 1 << 30
        with archive.open("word/document.xml") as member:
            assert member.read(1 << 20) == bytes(1 << 20)
    tracemalloc.start()
    try:
        message, seconds = timed(fails, ".docx", bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert message == "archive would expand to 1024 MB; refusing (possible zip bomb)"
    assert seconds < 10  # refused from the declared sizes: inflating the gigabyte would take far longer
    assert peak < 100 * 1024 * 1024


def test_docx_small_but_suspiciously_compressed_member_is_refused() -> None:
    assert fails(".docx", zip_bomb("word/media/image1.png", 30 << 20)) == (
        "archive would expand to 30 MB; refusing (possible zip bomb)"
    )


def test_long_docx_is_quick() -> None:
    document = new_docx()
    for section in range(200):
        document.add_heading(f"Section {section}", level=1)
        for paragraph in range(10):
            document.add_paragraph(f"Paragraph {section}.{paragraph}")
    doc, seconds = timed(parse, ".docx", save_docx(document))
    assert len(doc.sections) == 200
    assert seconds < 60  # generous: this guards against quadratic blow-ups, not for speed


# --- CSV ------------------------------------------------------------------------------------------


def test_csv_semicolons_bom_quoted_newlines_and_ragged_rows() -> None:
    data = (
        "\ufeffid;Comment;score;;id\r\n"
        '1;"Great, ""really""\r\nsecond line";5;x;a\r\n'
        "2;short;4\r\n"
        "3;long row;4;y;b;extra1;extra2\r\n"
        "4;;2;;\r\n"
        "\r\n"
        "6;after a blank line;1;;\r\n"
    ).encode()
    doc = parse(".csv", data)
    assert blocks(doc) == [
        ('Great, "really"\nsecond line', {"row": 2}),
        ("short", {"row": 3}),
        ("long row", {"row": 4}),
        ("after a blank line", {"row": 7}),
    ]
    assert [s.metadata for s in doc.sections] == [
        {"id": "1", "score": "5", "column_4": "x", "id_2": "a"},
        {"id": "2", "score": "4"},
        {"id": "3", "score": "4", "column_4": "y", "id_2": "b", "_extra": "extra1;extra2"},
        {"id": "6", "score": "1"},
    ]
    assert doc.warnings == (
        "2 row(s) did not have 5 cells like the header (first: row 3); "
        "short rows were padded and extra cells kept under '_extra'",
    )


@pytest.mark.parametrize("delimiter", [",", "\t", "|"])
def test_csv_delimiters_are_sniffed(delimiter: str) -> None:
    data = delimiter.join(["who", "said"]).encode() + b"\n" + delimiter.join(["P1", "it is slow"]).encode() + b"\n"
    doc = parse(".csv", data)
    assert blocks(doc) == [("it is slow", {"row": 2})]
    assert doc.sections[0].metadata == {"who": "P1"}


def test_csv_text_column_detection_skips_numbers_and_dates() -> None:
    data = (
        b"submitted_at,account_number,answer,nps\n"
        b"2024-05-17T10:00:00Z,1234567890123456,ok,9\n"
        b"2024-05-18T11:00:00Z,2234567890123456,too slow to load,3\n"
        b"2024-05-19T12:00:00Z,3234567890123456,,7\n"
    )
    doc = parse(".csv", data)
    assert blocks(doc) == [("ok", {"row": 2}), ("too slow to load", {"row": 3})]
    assert doc.sections[0].metadata == {"submitted_at": "2024-05-17T10:00:00Z", "account_number": "1234567890123456",
                                        "nps": "9"}


def test_csv_text_column_option_is_case_insensitive() -> None:
    data = b"Name,Feedback\nAnn Long-Name Person,good\n"
    assert parse(".csv", data, text_column="feedback").text == "good"
    assert parse(".csv", data).text == "Ann Long-Name Person"


def test_csv_unknown_text_column() -> None:
    assert fails(".csv", b"name,feedback\nAnn,good\n", text_column="comment") == (
        "no column named 'comment'; columns: name, feedback"
    )


def test_csv_header_only() -> None:
    assert fails(".csv", b"name,feedback\n") == "no text found"


def test_csv_with_only_numbers() -> None:
    assert fails(".csv", b"a,b\n1,2\n3,4\n") == "no column of free text (all hold numbers or dates); columns: a, b"


def test_csv_formula_injection_stays_plain_text() -> None:
    data = b'who,comment\n=cmd|"/c calc"!A1,"=HYPERLINK(""http://evil.example"",""click"")"\n'
    doc = parse(".csv", data)
    assert doc.text == '=HYPERLINK("http://evil.example","click")'
    assert doc.sections[0].metadata == {"who": '=cmd|"/c calc"!A1'}


def test_csv_huge_cell() -> None:
    answer = "very long answer " * 20000
    data = b"id,answer\n1," + answer.encode() + b"\n"
    assert parse(".csv", data).text == answer.strip()


def test_fifty_thousand_row_csv_is_quick() -> None:
    lines = ["respondent,segment,comment"] + [f"R{n},SMB,Comment number {n} about exports" for n in range(50000)]
    doc, seconds = timed(parse, ".csv", "\n".join(lines).encode())
    assert len(doc.sections) == 50000
    assert blocks(doc)[-1] == ("Comment number 49999 about exports", {"row": 50001})
    assert doc.sections[-1].metadata == {"respondent": "R49999", "segment": "SMB"}
    assert seconds < 60  # generous: this guards against quadratic blow-ups, not for speed


def test_csv_blank_and_repeated_headers_get_unique_names() -> None:
    doc = parse(".csv", b"a,a,a_2,,a,answer\n1,2,3,4,5,It is slow\n")
    assert doc.sections[0].metadata == {"a": "1", "a_2": "2", "a_2_2": "3", "column_4": "4", "a_3": "5"}


def test_csv_short_rows_under_a_wide_header_are_not_padded_in_memory() -> None:
    header = ",".join(["answer"] + [f"q{n}" for n in range(999)])
    data = (header + "\n" + "It is slow\n" * 20000).encode()
    tracemalloc.start()
    try:
        doc = parse(".csv", data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(doc.sections) == 20000 and doc.sections[0].metadata == {}
    assert peak < 60 * 1024 * 1024  # padding every row to 1,000 cells takes over 160 MB


def test_csv_row_with_only_a_title_is_a_record() -> None:
    data = b"id,subject,body\n1,Where do I start?,\n2,Export,It fails with ERR-PAY-214\n3,,\n"
    doc = parse(".csv", data)
    assert blocks(doc) == [("Where do I start?", {"row": 2}), ("Export\nIt fails with ERR-PAY-214", {"row": 3})]


# --- JSON Lines -----------------------------------------------------------------------------------


def test_jsonl_records_with_one_broken_line() -> None:
    data = (
        b'{"id": 1, "text": "Export is slow", "tags": ["perf", "export"], "vip": true, "score": 4.5,'
        b' "user": {"name": "x"}, "note": null, "empty": ""}\n'
        b'{"id": 2, "text": "missing brace"\n'
        b"\n"
        b'{"id": 3, "text": "Love the \\"new\\" editor\\r\\nreally"}\n'
    )
    doc = parse(".jsonl", data)
    assert blocks(doc) == [("Export is slow", {"line": 1}), ('Love the "new" editor\nreally', {"line": 4})]
    assert [s.metadata for s in doc.sections] == [
        {"id": "1", "tags": "perf, export", "vip": "true", "score": "4.5"},
        {"id": "3"},
    ]
    assert doc.warnings == ("line 2: not valid JSON (Expecting ',' delimiter); skipped",)


def test_jsonl_non_objects_and_records_without_text() -> None:
    data = b'[1, 2]\n"just a string"\n{"text": "kept"}\n{"text": ""}\n{"other": "x"}\n{"text": 5}\n'
    doc = parse(".jsonl", data)
    assert blocks(doc) == [("kept", {"line": 3})]
    assert doc.warnings == (
        "line 1: not a JSON object; skipped",
        "line 2: not a JSON object; skipped",
        "3 record(s) without text in 'text' skipped (first: line 4)",
    )


def test_jsonl_text_field_detection() -> None:
    data = b'{"id": "a", "Review": "Solid app", "lang": "en"}\n{"id": "b", "Review": "Crashes", "lang": "en"}\n'
    assert parse(".jsonl", data).text == "Solid app\n\nCrashes"
    data = b'{"id": "a1", "verbatim": "Longest words here"}\n{"id": "a2", "verbatim": "More words"}\n'
    doc = parse(".jsonl", data)
    assert doc.text == "Longest words here\n\nMore words"
    assert doc.sections[0].metadata == {"id": "a1"}


def test_jsonl_text_field_option() -> None:
    data = b'{"text": "ignored", "answer": "chosen"}\n'
    doc = parse(".jsonl", data, text_field="Answer")
    assert doc.text == "chosen"
    assert doc.sections[0].metadata == {"text": "ignored"}
    assert fails(".jsonl", data, text_field="body") == "no field named 'body'; fields: text, answer"


def test_jsonl_without_any_valid_record() -> None:
    assert fails(".jsonl", b"{broken\n") == (
        "no JSON object found (line 1: not valid JSON (Expecting property name enclosed in double quotes); skipped)"
    )


def test_jsonl_deeply_nested_and_oversized_values() -> None:
    data = (
        b"[" * 100000 + b"\n"
        + b'{"text": "fine", "deep": ' + b"[" * 500 + b"]" * 500 + b"}\n"
        + b'{"text": "big", "n": ' + b"9" * 5000 + b"}\n"
    )
    doc = parse(".jsonl", data)
    assert blocks(doc) == [("fine", {"line": 2})]
    assert doc.sections[0].metadata == {}
    assert doc.warnings[0] == "line 1: not valid JSON (nested too deeply); skipped"
    assert doc.warnings[1].startswith("line 3: not valid JSON (")


def test_jsonl_many_broken_lines_are_summarised() -> None:
    data = b'{"text": "ok"}\n' + b"{nope\n" * 25
    doc = parse(".jsonl", data)
    assert len(doc.warnings) == 11
    assert doc.warnings[-1] == "15 more broken line(s) skipped"


def test_fifty_thousand_jsonl_records_are_quick() -> None:
    data = b"".join(b'{"id": %d, "text": "Feedback number %d"}\n' % (n, n) for n in range(50000))
    doc, seconds = timed(parse, ".jsonl", data)
    assert len(doc.sections) == 50000
    assert blocks(doc)[-1] == ("Feedback number 49999", {"line": 50000})
    assert seconds < 60  # generous: this guards against quadratic blow-ups, not for speed


def test_jsonl_record_with_only_a_title_is_a_record() -> None:
    data = (b'{"_id": "d1", "title": "Pricing is too steep for small cafes", "text": ""}\n'
            b'{"_id": "d2", "title": "Exports", "text": "The payroll export drops overtime."}\n'
            b'{"_id": "d3", "title": "", "text": ""}\n'
            b'{"_id": "d4", "title": "No text field at all"}\n')
    doc = parse(".jsonl", data)
    assert blocks(doc) == [
        ("Pricing is too steep for small cafes", {"line": 1}),
        ("Exports\nThe payroll export drops overtime.", {"line": 2}),
        ("No text field at all", {"line": 4}),
    ]
    assert doc.sections[0].metadata == {"_id": "d1", "title": "Pricing is too steep for small cafes"}
    assert doc.warnings == ("1 record(s) without text in 'text' skipped (first: line 3)",)


def test_title_only_record_is_searchable(repo: Repository, tmp_path: Path) -> None:
    (tmp_path / "corpus.jsonl").write_text(
        '{"_id": "d1", "title": "Pricing is too steep for small cafes", "text": ""}\n'
        '{"_id": "d2", "title": "Exports", "text": "The payroll export drops overtime."}\n'
    )
    report = repo.ingest([tmp_path / "corpus.jsonl"])
    assert report.failed == [] and report.results[0].passages == 2
    hit = repo.search("pricing too steep for cafes", mode="keyword")[0]
    assert hit.text == "Pricing is too steep for small cafes"


def test_jsonl_records_with_many_distinct_keys_are_quick() -> None:
    data = b"".join(
        json.dumps({"verbatim": f"Note {n}", **{f"k{n}_{k}": "v" for k in range(50)}}).encode() + b"\n"
        for n in range(2000)
    )
    doc, seconds = timed(parse, ".jsonl", data)
    assert len(doc.sections) == 2000
    assert seconds < 5  # generous: summing each of 100,000 keys over 2,000 records took a minute


def test_jsonl_unknown_text_field_lists_the_fields_briefly() -> None:
    data = b"".join(json.dumps({f"field {n} " * 50: "x"}).encode() + b"\n" for n in range(100))
    message = fails(".jsonl", data, text_field="body")
    assert message.startswith("no field named 'body'; fields: field 0 field 0") and message.endswith("(80 more)")
    assert len(message) < 1500


# --- WebVTT and SRT -------------------------------------------------------------------------------

VTT = b"""WEBVTT - interview 3
Kind: captions
Language: en

STYLE
::cue { color: yellow }

NOTE this cue is
about pricing

intro
00:00:01.000 --> 00:00:03.500 align:start
<v Alice>Hello <i>there</i>,
how &amp; why?

00:03.500 --> 00:00:05.000
<v.loud Alice>Still me.</v>

00:00:05.000 --> 00:00:07.000
a cue without a voice continues the turn

00:00:07.250 --> 00:00:09.000
<v Bob><c.yellow>Hi</c> <00:00:07.500>back

1:00:09.000 --> 1:00:10.000
Carol: late in the call
"""


def test_vtt_voice_tags_and_speaker_turns() -> None:
    doc = parse(".vtt", VTT)
    assert blocks(doc) == [
        (
            "Hello there, how & why? Still me. a cue without a voice continues the turn",
            {"speaker": "Alice", "time": "00:00:01"},
        ),
        ("Hi back", {"speaker": "Bob", "time": "00:00:07"}),
        ("late in the call", {"speaker": "Carol", "time": "01:00:09"}),
    ]
    assert doc.warnings == ()


def test_vtt_without_speakers_is_grouped_by_size() -> None:
    cue = ("word " * 50).strip()  # 249 characters
    cues = "".join(f"00:00:{n * 10:02d}.000 --> 00:00:{n * 10 + 5:02d}.000\n{cue}\n\n" for n in range(5))
    doc = parse(".vtt", ("WEBVTT\n\n" + cues).encode())
    assert blocks(doc) == [
        (f"{cue} {cue}", {"time": "00:00:00"}),
        (f"{cue} {cue}", {"time": "00:00:20"}),
        (cue, {"time": "00:00:40"}),
    ]


def test_vtt_needs_its_header() -> None:
    assert fails(".vtt", b"00:00:01.000 --> 00:00:02.000\nHello\n") == "not a WebVTT file: missing WEBVTT header"


def test_vtt_stray_text_and_bad_timings_are_warnings() -> None:
    data = (
        b"WEBVTT\n\n"
        b"00:00:01.000 --> 00:00:02.000\nGood cue\n\n"
        b"stray text\n\n"
        b"00:00:xx --> 00:00:04.000\nBad timing\n"
    )
    doc = parse(".vtt", data)
    assert blocks(doc) == [("Good cue", {"time": "00:00:01"})]
    assert doc.warnings == (
        "1 block(s) of text outside any cue skipped (lines 6)",
        "1 cue(s) with an unreadable timing line skipped (lines 8)",
    )


def test_vtt_with_header_only() -> None:
    assert fails(".vtt", b"WEBVTT\n\nNOTE nothing else\n") == "no text found"


def test_vtt_hostile_markup_is_stripped() -> None:
    data = b'WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<script>alert(1)</script><img onerror="x">&lt;b&gt;hi\n'
    assert parse(".vtt", data).text == "alert(1)<b>hi"


def timing(second: int, decimal: str) -> str:
    """A cue timing line for a cue from ``second`` to just before the next one."""
    clock = f"{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}"
    return f"{clock}{decimal}000 --> {clock}{decimal}900"


def test_big_vtt_is_quick() -> None:
    cues = "".join(f"{timing(n, '.')}\n<v Speaker {n // 10 % 2}>Cue number {n}\n\n" for n in range(20000))
    doc, seconds = timed(parse, ".vtt", ("WEBVTT\n\n" + cues).encode())
    assert len(doc.sections) == 2000
    assert doc.sections[-1].locator == {"speaker": "Speaker 1", "time": "05:33:10"}
    assert seconds < 60  # generous: this guards against quadratic blow-ups, not for speed


SRT = (
    "\ufeff1\r\n"
    "00:00:01,000 --> 00:00:02,500\r\n"
    "Alice: Hi, thanks for joining.\r\n"
    "2\r\n"
    "00:00:02,500 --> 00:00:04,000\r\n"
    "<i>It won't take long.</i>\r\n"
    "\r\n"
    "\r\n"
    "3\r\n"
    "00:00:05,000 --> 00:00:06,000\r\n"
    "{\\an8}<v Bob>Sure,\r\n"
    "go ahead.\r\n"
    "\r\n"
    "4\r\n"
    "00:01:00,000 --> 00:01:02,000\r\n"
    "Alice: First question.\r\n"
).encode()


def test_srt_with_bom_crlf_missing_blank_lines_and_speakers() -> None:
    doc = parse(".srt", SRT)
    assert blocks(doc) == [
        ("Hi, thanks for joining. It won't take long.", {"speaker": "Alice", "time": "00:00:01"}),
        ("Sure, go ahead.", {"speaker": "Bob", "time": "00:00:05"}),
        ("First question.", {"speaker": "Alice", "time": "00:01:00"}),
    ]
    assert doc.warnings == ()


def test_big_srt_is_quick() -> None:
    cues = "".join(f"{n + 1}\n{timing(n, ',')}\n{'Ann' if n % 2 else 'Bo'}: line {n}\n\n" for n in range(20000))
    doc, seconds = timed(parse, ".srt", cues.encode())
    assert len(doc.sections) == 20000
    assert blocks(doc)[-1] == ("line 19999", {"speaker": "Ann", "time": "05:33:19"})
    assert seconds < 60  # generous: this guards against quadratic blow-ups, not for speed


def test_srt_sentence_with_a_colon_is_not_a_speaker() -> None:
    data = (
        b"1\n00:00:01,000 --> 00:00:02,000\nSo the question is: how do we\n\n"
        b"2\n00:00:02,000 --> 00:00:03,000\nDr. Jane Smith: let me answer\n"
    )
    assert blocks(parse(".srt", data)) == [
        ("So the question is: how do we", {"time": "00:00:01"}),
        ("let me answer", {"speaker": "Dr. Jane Smith", "time": "00:00:02"}),
    ]


def test_srt_without_cues() -> None:
    assert fails(".srt", b"Just some text\nthat is not subtitles\n") == "not an SRT file: no cues found"


# --- pathological input ---------------------------------------------------------------------------

SPACES = " \t" * 100_000


@pytest.mark.parametrize(
    ("suffix", "data"),
    [
        (".md", b"# heading" + SPACES.encode() + b"x\n"),
        (".md", b"text <!--" * 100_000),
        (".txt", b"Speaker name of forty characters long!!" + SPACES.encode() + b"x: y\n" * 3),
        (".vtt", b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nx" + b"<" * 200_000 + b"\n"),
        (".vtt", b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v" + SPACES.encode() + b"x\n"),
        (".srt", b"1\n00:00:01,000 --> 00:00:02,000\nx" + b"{\\" * 100_000 + b"\n"),
        (".csv", b"answer\n" + b"1" * 200_000 + b"x\n"),
    ],
)
def test_pathological_input_is_parsed_in_linear_time(suffix: str, data: bytes) -> None:
    doc, seconds = timed(parse, suffix, data)
    assert doc.text
    assert seconds < 60  # generous: this guards against quadratic blow-ups, not for speed


# --- registry -------------------------------------------------------------------------------------


def test_suffix_lookup_is_case_insensitive() -> None:
    assert get_parser(".TXT")(b"hi", ParseOptions()).text == "hi"
