"""Split a parsed document into passages with exact character spans."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ingest.deadline import NO_DEADLINE, Deadline
from ingest.model import Chunk, ParsedDocument

#: all-MiniLM-L6-v2 reads 256 word pieces, roughly 1,000 characters of English; a quote
#: should be shorter than that, so passages stay well inside the model's window.
DEFAULT_MAX_CHARS = 800

# A blank line, CRLF-safe: paragraph boundaries inside a section.
_PARAGRAPH_BREAK = re.compile(r"\r?\n[ \t]*(?:\r?\n[ \t]*)+")
# Whitespace after the end of a sentence (closing quote or bracket included): a split point for
# over-long paragraphs. The closer stays with its sentence.
_SENTENCE_END = re.compile(r"(?:(?<=[.!?…])|(?<=[.!?…][\"')\]]))\s+")
_WORD_CHAR = re.compile(r"\w")
_RUN = re.compile(r"\S+")
#: Base64, base64url or hex: the alphabet of an inline image, a key or a dump pasted into a note.
_BLOB = re.compile(r"[A-Za-z0-9+/=_-]+")
#: No word or identifier is this long; a run of the blob alphabet at least this long is encoded data.
_MIN_BLOB_CHARS = 200

Span = tuple[int, int]


def chunk_document(doc: ParsedDocument, max_chars: int = DEFAULT_MAX_CHARS,
                   deadline: Deadline = NO_DEADLINE) -> list[Chunk]:
    """Return the passages of ``doc``: paragraphs merged up to ``max_chars``, never crossing a section.

    Sections marked ``passage=False`` (boilerplate the parser kept in the text) yield none.

    :raises ParseTimeout: when ``deadline`` passes.
    """
    chunks = []
    for section in doc.sections:
        deadline.check()
        if not section.passage:
            continue
        for start, end in _merge(_pieces(doc.text, section.start, section.end, max_chars), max_chars, deadline):
            text = doc.text[start:end]
            if _WORD_CHAR.search(text):
                chunks.append(Chunk(start, end, text, section.locator, section.metadata))
    return chunks


def _pieces(text: str, start: int, end: int, max_chars: int) -> Iterator[Span]:
    """Yield stripped spans no longer than ``max_chars``: paragraphs, then sentences, then words."""
    for para in _split(text, start, end, _PARAGRAPH_BREAK):
        if para[1] - para[0] <= max_chars:
            yield para
            continue
        for sentence in _split(text, *para, _SENTENCE_END):
            if sentence[1] - sentence[0] <= max_chars:
                yield sentence
            else:
                yield from _split_words(text, *sentence, max_chars)


def _split(text: str, start: int, end: int, pattern: re.Pattern[str]) -> Iterator[Span]:
    """Yield the stripped, non-empty spans of ``text[start:end]`` between matches of ``pattern``."""
    position = start
    for match in pattern.finditer(text, start, end):
        yield from _strip(text, position, match.start())
        position = match.end()
    yield from _strip(text, position, end)


def _strip(text: str, start: int, end: int) -> Iterator[Span]:
    """Yield the span without surrounding whitespace, if anything is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        yield start, end


def _split_words(text: str, start: int, end: int, max_chars: int) -> Iterator[Span]:
    """Yield spans of at most ``max_chars`` ending at whitespace; a longer word is cut, or skipped if encoded."""
    while end - start > max_chars:
        cut = start + max_chars
        while cut > start and not text[cut].isspace():
            cut -= 1
        if cut > start:
            yield from _strip(text, start, cut)
            start = cut
        else:  # one run without whitespace longer than any passage
            run = _RUN.match(text, start, end)
            run_end = run.end() if run else end
            if run_end - start >= _MIN_BLOB_CHARS and _BLOB.fullmatch(text, start, run_end):
                # Base64 or hex answers no question and would crowd out real quotes; it stays in the
                # document's text, so the document page still shows it.
                start = run_end
            else:
                # Prose without spaces (Chinese, Japanese, Thai) or a long URL: cut it at the limit,
                # and let its last piece join the words after it.
                while run_end - start > max_chars:
                    yield start, start + max_chars
                    start += max_chars
                continue
        while start < end and text[start].isspace():
            start += 1
    yield from _strip(text, start, end)


def _merge(pieces: Iterator[Span], max_chars: int, deadline: Deadline) -> Iterator[Span]:
    """Join consecutive spans while the joined span stays within ``max_chars``."""
    current: Span | None = None
    for piece in pieces:
        deadline.check()
        if current is None:
            current = piece
        elif piece[1] - current[0] <= max_chars:
            current = (current[0], piece[1])
        else:
            yield current
            current = piece
    if current is not None:
        yield current
