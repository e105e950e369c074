"""Search filters: which passages a search may return, applied before any ranking is cut."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class Filters:
    """Restrict a search; several values of one field match any of them, tags must all match."""

    kind: tuple[str, ...] = ()
    tag: tuple[str, ...] = ()
    participant: tuple[str, ...] = ()
    segment: tuple[str, ...] = ()
    competitor: tuple[str, ...] = ()
    author: tuple[str, ...] = ()
    document: tuple[int, ...] = ()
    date_from: str | None = None
    date_to: str | None = None
    #: Phrases every passage must contain (case-insensitive), from "quoted" parts of a question.
    contains: tuple[str, ...] = ()
    #: Restricted collections the reader may not see: set by the repository from its reader, never by a user.
    hidden: tuple[int, ...] = ()

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))

    def to_dict(self) -> dict[str, Any]:
        """Return the filters that are set, for JSON output (not which collections are hidden: that says they exist)."""
        return {f.name: (list(v) if isinstance(v, tuple) else v) for f in fields(self)
                if (v := getattr(self, f.name)) and f.name != "hidden"}
