"""How a quote is cited, the same for a search hit and for a saved piece of evidence."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def place(participant: str | None, competitor: str | None, locator: Mapping[str, Any], date: str | None) -> str:
    """Return where a quote stands: participant, competitor, locator (speaker, time, page, row...), date."""
    where = ", ".join(f"{k} {v}" for k, v in locator.items())
    return " · ".join(str(p) for p in (participant, competitor, where, date) if p)


def citation(title: str, kind: str, where: str) -> str:
    """Return a one-line citation: title, kind, then where the quote stands."""
    return " · ".join(p for p in (title, kind.replace("-", " "), where) if p)
