"""Word .docx: paragraphs and table rows grouped under their headings, via python-docx."""

from __future__ import annotations

import math
import re
import zipfile
from dataclasses import replace
from io import BytesIO
from typing import TYPE_CHECKING, Any

from ingest.deadline import Deadline
from ingest.errors import ParseError, ParseTimeout
from ingest.metadata import clip_fields
from ingest.model import DocumentBuilder, ParsedDocument
from ingest.parsers.text import HeadingBlocks, check_not_empty, finish, normalize_newlines
from ingest.parsers.transcripts import looks_like_speaker_text, parse_speaker_text

if TYPE_CHECKING:
    from docx.document import Document
    from docx.table import Table

    from ingest.parsers import ParseOptions

_MB = 1024 * 1024
#: Refuse archives whose members would expand beyond this in total...
_MAX_EXPANDED = 200 * _MB
#: ...or that hold a large member compressed suspiciously well (text XML rarely beats 20:1).
_MAX_RATIO = 200
_RATIO_MIN_SIZE = 20 * _MB
_HEADING_STYLE = re.compile(r"heading ([1-9])", re.IGNORECASE)


def _check_archive(data: bytes) -> set[str]:
    """Refuse what is not a zip, a zip bomb, or a zip without a Word document; return the member names."""
    if not zipfile.is_zipfile(BytesIO(data)):
        raise ParseError("not a valid .docx (not a zip archive)")
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise ParseError(f"not a valid .docx: {exc}") from None
    # Declared sizes can be trusted as an upper bound: zipfile never inflates a member past its
    # declared size, so refusing on them bounds the memory python-docx can use.
    expanded = sum(member.file_size for member in members)
    suspicious = any(
        member.file_size > _RATIO_MIN_SIZE and member.file_size > _MAX_RATIO * max(member.compress_size, 1)
        for member in members
    )
    if expanded > _MAX_EXPANDED or suspicious:
        raise ParseError(f"archive would expand to {math.ceil(expanded / _MB)} MB; refusing (possible zip bomb)")
    names = {member.filename for member in members}
    if "word/document.xml" not in names:
        raise ParseError("not a valid .docx: it has no word/document.xml (another kind of zip?)")
    return names


def _heading_level(style_name: str) -> int | None:
    """0 for the Title style, 1-9 for Heading 1-9, None for body text."""
    if style_name.lower() == "title":
        return 0
    match = _HEADING_STYLE.fullmatch(style_name)
    return int(match[1]) if match else None


def _table_rows(table: Table, deadline: Deadline) -> list[str]:
    """Each row as one line, cells joined by " | "; a merged cell is counted once."""
    rows = []
    for row in table.rows:
        deadline.check()
        cells = []
        previous = None
        for cell in row.cells:
            if cell._tc is not previous:  # python-docx repeats a horizontally merged cell
                cells.append(" ".join(cell.text.split()))
            previous = cell._tc
        if any(cells):
            rows.append(" | ".join(cells))
    return rows


def _paragraph_style_names(document: Document) -> dict[str, str]:
    """Paragraph style names by style id.

    Read once, because python-docx's ``Paragraph.style`` scans every style for each paragraph,
    which makes a long document take many seconds.
    """
    from docx.enum.style import WD_STYLE_TYPE

    return {
        style.style_id: style.name or ""
        for style in document.styles
        if style.type == WD_STYLE_TYPE.PARAGRAPH and style.style_id
    }


def _read_blocks(document: Document, builder: DocumentBuilder, deadline: Deadline,
                 lines: list[str]) -> str | None:
    """Add the document's blocks to ``builder`` and its lines (headings as Markdown) to ``lines``; return its title."""
    from docx.text.paragraph import Paragraph

    style_names = _paragraph_style_names(document)
    blocks = HeadingBlocks(builder)
    titled: str | None = None
    first_h1: str | None = None
    for item in document.iter_inner_content():
        deadline.check()
        if not isinstance(item, Paragraph):
            for row in _table_rows(item, deadline):
                blocks.add(row)
                lines.append(row)
            continue
        text = normalize_newlines(item.text).strip()
        if not text:
            continue
        style_id = item._p.style  # the w:pStyle id, or None for the default (body text) style
        level = _heading_level(style_names.get(style_id, "")) if style_id else None
        if level is None:
            blocks.add(text)
            lines.append(text)
            continue
        lines.append("#" * max(level, 1) + " " + " ".join(text.split()))
        blocks.heading(level, text)
        if level == 0 and titled is None:
            titled = text
        if level == 1 and first_h1 is None:
            first_h1 = text
    blocks.flush(last=True)
    return titled or first_h1


def _core_properties(document: Document) -> dict[str, Any]:
    try:
        properties = document.core_properties
        title, author = (properties.title or "").strip(), (properties.author or "").strip()
    except Exception:  # a damaged docProps/core.xml only costs us these two fields
        return {}
    return {key: value for key, value in (("title", title), ("author", author)) if value}


def parse_docx(data: bytes, options: ParseOptions) -> ParsedDocument:
    """Parse a Word document into blocks by heading, with its title and author."""
    check_not_empty(data)
    names = _check_archive(data)
    try:
        import docx
    except ImportError:
        raise ParseError("Word support needs python-docx: pip install python-docx") from None
    builder = DocumentBuilder()
    # python-docx and lxml raise many exception types on damaged parts (KeyError, XMLSyntaxError,
    # ValueError, ...); all of them mean the same thing to the user.
    try:
        document = docx.Document(BytesIO(data))
        lines: list[str] = []
        text_title = _read_blocks(document, builder, options.deadline, lines)
    except ParseTimeout:
        raise
    except Exception as exc:
        reason = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        raise ParseError(f"not a valid .docx: {reason}") from None
    # Without docProps/core.xml python-docx invents properties (title "Word Document"); skip them.
    metadata = _core_properties(document) if "docProps/core.xml" in names else {}
    if "title" not in metadata and text_title:
        metadata["title"] = text_title
    transcript = "\n".join(lines)
    if looks_like_speaker_text(transcript, options.deadline, markdown=True):  # "Name: text" paragraphs
        doc = parse_speaker_text(transcript, options.deadline, markdown=True)
        return replace(doc, metadata=clip_fields(metadata), warnings=tuple(builder.warnings) + doc.warnings)
    return finish(builder, metadata)
