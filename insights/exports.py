"""A result set as a file to hand on: CSV for a spreadsheet, Markdown for a document or a deck."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from insights.search import Hit

#: How many hits an export holds at most: the whole ranked candidate set.
EXPORT_LIMIT = 200
FORMATS = ("csv", "md")


def _cell(value: Any) -> str:
    """Neutralise spreadsheet formulas: a cell starting with = + - @ is shown, never run."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(hits: list[Hit], link: Callable[[Hit], str] | None = None) -> str:
    """Return hits as CSV with a citation column (and a link to each quote, given ``link``)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["quote", "citation", "title", "kind", "participant", "competitor", "segment", "date",
                     "locator", "document_id", "char_start", "char_end", "link"])
    for hit in hits:
        locator = "; ".join(f"{k} {v}" for k, v in hit.locator.items())
        writer.writerow([_cell(v) for v in (hit.text, hit.citation, hit.title, hit.kind, hit.participant,
                                            hit.competitor, hit.segment, hit.date, locator, hit.document_id,
                                            hit.char_start, hit.char_end, link(hit) if link else "")])
    return "\ufeff" + out.getvalue()  # the BOM makes Excel read UTF-8


def to_markdown(query: str, hits: list[Hit]) -> str:
    """Return hits as a Markdown list of block quotes with citations."""
    lines = [f"# {query}", ""]
    for hit in hits:
        quote = " ".join(hit.text.split())
        lines += [f"> {quote}", ">", f"> — {hit.citation}", ""]
    return "\n".join(lines)
