"""Chunking: exact spans, word-safe cuts, sections respected — proved over random documents."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.chunking import chunk_document
from ingest.model import DocumentBuilder, ParsedDocument, Section

words = st.text(alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzÄéß0123456789.,!?'-"), min_size=1, max_size=30)
separators = st.sampled_from([" ", "  ", "\n", "\r\n", "\n\n", "\r\n\r\n", "\n \n\t", "\t"])


#: Runs without whitespace far longer than any passage: URLs, Chinese prose, base64 (A-Za-z0-9+/=).
long_runs = st.builds(lambda word, count: word * count, st.one_of(words, st.sampled_from(["QUJD+/==", "新管理员。"])),
                      st.integers(20, 150))
# Base64 or hex without whitespace, at least this long and longer than a passage: an encoded blob.
_BLOB = re.compile(r"[A-Za-z0-9+/=_-]+")
_RUN = re.compile(r"\S+")


@st.composite
def documents(draw: st.DrawFn, long_tokens: bool = False) -> ParsedDocument:
    """Build a document of random blocks of words and whitespace, some with CRLF line ends."""
    builder = DocumentBuilder()
    for index in range(draw(st.integers(1, 6))):
        tokens = draw(st.lists(st.tuples(words, separators), min_size=1, max_size=120))
        if long_tokens:  # a few long runs, anywhere among the words
            tokens = draw(st.permutations(tokens + draw(st.lists(st.tuples(long_runs, separators), max_size=3))))
        builder.add("".join(w + s for w, s in tokens), {"row": index})
    return builder.build()


def is_blob(run: str, max_chars: int) -> bool:
    """Whether a run without whitespace is an encoded blob the chunker leaves out of the passages."""
    return len(run) > max_chars and len(run) >= 200 and _BLOB.fullmatch(run) is not None


def run_around(text: str, position: int) -> str:
    """The run of non-whitespace characters that holds ``position``."""
    start = position
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    match = _RUN.match(text, start)
    assert match is not None
    return match.group()


def check_chunks(doc: ParsedDocument, max_chars: int) -> None:
    """Every chunk is an exact span of one section, within the cap, cut inside a run only if the run is longer."""
    chunks = chunk_document(doc, max_chars)
    sections = doc.sections
    previous_end = 0
    for chunk in chunks:
        assert doc.text[chunk.start : chunk.end] == chunk.text
        assert chunk.start >= previous_end, "chunks are in order and do not overlap"
        previous_end = chunk.end
        assert chunk.text == chunk.text.strip()
        assert len(chunk.text) <= max_chars
        # Never cut inside a word that fits: the characters just outside the span are whitespace or the
        # text's end, unless the span ends inside a run too long for any passage.
        if chunk.start > 0 and not doc.text[chunk.start - 1].isspace():
            assert len(run_around(doc.text, chunk.start)) > max_chars
        if chunk.end < len(doc.text) and not doc.text[chunk.end].isspace():
            assert len(run_around(doc.text, chunk.end)) > max_chars
        section = next(s for s in sections if s.start <= chunk.start < s.end)
        assert chunk.end <= section.end, "a chunk never crosses a section"
        assert chunk.locator == section.locator
        assert not any(is_blob(run, max_chars) for run in chunk.text.split())


def check_no_word_is_lost(doc: ParsedDocument, max_chars: int) -> None:
    """Every word is in a chunk, except the words of an encoded blob."""
    chunks = chunk_document(doc, max_chars)
    covered = [False] * len(doc.text)
    for chunk in chunks:
        covered[chunk.start : chunk.end] = [True] * (chunk.end - chunk.start)
    for match in re.finditer(r"\w+", doc.text):
        if not is_blob(run_around(doc.text, match.start()), max_chars):
            assert all(covered[match.start() : match.end()]), f"word {match.group()!r} was dropped"


@settings(max_examples=300, deadline=None)
@given(doc=documents(), max_chars=st.integers(20, 900))
def test_every_chunk_is_an_exact_word_aligned_span_of_its_section(doc: ParsedDocument, max_chars: int) -> None:
    check_chunks(doc, max_chars)


@settings(max_examples=200, deadline=None)
@given(doc=documents(), max_chars=st.integers(20, 900))
def test_no_word_is_lost(doc: ParsedDocument, max_chars: int) -> None:
    check_no_word_is_lost(doc, max_chars)


@settings(max_examples=150, deadline=None)
@given(doc=documents(long_tokens=True), max_chars=st.integers(20, 900))
def test_long_runs_are_cut_to_the_cap_and_blobs_are_left_out(doc: ParsedDocument, max_chars: int) -> None:
    check_chunks(doc, max_chars)
    check_no_word_is_lost(doc, max_chars)


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


def test_a_word_longer_than_the_limit_is_cut_at_the_limit() -> None:
    url = "https://example.com/" + "x" * 200
    text = f"See {url} for details"
    doc = ParsedDocument(text, (Section(0, len(text)),))
    chunks = chunk_document(doc, max_chars=50)
    assert [c.text for c in chunks] == ["See", url[:50], url[50:100], url[100:150], url[150:200],
                                        f"{url[200:]} for details"]
    assert all(doc.text[c.start : c.end] == c.text for c in chunks)


def test_an_encoded_blob_stays_in_the_text_but_is_no_passage() -> None:
    blob = "iVBORw0KGgoAAAANSUhEUgAA+/" * 80_000  # 2 MB of base64, as in a pasted inline image
    text = f"The logo upload fails. {blob} Any idea why?"
    doc = ParsedDocument(text, (Section(0, len(text)),))
    assert [c.text for c in chunk_document(doc)] == ["The logo upload fails.", "Any idea why?"]
    hexdump = "0123456789abcdef" * 60
    doc = ParsedDocument(hexdump, (Section(0, len(hexdump)),))
    assert chunk_document(doc) == []


def test_pieces_without_words_are_dropped() -> None:
    text = "---\n\n***\n\nReal words here."
    doc = ParsedDocument(text, (Section(0, len(text)),))
    assert [c.text for c in chunk_document(doc, max_chars=16)] == ["Real words here."]


def test_a_closing_quote_stays_with_its_sentence() -> None:
    text = "She said it twice!' Then she left the room quietly."
    doc = ParsedDocument(text, (Section(0, len(text)),))
    chunks = chunk_document(doc, max_chars=32)
    assert [c.text for c in chunks] == ["She said it twice!'", "Then she left the room quietly."]
