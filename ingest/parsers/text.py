"""Plain text and HTML parsers, plus the decoding and block helpers every text format shares."""

from __future__ import annotations

import codecs
import re
import warnings
from typing import TYPE_CHECKING, Any

from ingest.boilerplate import chrome_elements
from ingest.deadline import NO_DEADLINE, Deadline
from ingest.errors import ParseError
from ingest.metadata import clip_fields
from ingest.model import DocumentBuilder, ParsedDocument

if TYPE_CHECKING:
    from bs4 import Tag

    from ingest.parsers import ParseOptions

#: How much of the file the binary check looks at.
_BINARY_SAMPLE = 8192
#: ASCII control bytes that do not occur in text (tab, LF, CR and form feed do).
_CONTROL_BYTES = bytes(sorted(set(range(32)) - {9, 10, 12, 13}))
#: Windows code pages other than cp1252, most common first: they win ties with other encodings.
_WINDOWS_CODE_PAGES = ("cp1250", "cp1251", "cp1253", "cp1254", "cp1257", "cp1255", "cp1256", "cp1258")
#: How much cleaner (in charset_normalizer's "chaos" ratio) another encoding must read to beat cp1252.
_CP1252_MARGIN = 0.1


def check_not_empty(data: bytes) -> None:
    """Refuse a zero-byte file with the message every parser uses."""
    if not data:
        raise ParseError("file is empty")


def normalize_newlines(text: str) -> str:
    """Turn CRLF and lone CR line ends into LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode_text(data: bytes) -> str:
    """Decode a text file whatever its encoding, with LF newlines; refuse data that is binary."""
    return normalize_newlines(_decode(data))


def looks_binary(data: bytes) -> bool:
    """Return True when the start of ``data`` has a NUL byte or more than 10% control bytes."""
    head = data[:_BINARY_SAMPLE]
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return b"\x00" in head or controls > len(head) / 10


def _decode(data: bytes) -> str:
    # UTF-16 (Notepad's "Unicode", Excel's "Unicode text") is full of NUL bytes, so it must be
    # recognised by its byte-order mark before the binary check would refuse it.
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    if looks_binary(data):
        raise ParseError("looks like binary data, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return _decode_legacy(data)


def _decode_legacy(data: bytes) -> str:
    """Decode non-UTF-8 text with charset_normalizer, leaning towards Windows code pages."""
    try:
        from charset_normalizer import from_bytes
    except ImportError:
        return data.decode("cp1252", errors="replace")
    matches = from_bytes(data)
    best = matches.best()
    if best is None:
        return data.decode("cp1252", errors="replace")
    # Short Western texts fit many code pages about equally well and the detector's pick is often
    # exotic (mac_latin2 for "café"); Windows-1252 (Excel, Notepad) is by far the likeliest source.
    if any("cp1252" in match.could_be_from_charset and match.chaos <= best.chaos + _CP1252_MARGIN for match in matches):
        return data.decode("cp1252", errors="replace")
    # Likewise a Windows code page wins a tie (cp1251 over mac_cyrillic for Russian).
    tied = {encoding for match in matches if match.chaos <= best.chaos for encoding in match.could_be_from_charset}
    for encoding in _WINDOWS_CODE_PAGES:
        if encoding in tied:
            return data.decode(encoding, errors="replace")
    return str(best)


def finish(builder: DocumentBuilder, metadata: dict[str, Any] | None = None) -> ParsedDocument:
    """Build the document, refusing one in which nothing usable was found; shorten over-long found fields."""
    document = builder.build(clip_fields(metadata or {}))
    if not document.sections:
        raise ParseError("no text found")
    return document


class HeadingBlocks:
    """Group a document's paragraphs into one block per heading, located by its heading path."""

    def __init__(self, builder: DocumentBuilder, joiner: str = "\n\n") -> None:
        self._builder = builder
        self._joiner = joiner
        self._path: list[tuple[int, str]] = []
        self._parts: list[str] = []
        self._headed = False
        self._bodies = 0

    def heading(self, level: int, text: str) -> None:
        """Start a new block under ``text``; the heading itself is the block's first paragraph."""
        self.flush()
        while self._path and self._path[-1][0] >= level:
            self._path.pop()
        self._path.append((level, text))
        self._parts.append(text)
        self._headed = True

    def add(self, text: str) -> None:
        """Append a paragraph (or, for markdown, a line) to the current block."""
        self._parts.append(text)

    def flush(self, last: bool = False) -> None:
        """Hand the current block to the builder; ``last``: it ends the document."""
        locator = {"heading": " > ".join(text for _, text in self._path)} if self._path else {}
        # A heading with nothing under it ("## ShipNinja" right before "### Pricing") stays in the text
        # but is no passage: a bare name would match every question about it and answer none. A
        # document that is nothing but headings is still what it says, so its last one stays.
        body = any(part.strip() for part in self._parts[1:]) if self._headed else True
        self._bodies += body and any(part.strip() for part in self._parts)
        self._builder.add(self._joiner.join(self._parts), locator, passage=body or (last and not self._bodies))
        self._parts = []
        self._headed = False


def parse_text(data: bytes, options: ParseOptions) -> ParsedDocument:
    """Parse plain text: a speaker transcript when it looks like one, else a single block."""
    check_not_empty(data)
    text = decode_text(data)
    # Imported here because transcripts imports this module's helpers.
    from ingest.parsers import transcripts

    if transcripts.looks_like_speaker_text(text, options.deadline):
        return transcripts.parse_speaker_text(text, options.deadline)
    builder = DocumentBuilder()
    builder.add(text)
    return finish(builder)


#: Elements whose content is never shown as text.
_HIDDEN_TAGS = frozenset(
    {"script", "style", "noscript", "template", "svg", "head", "iframe", "object", "embed", "canvas"}
)
#: Elements that end the paragraph before them and start a new one.
_BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "body", "caption", "dd", "details", "dialog", "div", "dl",
    "dt", "fieldset", "figcaption", "figure", "footer", "form", "header", "hr", "html", "li", "main", "nav",
    "ol", "p", "section", "summary", "table", "tbody", "tfoot", "thead", "tr", "ul",
})
_HEADING_LEVELS = {f"h{level}": level for level in range(1, 7)}
_DISPLAY_NONE = re.compile(r"display\s*:\s*none", re.IGNORECASE)


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _is_hidden(tag: Tag) -> bool:
    return tag.name in _HIDDEN_TAGS or tag.has_attr("hidden") or bool(_DISPLAY_NONE.search(str(tag.get("style", ""))))


class _HtmlText:
    """Walk an HTML tree, turning visible text into paragraphs grouped under headings."""

    def __init__(self, blocks: HeadingBlocks, deadline: Deadline = NO_DEADLINE, skip: set[int] | None = None) -> None:
        self.blocks = blocks
        self.deadline = deadline
        #: ids of elements left out: navigation, banners, sidebars (see ``ingest.boilerplate``).
        self.skip = skip or set()
        self.first_h1: str | None = None
        #: The paragraph being read; None marks a <br> line break.
        self._pieces: list[str | None] = []

    def walk(self, root: Tag) -> None:
        """Visit ``root`` depth-first; an explicit stack, so deeply nested markup cannot overflow."""
        from bs4.element import NavigableString, PreformattedString

        stack: list[Any] = [root]
        while stack:
            self.deadline.check()
            node = stack.pop()
            if node is None:  # the end of a block element
                self._end_paragraph()
            elif isinstance(node, NavigableString):
                # Comments, doctypes, CDATA and processing instructions are not visible text.
                if not isinstance(node, PreformattedString):
                    self._pieces.append(str(node))
            elif not _is_hidden(node) and id(node) not in self.skip:
                self._enter(node, stack)
        self._end_paragraph()

    def _enter(self, tag: Tag, stack: list[Any]) -> None:
        name = tag.name
        if name == "br":
            self._pieces.append(None)
        elif name in _HEADING_LEVELS:
            self._end_paragraph()
            text = _collapse(tag.get_text(" "))
            if text:
                self.blocks.heading(_HEADING_LEVELS[name], text)
                if name == "h1" and self.first_h1 is None:
                    self.first_h1 = text
        elif name == "pre":
            # Preformatted text keeps its line breaks and spacing.
            self._end_paragraph()
            text = tag.get_text().strip("\n").rstrip()
            if text.strip():
                self.blocks.add(text)
        else:
            if name in ("td", "th") and any(piece and not piece.isspace() for piece in self._pieces):
                self._pieces.append(" | ")
            if name in _BLOCK_TAGS:
                self._end_paragraph()
                stack.append(None)
            stack.extend(reversed(tag.contents))

    def _end_paragraph(self) -> None:
        lines: list[str] = []
        current: list[str] = []
        for piece in [*self._pieces, None]:
            if piece is None:
                lines.append(_collapse("".join(current)))
                current = []
            else:
                current.append(piece)
        self._pieces = []
        text = "\n".join(line for line in lines if line)
        if text:
            self.blocks.add(text)


def parse_html(data: bytes, options: ParseOptions) -> ParsedDocument:
    """Parse HTML into its visible text, one block per heading, leaving out navigation, banners and sidebars."""
    check_not_empty(data)
    text = decode_text(data)
    try:
        from bs4 import BeautifulSoup, FeatureNotFound
    except ImportError:
        raise ParseError("HTML support needs beautifulsoup4: pip install beautifulsoup4") from None
    # BeautifulSoup warns when markup looks like a URL, a file name or XML; for a file's own
    # content those hints are noise (and would fail runs that treat warnings as errors).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            soup = BeautifulSoup(text, "lxml")
        except FeatureNotFound:  # lxml is missing: the slower stdlib parser will do
            soup = BeautifulSoup(text, "html.parser")
    builder = DocumentBuilder()
    walker = _HtmlText(HeadingBlocks(builder), options.deadline, chrome_elements(soup))
    walker.walk(soup)
    walker.blocks.flush(last=True)
    if not builder.has_text():  # a page that is all links (an index, a sitemap) is its links
        builder = DocumentBuilder()
        walker = _HtmlText(HeadingBlocks(builder), options.deadline)
        walker.walk(soup)
        walker.blocks.flush(last=True)
    title_tag = soup.find("title")
    title = _page_title(_collapse(title_tag.get_text()) if title_tag is not None else "", walker.first_h1)
    return finish(builder, {"title": title} if title else None)


def _page_title(title: str, heading: str | None) -> str | None:
    """Return the page's title without the site's name: "Payroll export | Help Center" → "Payroll export".

    A <title> is often the page's own title and the site's name, which every page of the site
    repeats. Of its parts, the one that shares most words with the page's first heading is the
    page's; with no heading, or no part like it, the <title> stays whole.
    """
    parts = [part for part in _TITLE_PARTS.split(title) if part]
    if len(parts) > 1 and heading:
        said = set(_WORD.findall(heading.casefold()))
        share = {part: _share(part, said) for part in parts}
        best = max(parts, key=share.__getitem__)
        if share[best] >= 0.5:
            return best
    return title or heading


def _share(text: str, words: set[str]) -> float:
    """Return the share of a text's words that are in ``words``."""
    own = _WORD.findall(text.casefold())
    return sum(word in words for word in own) / len(own) if own else 0.0


#: What sites put between a page's title and their own name: "Page | Site", "Page – Site", "Page - Site".
_TITLE_PARTS = re.compile(r"\s+[|–—·»]\s+|\s+-\s+")
_WORD = re.compile(r"\w+")
