"""Search filters and the SQL that applies them before any ranking is cut."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

# Passage-level values (a survey row's segment) win over the document's.
_EFFECTIVE = {
    "participant": "coalesce(p.participant, d.participant)",
    "segment": "coalesce(p.segment, d.segment)",
    "competitor": "coalesce(p.competitor, d.competitor)",
}


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

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))

    def to_dict(self) -> dict[str, Any]:
        """Return the filters that are set, for JSON output."""
        return {f.name: (list(v) if isinstance(v, tuple) else v) for f in fields(self) if (v := getattr(self, f.name))}

    def sql(self) -> tuple[str, list[Any]]:
        """Return a WHERE clause over passages ``p`` joined with documents ``d``, and its parameters."""
        clauses: list[str] = []
        params: list[Any] = []

        def any_of(expression: str, values: tuple[Any, ...]) -> None:
            if values:
                clauses.append(f"{expression} COLLATE NOCASE IN ({','.join('?' * len(values))})")
                params.extend(values)

        any_of("d.kind", self.kind)
        for name, expression in _EFFECTIVE.items():
            any_of(expression, getattr(self, name))
        any_of("d.author", self.author)
        if self.document:
            clauses.append(f"p.document_id IN ({','.join('?' * len(self.document))})")
            params.extend(self.document)
        for tag in self.tag:
            clauses.append("EXISTS (SELECT 1 FROM tags t WHERE t.document_id = d.id AND t.tag = ? COLLATE NOCASE)")
            params.append(tag)
        # ISO dates compare as strings; a month-only date "2026-03" sorts before every day in it.
        if self.date_from:
            clauses.append("coalesce(p.date, d.date) >= ?")
            params.append(self.date_from)
        if self.date_to:
            clauses.append("coalesce(p.date, d.date) <= ?")
            params.append(self.date_to + "\uffff")
        for phrase in self.contains:
            clauses.append("instr(lower(p.text), ?) > 0")
            params.append(phrase.lower())
        return (" AND ".join(clauses) or "1"), params
