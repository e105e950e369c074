"""PDF: one block per page of extractable text, via pypdf."""

from __future__ import annotations

import logging
from io import BytesIO
from typing import TYPE_CHECKING, Any

from ingest.errors import ParseError
from ingest.model import DocumentBuilder, ParsedDocument
from ingest.parsers.text import check_not_empty, finish, normalize_newlines

if TYPE_CHECKING:
    from pypdf import PdfReader

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


def parse_pdf(data: bytes, options: ParseOptions) -> ParsedDocument:
    """Parse a PDF into one block per page, located by 1-based page number."""
    check_not_empty(data)
    reader = _open(data)
    try:
        pages = list(reader.pages)
    except Exception as exc:
        raise ParseError(f"not a readable PDF: {exc}") from None
    builder = DocumentBuilder()
    found_text = False
    for number, page in enumerate(pages, 1):
        options.deadline.check()
        try:
            text = page.extract_text()
        except Exception as exc:  # one bad page (broken font, stream) should not cost the others
            builder.warn(f"page {number}: text could not be extracted ({str(exc) or type(exc).__name__}); skipped")
            continue
        text = normalize_newlines(text).replace("\x00", "")
        found_text = found_text or bool(text.strip())
        builder.add(text, {"page": number})
    if not found_text:
        if builder.warnings:
            raise ParseError(f"no text could be extracted from the PDF ({builder.warnings[0]})")
        raise ParseError("PDF has no extractable text (scanned images?)")
    metadata: dict[str, Any] = {}
    title = _title(reader)
    if title:
        metadata["title"] = title
    return finish(builder, metadata)
