"""Evidence of a saved insight: a verbatim quote with its citation, checked against its source on every read."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass, field
from typing import Any

from insights.search.citation import Cited

#: The quote is still in its document at the saved offsets.
OK = "ok"
#: The document changed but still holds the exact quote; the current offsets are given.
MOVED = "moved"
#: The document changed and no longer holds the quote; the saved quote is kept as it was.
STALE = "stale"
#: No document has this source any more.
REMOVED = "removed"
#: The source is in a restricted collection this reader may not see: no text, title or link is given.
RESTRICTED = "restricted"
STATUSES = (OK, MOVED, STALE, REMOVED, RESTRICTED)

#: The document fields a citation names, and the format the quote is written in, snapshotted when saved.
CITED_FIELDS = ("title", "kind", "participant", "segment", "competitor", "date", "format")


@dataclass(frozen=True)
class Evidence(Cited):
    """A saved quote: where it was taken from, and whether its source still says it."""

    id: int
    insight_id: int
    quote: str
    source: str
    document_id: int
    char_start: int
    char_end: int
    content_hash: str
    added_at: str
    title: str
    kind: str
    participant: str | None = None
    segment: str | None = None
    competitor: str | None = None
    date: str | None = None
    #: The source document's format ("md" text is Markdown); None for evidence saved before it was kept.
    format: str | None = None
    locator: dict[str, Any] = field(default_factory=dict)
    status: str = OK
    #: Where the quote stands now (ok or moved), for linking; None when stale or removed.
    current_document_id: int | None = None
    current_start: int | None = None
    current_end: int | None = None
    passage_id: int | None = None

    @property
    def live(self) -> bool:
        """Return whether the source still holds the quote verbatim."""
        return self.status in (OK, MOVED)

    @property
    def note(self) -> str:
        """Return what a reader must know about the quote's source, or an empty string when it is intact."""
        if self.status == STALE:
            return "stale: the source document changed and no longer contains this quote; shown as saved"
        if self.status == REMOVED:
            return "removed: the source document is no longer in the repository; shown as saved"
        if self.status == RESTRICTED:
            return "restricted: this quote comes from a restricted collection you are not a member of"
        return ""

    def to_dict(self) -> dict[str, Any]:
        """Return the evidence as the JSON contract of the API and ``--json`` (without the server-side source key)."""
        data = asdict(self)
        del data["source"]  # a path on the server for ingested files: nobody's business over HTTP
        return {**data, "citation": self.citation, "note": self.note}


def snapshot(row: dict[str, Any], locator: dict[str, Any]) -> str:
    """Return the citation fields of a document (or passage hit) as stored JSON, with its restricted collection."""
    # The collection is kept so that a quote from a restricted document stays restricted after the document is gone.
    return json.dumps({**{name: row[name] for name in CITED_FIELDS}, "locator": locator,
                       "collection": row.get("collection_id")})


def resolve(rows: list[sqlite3.Row], db: sqlite3.Connection, hidden: tuple[int, ...] = ()) -> list[Evidence]:
    """Check each saved evidence row against the current document with its source; never rewrite the quote.

    Evidence from a collection in ``hidden`` comes back restricted: its status and ids only.
    """
    sources = sorted({row["source"] for row in rows})
    documents: dict[str, sqlite3.Row] = {}
    for start in range(0, len(sources), 500):
        chunk = sources[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for doc in db.execute(f"SELECT id, source, text, collection_id FROM documents WHERE source IN ({marks})",
                              chunk):
            documents[doc["source"]] = doc
    out = []
    for row in rows:
        doc = documents.get(row["source"])
        # Where the document still is, its collection now decides; a removed one's, as it was when saved.
        collection = doc["collection_id"] if doc is not None else json.loads(row["citation"]).get("collection")
        out.append(_restricted(row) if collection is not None and collection in hidden else _resolve(row, doc, db))
    return out


def _restricted(row: sqlite3.Row) -> Evidence:
    """Return evidence a reader may not see: which insight it belongs to and its status, nothing of its source."""
    return Evidence(id=row["id"], insight_id=row["insight_id"], quote="", source="", document_id=0, char_start=0,
                    char_end=0, content_hash="", added_at=row["added_at"], title=RESTRICTED, kind=RESTRICTED,
                    status=RESTRICTED)


def _resolve(row: sqlite3.Row, doc: sqlite3.Row | None, db: sqlite3.Connection) -> Evidence:
    """Return one evidence with its status: ok, moved (re-anchored), stale or removed."""
    cited = json.loads(row["citation"])
    base: dict[str, Any] = {
        "id": row["id"], "insight_id": row["insight_id"], "quote": row["quote"], "source": row["source"],
        "document_id": row["document_id"], "char_start": row["char_start"], "char_end": row["char_end"],
        "content_hash": row["content_hash"], "added_at": row["added_at"],
        **{name: cited.get(name) for name in CITED_FIELDS}, "locator": cited.get("locator") or {},
    }
    base["title"] = base["title"] or row["source"]
    base["kind"] = base["kind"] or "note"
    if doc is None:
        return Evidence(**base, status=REMOVED)
    text, quote = doc["text"], row["quote"]
    start = row["char_start"]
    if text[start : start + len(quote)] == quote:
        status = OK
    else:
        found = anchor(text, quote, start)
        if found is None:
            return Evidence(**base, status=STALE)
        status, start = MOVED, found
    passage = db.execute(
        """SELECT p.id, p.locator, d.title, d.kind, coalesce(p.participant, d.participant) AS participant,
                  coalesce(p.segment, d.segment) AS segment, coalesce(p.competitor, d.competitor) AS competitor,
                  coalesce(p.date, d.date) AS date, d.format
           FROM passages p JOIN documents d ON d.id = p.document_id
           WHERE p.document_id = ? AND p.char_start <= ? AND p.char_end > ? ORDER BY p.seq LIMIT 1""",
        (doc["id"], start, start),
    ).fetchone()
    if passage is not None:
        # The quote is verified in place, so cite where it stands now (a re-ingest may have retitled the
        # document or moved the quote under another heading); stale and removed evidence keeps its snapshot.
        base.update({name: passage[name] for name in CITED_FIELDS}, locator=json.loads(passage["locator"]))
    return Evidence(**base, status=status, current_document_id=doc["id"], current_start=start,
                    current_end=start + len(quote), passage_id=None if passage is None else passage["id"])


def anchor(text: str, quote: str, near: int) -> int | None:
    """Return where ``quote`` now stands in ``text``: its occurrence nearest the old offset, or None if absent."""
    found, position = [], text.find(quote)
    while position != -1:
        found.append(position)
        position = text.find(quote, position + 1)
    return min(found, key=lambda p: (abs(p - near), p)) if found else None
