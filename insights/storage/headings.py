"""Heading vectors: what each passage sits under (a record's headline, a section's heading), embedded once.

A user often paraphrases the heading rather than the passage: a FAQ's question, a ticket's subject,
an interview guide's section. The passage's own vector mixes that heading with the answer's words
(and a record's later passages do not hold it at all), so meaning also scores a passage by its
heading alone and keeps the better of the two. Every answer under one heading then scores alike.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

#: Where a passage's heading is found, first match wins: a record's headline fields (as the JSON
#: Lines and CSV parsers lead its text with them), then the section's heading path in the locator.
#: (An answer's prompt is no heading: it is read with the answer, in one vector.)
HEADLINE_KEYS = ("title", "subject", "headline")
LOCATOR_KEYS = ("heading",)

_QUERY = f"""
SELECT id, {", ".join(f"json_extract(metadata, '$.{key}')" for key in HEADLINE_KEYS)},
       {", ".join(f"json_extract(locator, '$.{key}')" for key in LOCATOR_KEYS)}
FROM passages ORDER BY id
"""


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
        names = {text: row for row, (text,) in enumerate(db.execute("SELECT text FROM headings ORDER BY text"))}
        blobs = [blob for (blob,) in db.execute("SELECT vector FROM headings ORDER BY text")]
        self.matrix = np.stack([np.frombuffer(b, dtype=np.float32) for b in blobs]) if blobs else np.zeros((0, 0))
        ids, rows = [], []
        for passage_id, *fields in db.execute(_QUERY):
            split = len(HEADLINE_KEYS)
            name = heading_of(dict(zip(HEADLINE_KEYS, fields[:split], strict=True)),
                              dict(zip(LOCATOR_KEYS, fields[split:], strict=True)))
            if name in names:
                ids.append(passage_id)
                rows.append(names[name])
        self.ids = np.asarray(ids, dtype=np.int64)
        self.rows = np.asarray(rows, dtype=np.int64)

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
