"""How a quote is cited, the same for a search hit and for a saved piece of evidence."""

from __future__ import annotations

from typing import Any

#: Locator keys that describe a turn rather than locate it.
CONTEXT_KEYS = ("role", "prompt")


class Cited:
    """A quote that knows its document's title and kind, who said it, and where it stands."""

    title: str
    kind: str
    participant: str | None
    competitor: str | None
    locator: dict[str, Any]
    date: str | None

    @property
    def place(self) -> str:
        """Return where the quote stands: participant, competitor, locator (speaker, time, page, row...), date."""
        # The role and the prompt say who asked what; they are context, not a place in the source.
        where = ", ".join(f"{k} {v}" for k, v in self.locator.items() if k not in CONTEXT_KEYS)
        return " · ".join(str(p) for p in (self.participant, self.competitor, where, self.date) if p)

    @property
    def citation(self) -> str:
        """Return a one-line citation: title, kind, then where the quote stands."""
        return " · ".join(p for p in (self.title, self.kind.replace("-", " "), self.place) if p)
