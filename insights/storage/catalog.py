"""The filterable fields of every passage as in-memory arrays, so a filter costs a millisecond, not a scan."""

from __future__ import annotations

import copy
import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from itertools import compress
from typing import Any

import numpy as np

from insights.filters import Filters
from insights.storage.mentions import Mentions, known_names

# Passage-level values (a survey row's segment) win over the document's. A competitor is not one
# such field: a passage may be about several, by its metadata or its words (see mentions.py).
_SELECT = """
SELECT p.id, p.document_id, lower(d.kind), lower(coalesce(p.participant, d.participant)),
       lower(coalesce(p.segment, d.segment)), lower(d.author),
       coalesce(p.date, d.date), p.text,
       coalesce(json_extract(p.locator, '$.row'), json_extract(p.locator, '$.line'),
                json_extract(p.locator, '$.prompt'), json_extract(p.locator, '$.time')),
       p.competitor, d.competitor, p.metadata, json_extract(p.locator, '$.role') = 'interviewer', d.collection_id
FROM passages p JOIN documents d ON d.id = p.document_id
"""
_QUERY = _SELECT + "ORDER BY p.id"
# One JSON parameter, not one per id: a large write would pass SQLite's limit on bound parameters.
_SOME = _SELECT + "WHERE p.id IN (SELECT value FROM json_each(?)) ORDER BY p.id"
_ALIASES = ("SELECT competitor, json_extract(metadata, '$.aliases') FROM documents "
            "WHERE competitor IS NOT NULL AND json_extract(metadata, '$.aliases') IS NOT NULL")
_FIELDS = ("kind", "participant", "segment", "author")


class Catalog:
    """Per-passage filter fields, as integer codes; built from the database, then kept in step by each write."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.ids = np.zeros(0, dtype=np.int64)
        self.documents = np.zeros(0, dtype=np.int64)
        self.codes: dict[str, tuple[dict[str, int], np.ndarray]] = {
            name: ({}, np.zeros(0, dtype=np.int32)) for name in _FIELDS}
        self.dates = np.zeros(0, dtype=str)
        #: Lower-cased texts for "quoted phrase" checks: a substring test beats reading rows back.
        self.texts: list[str] = []
        # What the competitor mentions are found from, kept so a write matches its own passages only.
        self._own: list[str | None] = []
        self._filed: list[str | None] = []
        self._records: list[str] = []
        self.sources = np.zeros(0, dtype=np.int64)
        self.is_prompt = np.zeros(0, dtype=bool)
        self.collections = np.zeros(0, dtype=np.int64)
        self._append(db.execute(_QUERY).fetchall())
        self.mentions = Mentions(known_names([*self._own, *self._filed]), self._own, self._filed, self.texts,
                                 self._records, _aliases(db))
        self.tags = _tags(db)

    def _append(self, rows: list[Any]) -> None:
        """Append passage rows (ids above every one held) to the columns; mentions are the caller's."""
        columns = list(zip(*rows, strict=True)) if rows else [()] * 14
        self.ids = np.concatenate([self.ids, np.asarray(columns[0], dtype=np.int64)])
        self.documents = np.concatenate([self.documents, np.asarray(columns[1], dtype=np.int64)])
        for name, values in zip(_FIELDS, columns[2:6], strict=True):
            # Codes only grow, so a write's new values never renumber the passages already held.
            vocabulary, held = self.codes[name]
            vocabulary = dict(vocabulary)
            codes = np.fromiter((vocabulary.setdefault(v, len(vocabulary)) if v is not None else -1 for v in values),
                                dtype=np.int32, count=len(values))
            self.codes[name] = (vocabulary, np.concatenate([held, codes]))
        # ISO dates compare as strings; a missing date sorts before every real one.
        self.dates = np.concatenate([self.dates, np.asarray([d or "" for d in columns[6]], dtype=str)])
        self.texts = self.texts + [t.lower() for t in columns[7]]
        self._own = self._own + list(columns[9])
        self._filed = self._filed + list(columns[10])
        self._records = self._records + list(columns[11])
        # Who is speaking: one participant in one document, one record (row, line) of a table, or one
        # exchange of a transcript (the answers to one prompt; a prompt stands alone): an interview
        # covers many topics, and an answer earns no credit for words said about another. A write
        # brings whole documents, so its sources are all new: they are numbered after every one held.
        speakers: dict[tuple[int, int, Any], int] = {}
        participants = self.codes["participant"][1][len(self.sources):]
        start = int(self.sources.max()) + 1 if len(self.sources) else 0
        sources = np.fromiter(
            (start + speakers.setdefault(key, len(speakers))
             for key in zip(columns[1], participants.tolist(), columns[8], strict=True)),
            dtype=np.int64, count=len(rows))
        self.sources = np.concatenate([self.sources, sources])
        # An interviewer's turns prompt the answers but are never a hit themselves (see ingest/speakers.py).
        self.is_prompt = np.concatenate([self.is_prompt, np.asarray([bool(v) for v in columns[12]], dtype=bool)])
        self.prompts = self.ids[self.is_prompt]
        # Each passage's restricted collection (-1: none), so a reader's hidden ones drop out before ranking.
        self.collections = np.concatenate([self.collections,
                                           np.asarray([-1 if c is None else c for c in columns[13]], dtype=np.int64)])

    def changed(self, db: sqlite3.Connection, removed: Iterable[int], added: Iterable[int],
                moved: Iterable[int] = ()) -> Catalog:
        """Return the catalog once a write removed passages, added others and ``moved`` documents' collections.

        Only the added passages are read and matched against the competitor names, unless the write
        named a new competitor or alias (see ``Mentions.changed``). The old catalog is left as it was,
        for the readers still using it.
        """
        out = copy.copy(self)
        out.codes = dict(self.codes)  # _append replaces its entries: the old catalog keeps its own
        keep = ~np.isin(self.ids, np.fromiter(removed, dtype=np.int64))
        if not keep.all():
            out.ids, out.documents, out.dates = self.ids[keep], self.documents[keep], self.dates[keep]
            out.codes = {name: (vocabulary, codes[keep]) for name, (vocabulary, codes) in self.codes.items()}
            out.texts, out._records = list(compress(self.texts, keep)), list(compress(self._records, keep))
            out._own, out._filed = list(compress(self._own, keep)), list(compress(self._filed, keep))
            out.sources, out.is_prompt = self.sources[keep], self.is_prompt[keep]
            out.collections = self.collections[keep]
            out.prompts = out.ids[out.is_prompt]
        start = len(out.ids)
        rows = db.execute(_SOME, (json.dumps(sorted(added)),)).fetchall()
        out._append(rows)
        tagged = any(self._own[i] or self._filed[i] for i in np.flatnonzero(~keep).tolist())
        names = known_names([*out._own, *out._filed]) if tagged or any(r[9] or r[10] for r in rows) else \
            self.mentions.names
        out.mentions = self.mentions.changed(keep, start, names, out._own, out._filed, out.texts, out._records,
                                             _aliases(db))
        for document_id, collection in db.execute(
                "SELECT id, collection_id FROM documents WHERE id IN (SELECT value FROM json_each(?))",
                (json.dumps(list(moved)),)):
            out.collections = np.where(out.documents == document_id, -1 if collection is None else collection,
                                       out.collections)
        out.tags = _tags(db)
        return out

    def __len__(self) -> int:
        return len(self.ids)

    def source_of(self, ids: np.ndarray) -> np.ndarray:
        """Return each passage's source code (its own id's negative when the catalog does not know it)."""
        unknown = -np.asarray(ids, dtype=np.int64) - 1
        if not len(self.ids):
            return unknown
        positions = np.minimum(np.searchsorted(self.ids, ids), len(self.ids) - 1)
        return np.where(self.ids[positions] == ids, self.sources[positions], unknown)

    @property
    def competitors(self) -> list[str]:
        """Return every competitor some metadata names, sorted."""
        return self.mentions.names

    def competitors_seen(self, hidden: tuple[int, ...] = ()) -> list[str]:
        """Return the competitors some passage outside the hidden collections is about, sorted."""
        if not hidden:
            return self.mentions.names
        visible = ~np.isin(self.collections, hidden)
        return [n for n in self.mentions.names if (self._about([n]) & visible).any()]

    def about(self, names: Iterable[str]) -> np.ndarray:
        """Return the ids of the passages about any of these competitors; an unknown name adds none."""
        return self.ids[self._about(names)]

    def _about(self, names: Iterable[str]) -> np.ndarray:
        """Return a mask of the passages about any of these competitors; an interviewer's question is none."""
        mask = np.zeros(len(self.ids), dtype=bool)
        for name in names:
            mask[self.mentions.positions(name)] = True
        return mask & ~self.is_prompt

    def documents_about(self, names: Iterable[str]) -> set[int]:
        """Return the ids of the documents with a passage about any of these competitors."""
        return set(np.unique(self.documents[self._about(names)]).tolist())

    def competitor_counts(self, ids: np.ndarray) -> list[tuple[str, int]]:
        """Return how many of these passages are about each competitor, most first, leaving out zeros."""
        counts = [(name, int(np.isin(self.ids[self._about([name])], ids).sum())) for name in self.mentions.names]
        return sorted([c for c in counts if c[1]], key=lambda c: (-c[1], c[0]))

    def texts_of(self, ids: list[int]) -> dict[int, str]:
        """Return the lower-cased text of each of these passages the catalog knows."""
        positions = np.searchsorted(self.ids, ids)
        return {i: self.texts[at] for i, at in zip(ids, positions.tolist(), strict=True)
                if at < len(self.ids) and self.ids[at] == i}

    def containing(self, phrases: tuple[str, ...], candidates: np.ndarray) -> np.ndarray:
        """Return the candidate ids whose text contains every phrase, case-insensitively."""
        wanted = [p.lower() for p in phrases]
        positions = np.searchsorted(self.ids, candidates)
        keep = [i for i, at in zip(candidates.tolist(), positions.tolist(), strict=True)
                if at < len(self.texts) and self.ids[at] == i and all(p in self.texts[at] for p in wanted)]
        return np.asarray(keep, dtype=np.int64)

    def allowed(self, filters: Filters, prompts: bool = False) -> np.ndarray:
        """Return the ids of the passages the filters allow (phrase checks excepted), prompts only if asked."""
        mask = np.ones(len(self.ids), dtype=bool) if prompts else ~self.is_prompt
        if filters.hidden:
            mask &= ~np.isin(self.collections, filters.hidden)
        for name in _FIELDS:
            wanted = getattr(filters, name)
            if wanted:
                vocabulary, codes = self.codes[name]
                mask &= np.isin(codes, [vocabulary.get(v.lower(), -2) for v in wanted])
        if filters.competitor:
            mask &= self._about(filters.competitor)
        if filters.document:
            mask &= np.isin(self.documents, filters.document)
        for tag in filters.tag:
            mask &= np.isin(self.documents, self.tags.get(tag.lower(), []))
        if filters.date_from:
            mask &= (self.dates >= filters.date_from) & (self.dates != "")
        if filters.date_to:
            mask &= (self.dates <= filters.date_to + "\uffff") & (self.dates != "")
        return self.ids[mask]


def _aliases(db: sqlite3.Connection) -> list[tuple[str, list[str]]]:
    """Return the other names documents filed under a competitor give it."""
    return [(name, json.loads(names)) for name, names in db.execute(_ALIASES)]


def _tags(db: sqlite3.Connection) -> dict[str, list[int]]:
    """Return the ids of the documents under each tag (lower-cased)."""
    tags: dict[str, list[int]] = defaultdict(list)
    for document_id, tag in db.execute("SELECT document_id, lower(tag) FROM tags"):
        tags[tag].append(document_id)
    return tags
