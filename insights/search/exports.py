"""A result set as a file to hand on: CSV for a spreadsheet, Markdown for a document or a deck."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from typing import Any

from insights.search import markup
from insights.search.engine import Hit

#: How many hits an export holds at most: the whole ranked candidate set.
EXPORT_LIMIT = 200
FORMATS = ("csv", "md")
#: An ``&`` that a Markdown renderer would read as the start of an entity (``&lt;``, ``&#60;``, ``&#x3c;``).
_ENTITY = re.compile(r"&(?=#?\w+;)")
#: What opens a block at the start of a line of plain text: a heading, quote, list item or rule.
_BLOCK_START = re.compile(r"^(\d{1,9}(?=[.)])|(?=[#>+=-]))(.)")


def _cell(value: Any) -> str:
    """Neutralise spreadsheet formulas: a cell starting with = + - @ is shown, never run."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def render(fmt: str, query: str, hits: list[Hit], link: Callable[[Hit], str] | None = None) -> str:
    """Return hits as the export file of format ``fmt`` (one of :data:`FORMATS`)."""
    return to_csv(hits, link) if fmt == "csv" else to_markdown(query, hits)


def to_csv(hits: list[Hit], link: Callable[[Hit], str] | None = None) -> str:
    """Return hits as CSV with a citation column (and a link to each quote, given ``link``)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["quote", "prompt", "citation", "title", "kind", "participant", "competitor", "segment", "date",
                     "locator", "document_id", "char_start", "char_end", "link"])
    for hit in hits:
        locator = "; ".join(f"{k} {v}" for k, v in hit.locator.items() if k != "prompt")
        writer.writerow([_cell(v) for v in (markup.plain(hit.text, hit.format), hit.locator.get("prompt"),
                                            hit.citation, hit.title, hit.kind, hit.participant, hit.competitor,
                                            hit.segment, hit.date, locator, hit.document_id, hit.char_start,
                                            hit.char_end, link(hit) if link else "")])
    return "\ufeff" + out.getvalue()  # the BOM makes Excel read UTF-8


def md_text(text: str) -> str:
    """Return user text as inert Markdown: shown as written, never read as HTML, a link or an image.

    ``<`` (and an ``&`` that would start an entity) become entities, so no renderer sees a tag, a
    comment or an autolink; ``\\``, ``[``, ``]`` and backticks are backslash-escaped, so
    ``[x](javascript:…)``, ``![image](…)``, ``[^footnote]``, ``[ref]: url`` and code spans (where
    entities would show raw) stay text. ``>`` stays as it is: without a ``<`` it opens nothing, and
    heading paths read "Onboarding > Mobile".
    """
    text = _ENTITY.sub("&amp;", text.replace("\\", "\\\\")).replace("<", "&lt;")
    return text.replace("[", "\\[").replace("]", "\\]").replace("`", "\\`")


def md_line(text: str) -> str:
    """Return user text as inert Markdown on one line, so it cannot end a heading, a quote or a footnote early."""
    return md_text(" ".join(text.split()))


def md_heading(text: str) -> str:
    """Return user text as a level-one Markdown heading of one line; a trailing ``#`` stays part of it."""
    line = md_line(text)
    return f"# {line[:-1]}\\#" if line.endswith("#") else f"# {line}"


def md_plain(text: str) -> str:
    """Return one line of plain text as Markdown that shows it as written: no emphasis, list, heading or rule."""
    line = md_text(" ".join(text.split())).replace("*", "\\*").replace("_", "\\_").replace("~", "\\~")
    return _BLOCK_START.sub(r"\1\\\2", line, count=1)


def md_quote(text: str, fmt: str | None) -> list[str]:
    """Return a quote as block-quote lines: Markdown keeps its lists, tables and quotes; other text its paragraphs."""
    if markup.is_markdown(fmt):
        lines = [md_text(line.rstrip()) for line in text.replace("\r\n", "\n").strip("\n").split("\n")]
    else:
        paragraphs = re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").strip())
        lines = [line for paragraph in paragraphs for line in ("", md_plain(paragraph))][1:]
    return [f"> {line}".rstrip() for line in lines]


def md_prompt(locator: dict[str, Any]) -> list[str]:
    """Return the interviewer's question that led to a quote as a line of its own, or nothing."""
    prompt = locator.get("prompt")
    return [f"*Asked:* {md_plain(str(prompt))}", ""] if prompt else []


def to_markdown(query: str, hits: list[Hit]) -> str:
    """Return hits as a Markdown list of block quotes with citations, every user-written word inert."""
    lines = [md_heading(query), ""]
    for hit in hits:
        lines += [*md_prompt(hit.locator), *md_quote(hit.text, hit.format), ">", f"> — {md_line(hit.citation)}", ""]
    return "\n".join(lines)
