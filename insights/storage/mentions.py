"""Which passages are about which competitor: the one definition search filters, facets and competitor pages share."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence

import numpy as np


def known_names(values: Iterable[str | None]) -> list[str]:
    """Return the competitors named in metadata, one spelling per name (the first seen), sorted case-blind."""
    names: dict[str, str] = {}
    for value in values:
        name = (value or "").strip()
        if name:
            names.setdefault(name.lower(), name)
    return sorted(names.values(), key=str.lower)


class Mentions:
    """The passages about each competitor, as sorted positions into the catalog's passage order.

    A passage is about a competitor when its own or its document's ``competitor`` says so, when its
    text names it, or when one of its record's fields does (a review's ``product`` column, a ticket's
    ``previous_tool``). Naming is a whole-word, case-blind match, so "RotaMate's" counts and
    "RotaMates" does not. Only names some metadata gives are known: a name nobody tagged is no
    competitor, however often it is written. A document filed under a competitor may give its other
    names (front matter ``aliases: [PilotAI]``): a passage naming one of them is about that competitor.
    """

    def __init__(self, names: Sequence[str], own: Sequence[str | None], documents: Sequence[str | None],
                 texts: Sequence[str], records: Sequence[str],
                 aliases: Iterable[tuple[str, Sequence[str]]] = ()) -> None:
        """Match every passage against every name; ``texts`` are already lower-cased, ``records`` JSON objects."""
        self.names = list(names)
        self.spellings = _spellings(self.names, aliases)
        self._positions = _matches(self.spellings, own, documents, texts, records)

    def changed(self, keep: np.ndarray, start: int, names: Sequence[str], own: Sequence[str | None],
                documents: Sequence[str | None], texts: Sequence[str], records: Sequence[str],
                aliases: Iterable[tuple[str, Sequence[str]]] = ()) -> Mentions:
        """Return the mentions once passages not in ``keep`` left and the columns' rows from ``start`` on came.

        The columns are the whole catalog's, after the change. Only the new rows are matched, unless a
        name is new or its aliases changed: that name alone is matched against every passage again.
        """
        out = Mentions.__new__(Mentions)
        out.names = list(names)
        out.spellings = _spellings(out.names, aliases)
        same = {key: words for key, words in out.spellings.items() if self.spellings.get(key) == words}
        renumber = np.cumsum(keep) - 1
        added = _matches(same, own[start:], documents[start:], texts[start:], records[start:])
        out._positions = _matches({k: w for k, w in out.spellings.items() if k not in same},
                                  own, documents, texts, records)
        for key in same:
            kept = self._positions[key][keep[self._positions[key]]]
            out._positions[key] = np.concatenate([renumber[kept], added[key] + start])
        return out

    def canonical(self, name: str) -> str | None:
        """Return a competitor's name as first spelled in metadata, or None for a name no metadata gives."""
        wanted = name.strip().lower()
        return next((known for known in self.names if known.lower() == wanted), None)

    def positions(self, name: str) -> np.ndarray:
        """Return the positions of the passages about ``name`` (none for an unknown name)."""
        return self._positions.get(name.strip().lower(), np.zeros(0, dtype=np.int64))


def _field_values(record: str) -> list[str]:
    """Return a record's text fields, lower-cased."""
    values = json.loads(record).values()
    return [value.lower() for value in values if isinstance(value, str)]


def _spellings(names: Sequence[str], aliases: Iterable[tuple[str, Sequence[str]]]) -> dict[str, frozenset[str]]:
    """Return each known name's spellings (lower-cased): itself and the aliases its documents give."""
    spellings: dict[str, set[str]] = {name.lower(): {name.lower()} for name in names}
    for name, others in aliases:
        spellings.get(name.strip().lower(), set()).update(o.strip().lower() for o in others if o.strip())
    return {key: frozenset(words) for key, words in spellings.items()}


def _matches(spellings: dict[str, frozenset[str]], own: Sequence[str | None], documents: Sequence[str | None],
             texts: Sequence[str], records: Sequence[str]) -> dict[str, np.ndarray]:
    """Return, for each name, the positions of the passages about it."""
    keys = list(spellings)
    patterns = [[(word, re.compile(r"(?<!\w)" + re.escape(word) + r"(?!\w)")) for word in sorted(spellings[key])]
                for key in keys]
    found: list[list[int]] = [[] for _ in keys]
    if not keys:
        return {}
    for position, (tagged, filed, text, record) in enumerate(zip(own, documents, texts, records, strict=True)):
        said = {(tagged or "").strip().lower(), (filed or "").strip().lower()}
        # Only table rows carry fields; parsing every other passage's "{}" would double the cost.
        fields = _field_values(record) if record != "{}" else []
        for number, (key, words) in enumerate(zip(keys, patterns, strict=True)):
            # The substring test is a cheap gate: most passages name no competitor at all.
            if key in said or any((word in text and pattern.search(text))
                                  or any(word in field and pattern.search(field) for field in fields)
                                  for word, pattern in words):
                found[number].append(position)
    return {key: np.asarray(hits, dtype=np.int64) for key, hits in zip(keys, found, strict=True)}
