"""Passage text for people: Markdown rendered as safe HTML with highlights kept, or stripped to plain words."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup, escape

#: Document formats whose text is Markdown; every other format's text is shown as written.
MARKDOWN_FORMATS = frozenset({"md", "markdown"})
#: The only link targets rendered as links; anything else (javascript:, data:, relative paths) stays text.
SCHEMES = ("http://", "https://", "mailto:")
#: Private-use characters marking where a highlight opens and closes while the Markdown is rendered.
OPEN, CLOSE = "\ue000", "\ue001"
_SENTINELS = str.maketrans("", "", OPEN + CLOSE)
_MARKED = re.compile(f"{OPEN}([^<{OPEN}{CLOSE}]*){CLOSE}")


def is_markdown(fmt: str | None) -> bool:
    """Return whether text of this document format is Markdown."""
    return (fmt or "").lower() in MARKDOWN_FORMATS


def _unmarked(text: str) -> str:
    """Return text without highlight sentinels."""
    return text.translate(_SENTINELS)


def _valid_link(url: str) -> bool:
    """Allow web and mail links only; the URL was already decoded and normalised by the parser."""
    return url.strip().lower().startswith(SCHEMES)


def _table_open(self: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
    """Wrap a table in a box that scrolls sideways, so a wide table never widens a phone's page."""
    return '<div class="table-scroll">' + self.renderToken(tokens, idx, options, env)


def _table_close(self: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
    """Close the scrolling box around a table."""
    return self.renderToken(tokens, idx, options, env) + "</div>"


def _link_open(self: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
    """Render a link that passes no referrer and earns the target no ranking."""
    tokens[idx].attrSet("rel", "nofollow noopener noreferrer")
    return self.renderToken(tokens, idx, options, env)


@cache
def parser() -> MarkdownIt:
    """Return the CommonMark parser for passage text: raw HTML off, tables on, images shown as their text."""
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"]).disable("image")
    normalize = md.normalizeLink
    # A highlight inside a link target must not change where the link goes.
    md.normalizeLink = lambda url: normalize(_unmarked(url))  # type: ignore[method-assign]
    md.validateLink = _valid_link  # type: ignore[method-assign]
    md.add_render_rule("table_open", _table_open)
    md.add_render_rule("table_close", _table_close)
    md.add_render_rule("link_open", _link_open)
    return md


def _render(text: str, whole: bool = False) -> str:
    """Render Markdown to HTML, keeping sentinels out of attributes (titles, code languages).

    ``whole`` marks all the words: each paragraph's, item's or cell's content goes in one ``<mark>``.
    """
    md = parser()
    tokens = md.parse(text)
    for token in tokens:
        for item in [token, *(token.children or [])]:
            item.attrs = {k: _unmarked(v) if isinstance(v, str) else v for k, v in item.attrs.items()}
            item.info = _unmarked(item.info)
        if whole and token.type == "inline" and token.children:
            # Tokens made here, not parsed from the text: the only raw HTML that reaches the page.
            token.children = [Token("html_inline", "", 0, content="<mark>"), *token.children,
                              Token("html_inline", "", 0, content="</mark>")]
    return md.renderer.render(tokens, md.options, {}).strip()


def mark_markdown(text: str) -> Markup:
    """Return Markdown as safe HTML with all its words marked, block by block (a cited passage)."""
    return Markup(_render(text, whole=True))


def _word_edges(text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Return the spans trimmed to start and end on a letter or digit.

    Markdown decides whether ``*`` or ``_`` opens or closes emphasis by the characters beside it; a
    sentinel is neither space nor punctuation, exactly like the letter or digit it stands beside, so
    placed there it leaves every delimiter as it was.
    """
    out = []
    for start, end in spans:
        while start < end and not text[start].isalnum():
            start += 1
        while end > start and not text[end - 1].isalnum():
            end -= 1
        if start < end:
            out.append((start, end))
    return out


def _with_sentinels(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """Return text with a sentinel pair around each span."""
    out, position = [], 0
    for start, end in spans:
        out += [text[position:start], OPEN, text[start:end], CLOSE]
        position = end
    out.append(text[position:])
    return "".join(out)


def _same_structure(text: str, spans: Sequence[tuple[int, int]], plain: str) -> str | None:
    """Return the rendering with sentinels when, sentinels removed, it is exactly the plain rendering."""
    html = _render(_with_sentinels(text, spans))
    return html if _unmarked(html) == plain else None


def render_markdown(text: str, spans: Sequence[tuple[int, int]] = ()) -> Markup:
    """Return Markdown as safe HTML with each span's words in ``<mark>``.

    A span whose sentinels would change what the Markdown means (a list's number, a reference link's
    label) is left unmarked: the rendering is checked against the one without highlights.
    """
    plain = _render(text)
    spans = _word_edges(text, spans)
    if not spans or OPEN in text or CLOSE in text:
        return Markup(plain)
    html = _same_structure(text, spans, plain)
    if html is None:
        kept = [span for span in spans if _same_structure(text, [span], plain) is not None]
        html = _same_structure(text, kept, plain) or plain
    # A highlight that would cross an element's edge is dropped rather than mis-nested.
    return Markup(_unmarked(_MARKED.sub(r"<mark>\1</mark>", html)))


def render_plain(text: str, spans: Sequence[tuple[int, int]] = ()) -> Markup:
    """Return text as escaped HTML with each span in ``<mark>``."""
    out, position = [], 0
    for start, end in spans:
        out += [escape(text[position:start]), Markup("<mark>"), escape(text[start:end]), Markup("</mark>")]
        position = end
    out.append(escape(text[position:]))
    return Markup("").join(out)


def render(text: str, fmt: str | None, spans: Sequence[tuple[int, int]] = ()) -> Markup:
    """Return passage text as HTML for its document's format: Markdown rendered, anything else as written."""
    return render_markdown(text, spans) if is_markdown(fmt) else render_plain(text, spans)


def _inline_text(token: Token) -> str:
    """Return the words of an inline token: its text and code, line breaks kept, syntax left out."""
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
    return "".join(parts)


def plain_markdown(text: str) -> str:
    """Return Markdown's words without its syntax: one line per paragraph, heading, item or table row."""
    lines: list[str] = []
    row: list[str] | None = None
    for token in parser().parse(text):
        if token.type == "tr_open":
            row = []
        elif token.type == "tr_close" and row is not None:
            lines.append("\t".join(row))
            row = None
        elif token.type == "inline":
            (row if row is not None else lines).append(_inline_text(token))
        elif token.type in ("fence", "code_block"):
            lines.append(token.content.rstrip("\n"))
    return "\n".join(lines)


def plain(text: str, fmt: str | None) -> str:
    """Return passage text as plain words for its format: Markdown syntax stripped, line breaks kept."""
    return plain_markdown(text) if is_markdown(fmt) else text.strip()
