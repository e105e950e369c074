"""PDF: one block per page of extractable text, via pypdf, without the page furniture."""

from __future__ import annotations

import logging
from io import BytesIO
from typing import TYPE_CHECKING, Any

from ingest.boilerplate import (
    hyphenated_words,
    is_contents_page,
    is_cover_page,
    join_wrapped_lines,
    strip_page_furniture,
)
from ingest.errors import ParseError
from ingest.model import DocumentBuilder, ParsedDocument
from ingest.parsers.text import check_not_empty, finish, normalize_newlines

if TYPE_CHECKING:
    from pypdf import PdfReader

    from ingest.deadline import Deadline
    from ingest.parsers import ParseOptions


def _open(data: bytes) -> PdfReader:
    """Open the PDF, decrypting it when it only has an owner password."""
    try:
        from pypdf import PasswordType, PdfReader
    except ImportError:
        raise ParseError("PDF support needs pypdf: pip install pypdf") from None
    # Damage is reported as this file's error or warning; pypdf's own log lines would only repeat it.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    # pypdf raises many exception types on damaged files (its own, ValueError, KeyError, ...);
    # all of them mean the same thing to the user.
    try:
        reader = PdfReader(BytesIO(data), strict=False)
        if not reader.is_encrypted:
            return reader
        decrypted = reader.decrypt("") != PasswordType.NOT_DECRYPTED
    except Exception as exc:
        raise ParseError(f"not a readable PDF: {exc}") from None
    if not decrypted:
        raise ParseError("PDF is encrypted (password-protected); remove the password and ingest again")
    return reader


def _title(reader: PdfReader) -> str | None:
    try:
        title = reader.metadata.title if reader.metadata else None
    except Exception:  # a damaged info dictionary only costs us the title
        return None
    return str(title).strip() if title else None


def _add_pages(builder: DocumentBuilder, extracted: list[tuple[int, list[str]]], deadline: Deadline) -> None:
    """Add each page's text as its own block, without running headers, footers or page numbers.

    A paragraph's wrapped lines are joined, so a quote reads as a sentence; a cover page and a table
    of contents stay in the text but are no passages.
    """
    cleaned = strip_page_furniture([lines for _, lines in extracted])
    compounds = hyphenated_words("\n".join(line for lines in cleaned for line in lines))
    # The width of the body text: most lines of a paragraph are full, so a high percentile of line
    # lengths is the measure a wrapped line is held against (the longest line may be a table row).
    lengths = sorted(len(line.strip()) for lines in cleaned for line in lines if line.strip())
    width = lengths[int(len(lengths) * 0.9)] if lengths else 0
    other_pages = [sum(len(line.split()) for line in lines) for lines in cleaned[1:]]
    for index, ((number, _), lines) in enumerate(zip(extracted, cleaned, strict=True)):
        deadline.check()
        text = join_wrapped_lines(lines, width, compounds)
        cover = index == 0 and number == 1 and is_cover_page(text, other_pages)
        builder.add(text, {"page": number}, passage=not cover and not is_contents_page(lines))


def parse_pdf(data: bytes, options: ParseOptions) -> ParsedDocument:
    """Parse a PDF into one block per page, located by 1-based page number; headers and footers are left out."""
    check_not_empty(data)
    reader = _open(data)
    try:
        pages = list(reader.pages)
    except Exception as exc:
        raise ParseError(f"not a readable PDF: {exc}") from None
    builder = DocumentBuilder()
    extracted: list[tuple[int, list[str]]] = []
    for number, page in enumerate(pages, 1):
        options.deadline.check()
        try:
            text = page.extract_text()
        except Exception as exc:  # one bad page (broken font, stream) should not cost the others
            builder.warn(f"page {number}: text could not be extracted ({str(exc) or type(exc).__name__}); skipped")
            continue
        extracted.append((number, normalize_newlines(text).replace("\x00", "").split("\n")))
    found_text = any(line.strip() for _, lines in extracted for line in lines)
    _add_pages(builder, extracted, options.deadline)
    if not found_text:
        if builder.warnings:
            raise ParseError(f"no text could be extracted from the PDF ({builder.warnings[0]})")
        raise ParseError("PDF has no extractable text (scanned images?)")
    metadata: dict[str, Any] = {}
    title = _title(reader)
    if title:
        metadata["title"] = title
    return finish(builder, metadata)
