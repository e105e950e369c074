"""Heading vectors: what each passage sits under (a record's headline, a section's heading), embedded once.

A user often paraphrases the heading rather than the passage: a FAQ's question, a ticket's subject,
an interview guide's section. The passage's own vector mixes that heading with the answer's words
(and a record's later passages do not hold it at all), so meaning also scores a passage by its
heading alone and keeps the better of the two. Every answer under one heading then scores alike.
"""

from __future__ import annotations

import copy
import json
import sqlite3
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

#: Where a passage's heading is found, first match wins: a record's headline fields (as the JSON
#: Lines and CSV parsers lead its text with them), then the section's heading path in the locator.
#: (An answer's prompt is no heading: it is read with the answer, in one vector.)
HEADLINE_KEYS = ("title", "subject", "headline")
LOCATOR_KEYS = ("heading",)

_SELECT = f"""
SELECT id, {", ".join(f"json_extract(metadata, '$.{key}')" for key in HEADLINE_KEYS)},
       {", ".join(f"json_extract(locator, '$.{key}')" for key in LOCATOR_KEYS)}
FROM passages
"""
_QUERY = _SELECT + "ORDER BY id"
_SOME = _SELECT + "WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id"


def heading_of(metadata: Mapping[str, Any], locator: Mapping[str, Any]) -> str | None:
    """Return the heading a passage sits under, or None."""
    for value in (*(metadata.get(key) for key in HEADLINE_KEYS), *(locator.get(key) for key in LOCATOR_KEYS)):
        if isinstance(value, str) and value.strip():
            return value
    return None


def headings_of(rows: Iterable[Mapping[str, Any]]) -> set[str]:
    """Return the distinct headings of passage rows (as the store takes them)."""
    found = {heading_of(row["metadata"], row["locator"]) for row in rows}
    return {h for h in found if h is not None}


class Headings:
    """Each passage's heading vector, held once per distinct heading; rebuilt whenever the database changes."""

    def __init__(self, db: sqlite3.Connection) -> None:
        rows = db.execute("SELECT text, vector FROM headings ORDER BY text").fetchall()
        #: Each held heading's row in ``matrix``.
        self.names = {text: row for row, (text, _) in enumerate(rows)}
        self.matrix = np.stack([np.frombuffer(b, dtype=np.float32) for _, b in rows]) if rows else np.zeros((0, 0))
        self.ids, self.rows = self._rows(db.execute(_QUERY))

    def _rows(self, passages: Iterable[Any]) -> tuple[np.ndarray, np.ndarray]:
        """Return the ids of the passages under a held heading, and that heading's row."""
        ids, rows = [], []
        split = len(HEADLINE_KEYS)
        for passage_id, *fields in passages:
            name = heading_of(dict(zip(HEADLINE_KEYS, fields[:split], strict=True)),
                              dict(zip(LOCATOR_KEYS, fields[split:], strict=True)))
            if name in self.names:
                ids.append(passage_id)
                rows.append(self.names[name])
        return np.asarray(ids, dtype=np.int64), np.asarray(rows, dtype=np.int64)

    def changed(self, db: sqlite3.Connection, removed: Iterable[int], added: Iterable[int]) -> Headings:
        """Return the headings once a write removed passages and added others (ids above every one held)."""
        out = copy.copy(self)
        keep = ~np.isin(self.ids, np.fromiter(removed, dtype=np.int64))
        passages = db.execute(_SOME, (json.dumps(sorted(added)),)).fetchall()
        split = len(HEADLINE_KEYS)
        wanted = {heading_of(dict(zip(HEADLINE_KEYS, p[1:1 + split], strict=True)),
                             dict(zip(LOCATOR_KEYS, p[1 + split:], strict=True))) for p in passages}
        new = sorted(n for n in wanted if n is not None and n not in self.names)
        found = db.execute("SELECT text, vector FROM headings WHERE text IN (SELECT value FROM json_each(?)) "
                           "ORDER BY text", (json.dumps(new),)).fetchall()
        if found:
            # Headings no passage sits under any more stay: a row is cheap, and a later write may use it.
            out.names = {**self.names, **{text: len(self.names) + i for i, (text, _) in enumerate(found)}}
            vectors = np.stack([np.frombuffer(b, dtype=np.float32) for _, b in found])
            out.matrix = np.concatenate([self.matrix, vectors]) if len(self.matrix) else vectors
        ids, rows = out._rows(passages)
        out.ids, out.rows = np.concatenate([self.ids[keep], ids]), np.concatenate([self.rows[keep], rows])
        return out

    def __len__(self) -> int:
        return len(self.ids)

    def similarity(self, query: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """Return the cosine similarity of each passage's heading to the query (-1 where it has none)."""
        out = np.full(len(ids), -1.0, dtype=np.float32)
        if not len(self.ids) or not len(ids):
            return out
        positions = np.minimum(np.searchsorted(self.ids, ids), len(self.ids) - 1)
        held = self.ids[positions] == ids
        out[held] = self.matrix[self.rows[positions[held]]] @ query
        return out
