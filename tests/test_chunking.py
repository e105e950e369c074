"""Chunking: exact spans, word-safe cuts, sections respected — proved over random documents."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.chunking import chunk_document
from ingest.model import DocumentBuilder, ParsedDocument, Section

words = st.text(alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzÄéß0123456789.,!?'-"), min_size=1, max_size=30)
separators = st.sampled_from([" ", "  ", "\n", "\r\n", "\n\n", "\r\n\r\n", "\n \n\t", "\t"])


@st.composite
def documents(draw: st.DrawFn) -> ParsedDocument:
    """Build a document of random blocks of words and whitespace, some with CRLF line ends."""
    builder = DocumentBuilder()
    for index in range(draw(st.integers(1, 6))):
        tokens = draw(st.lists(st.tuples(words, separators), min_size=1, max_size=120))
        builder.add("".join(w + s for w, s in tokens), {"row": index})
    return builder.build()


@settings(max_examples=300, deadline=None)
@given(doc=documents(), max_chars=st.integers(20, 900))
def test_every_chunk_is_an_exact_word_aligned_span_of_its_section(doc: ParsedDocument, max_chars: int) -> None:
    chunks = chunk_document(doc, max_chars)
    sections = doc.sections
    previous_end = 0
    for chunk in chunks:
        assert doc.text[chunk.start : chunk.end] == chunk.text
        assert chunk.start >= previous_end, "chunks are in order and do not overlap"
        previous_end = chunk.end
        assert chunk.text == chunk.text.strip()
        # Never cut inside a word: the characters just outside the span are whitespace or the text's end.
        assert chunk.start == 0 or doc.text[chunk.start - 1].isspace()
        assert chunk.end == len(doc.text) or doc.text[chunk.end].isspace()
        section = next(s for s in sections if s.start <= chunk.start < s.end)
        assert chunk.end <= section.end, "a chunk never crosses a section"
        assert chunk.locator == section.locator
        longest_word = max(len(w) for w in chunk.text.split())
        assert len(chunk.text) <= max_chars or longest_word > max_chars // 2


@settings(max_examples=200, deadline=None)
@given(doc=documents(), max_chars=st.integers(20, 900))
def test_no_word_is_lost(doc: ParsedDocument, max_chars: int) -> None:
    chunks = chunk_document(doc, max_chars)
    covered = [False] * len(doc.text)
    for chunk in chunks:
        covered[chunk.start : chunk.end] = [True] * (chunk.end - chunk.start)
    for match in re.finditer(r"\w+", doc.text):
        assert all(covered[match.start() : match.end()]), f"word {match.group()!r} was dropped"


def test_paragraphs_merge_up_to_the_limit_and_split_at_blank_lines() -> None:
    para = "Setup took four days and nobody told me where to start."  # 55 characters
    text = f"{para}\r\n\r\n{para}\n\n{para}"
    doc = ParsedDocument(text, (Section(0, len(text), {"heading": "Onboarding"}),))
    chunks = chunk_document(doc, max_chars=120)
    assert [c.text for c in chunks] == [f"{para}\r\n\r\n{para}", para]
    assert chunks[1].start == text.rindex(para)
    assert all(c.locator == {"heading": "Onboarding"} for c in chunks)


def test_a_long_paragraph_splits_at_sentences() -> None:
    text = "The export failed. " * 10 + "Then it worked."
    doc = ParsedDocument(text, (Section(0, len(text)),))
    chunks = chunk_document(doc, max_chars=60)
    assert all(c.text.endswith(".") for c in chunks)
    assert all(len(c.text) <= 60 for c in chunks)
    assert " ".join(c.text for c in chunks) == text.strip()


def test_a_word_longer_than_the_limit_stays_whole() -> None:
    url = "https://example.com/" + "x" * 200
    text = f"See {url} for details"
    doc = ParsedDocument(text, (Section(0, len(text)),))
    chunks = chunk_document(doc, max_chars=50)
    assert url in [c.text for c in chunks] or any(url in c.text for c in chunks)
    assert all(doc.text[c.start : c.end] == c.text for c in chunks)


def test_pieces_without_words_are_dropped() -> None:
    text = "---\n\n***\n\nReal words here."
    doc = ParsedDocument(text, (Section(0, len(text)),))
    assert [c.text for c in chunk_document(doc, max_chars=16)] == ["Real words here."]


def test_a_closing_quote_stays_with_its_sentence() -> None:
    text = "She said it twice!' Then she left the room quietly."
    doc = ParsedDocument(text, (Section(0, len(text)),))
    chunks = chunk_document(doc, max_chars=32)
    assert [c.text for c in chunks] == ["She said it twice!'", "Then she left the room quietly."]
