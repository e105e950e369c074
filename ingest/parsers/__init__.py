"""Parser registry: one function per format, chosen by file suffix."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ingest.deadline import NO_DEADLINE, Deadline
from ingest.errors import UnsupportedFormat
from ingest.model import ParsedDocument


@dataclass(frozen=True)
class ParseOptions:
    """Settings a parser may need besides the bytes."""

    #: The file's name, for messages and a default title.
    name: str = ""
    #: CSV column holding the free text; detected when None.
    text_column: str | None = None
    #: JSON Lines field holding the free text; detected when None.
    text_field: str | None = None
    #: Names of the people who ask in transcripts (interviewers, moderators, sales reps); others detected.
    interviewers: tuple[str, ...] = ()
    #: When to give up on the file; checked in the parser's main loops. Not part of the fingerprint.
    deadline: Deadline = field(default=NO_DEADLINE, compare=False, repr=False)


Parser = Callable[[bytes, ParseOptions], ParsedDocument]


def _registry() -> dict[str, Parser]:
    # Imported here so that a missing optional library only matters for its own format.
    from ingest.parsers import docx, markdown, pdf, tabular, text, transcripts

    return {
        ".md": markdown.parse_markdown,
        ".markdown": markdown.parse_markdown,
        ".txt": text.parse_text,
        ".text": text.parse_text,
        ".html": text.parse_html,
        ".htm": text.parse_html,
        ".pdf": pdf.parse_pdf,
        ".docx": docx.parse_docx,
        ".csv": tabular.parse_csv,
        ".jsonl": tabular.parse_jsonl,
        ".ndjson": tabular.parse_jsonl,
        ".vtt": transcripts.parse_vtt,
        ".srt": transcripts.parse_srt,
    }


PARSERS: dict[str, Parser] = _registry()


def supported_suffixes() -> list[str]:
    """Return the file suffixes that have a parser, sorted."""
    return sorted(PARSERS)


def get_parser(suffix: str) -> Parser:
    """Return the parser for a suffix such as ``.md``.

    :raises UnsupportedFormat: when no parser handles the suffix.
    """
    try:
        return PARSERS[suffix.lower()]
    except KeyError:
        known = ", ".join(supported_suffixes())
        raise UnsupportedFormat(f"unsupported file type {suffix or '(no suffix)'!r}; supported: {known}") from None


def sniff(suffix: str, head: bytes) -> str | None:
    """Return why a file's first bytes cannot be of the type its suffix claims, or None if they may be."""
    from ingest.parsers.text import looks_binary

    suffix = suffix.lower()
    if suffix == ".pdf":
        return None if b"%PDF-" in head[:1024] else "not a PDF (no %PDF- header)"
    if suffix == ".docx":
        return None if head.startswith(b"PK\x03\x04") else "not a valid .docx (not a zip archive)"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 text is full of NUL bytes
        return None
    return "looks like binary data, not text" if looks_binary(head) else None
