"""Saved insights: findings written down once, each backed by verbatim evidence quotes from the documents."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from insights.errors import InsightNotFound, InsightsError
from insights.saved.evidence import STATUSES, Evidence, resolve, snapshot
from insights.storage import audit
from insights.storage.store import Store

#: Longest title and summary, in characters: a title is one line, a summary a few paragraphs.
MAX_TITLE = 200
MAX_SUMMARY = 20_000
#: Longest excerpt of a passage to keep as evidence: far above any passage, far below a runaway paste.
MAX_QUOTE = 10_000


@dataclass(frozen=True)
class EvidenceSource:
    """Where a new piece of evidence comes from: a passage (or an exact part of it), or a document span."""

    passage_id: int | None = None
    #: With a passage: an exact excerpt of it to keep instead of the whole passage.
    quote: str | None = None
    document_id: int | None = None
    char_start: int | None = None
    char_end: int | None = None


@dataclass(frozen=True)
class Insight:
    """A finding: a title, a summary and the evidence behind it, each piece with its current status."""

    id: int
    title: str
    summary: str
    created_at: str
    updated_at: str
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        """Return how many pieces of evidence have each status."""
        return {status: sum(e.status == status for e in self.evidence) for status in STATUSES}

    def to_dict(self) -> dict[str, Any]:
        """Return the insight as the JSON contract of the API and ``--json``."""
        data = asdict(self)
        data["evidence"] = [e.to_dict() for e in self.evidence]
        return {**data, "counts": self.counts}


class SavedInsights:
    """Create, edit, search and delete insights; attach and detach evidence. Each write is one transaction.

    Insights live beside the documents, not inside the search indexes: no write here moves the
    database generation, so saving a finding never makes FAISS or BM25 rebuild.
    """

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- writing ----------------------------------------------------------------------------

    def create(self, title: str, summary: str = "", evidence: Iterable[EvidenceSource] = (),
               actor: str = audit.LOCAL, hidden: tuple[int, ...] = ()) -> Insight:
        """Save a new insight with its first evidence, all or nothing; none may come from a ``hidden`` collection.

        :raises InsightsError: for an empty or too long title, or evidence that cannot be found.
        """
        title, summary = _title(title), _summary(summary)
        with self.store.transaction() as db:
            cursor = db.execute("INSERT INTO insights (title, summary) VALUES (?, ?)", (title, summary))
            insight_id = int(cursor.lastrowid or 0)
            quotes = [_insert_evidence(db, insight_id, source, hidden) for source in evidence]
            _index(db, insight_id)
            audit.record(db, actor, "insight.create", f"insight:{insight_id}", {"title": title, "evidence": quotes})
        return self.get(insight_id, hidden)

    def update(self, insight_id: int, title: str | None = None, summary: str | None = None,
               actor: str = audit.LOCAL, hidden: tuple[int, ...] = ()) -> Insight:
        """Change an insight's title and/or summary.

        :raises InsightNotFound: when no insight has this id.
        """
        with self.store.transaction() as db:
            current = _row(db, insight_id)
            db.execute(
                "UPDATE insights SET title = ?, summary = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') "
                "WHERE id = ?",
                (current["title"] if title is None else _title(title),
                 current["summary"] if summary is None else _summary(summary), insight_id),
            )
            _index(db, insight_id)
            changed = [name for name, value in (("title", title), ("summary", summary)) if value is not None]
            audit.record(db, actor, "insight.update", f"insight:{insight_id}",
                         {"title": current["title"] if title is None else _title(title), "changed": changed})
        return self.get(insight_id, hidden)

    def delete(self, insight_id: int, actor: str = audit.LOCAL) -> Insight:
        """Delete an insight and its evidence; the documents are untouched. Return what was deleted.

        :raises InsightNotFound: when no insight has this id.
        """
        insight = self.get(insight_id)
        with self.store.transaction() as db:
            _row(db, insight_id)
            db.execute("DELETE FROM insights_fts WHERE rowid = ?", (insight_id,))
            db.execute("DELETE FROM insights WHERE id = ?", (insight_id,))
            audit.record(db, actor, "insight.delete", f"insight:{insight_id}",
                         {"title": insight.title, "evidence": len(insight.evidence)})
        return insight

    def add_evidence(self, insight_id: int, source: EvidenceSource, actor: str = audit.LOCAL,
                     hidden: tuple[int, ...] = ()) -> Evidence:
        """Attach a quote to an insight (never one from a ``hidden`` collection); the same span twice keeps one.

        :raises InsightNotFound: when no insight has this id.
        :raises InsightsError: when the passage, document or span cannot be found.
        """
        with self.store.transaction() as db:
            _row(db, insight_id)
            evidence_id = _insert_evidence(db, insight_id, source, hidden)
            _touch(db, insight_id)
            _index(db, insight_id)
            audit.record(db, actor, "insight.evidence.add", f"insight:{insight_id}", {"evidence": evidence_id})
        return next(e for e in self.get(insight_id, hidden).evidence if e.id == evidence_id)

    def remove_evidence(self, insight_id: int, evidence_id: int, actor: str = audit.LOCAL) -> Evidence:
        """Detach one piece of evidence from an insight; return it.

        :raises InsightNotFound: when the insight, or this evidence of it, does not exist.
        """
        removed = next((e for e in self.get(insight_id).evidence if e.id == evidence_id), None)
        if removed is None:
            raise InsightNotFound(f"insight {insight_id} has no evidence with id {evidence_id}")
        with self.store.transaction() as db:
            db.execute("DELETE FROM evidence WHERE id = ? AND insight_id = ?", (evidence_id, insight_id))
            _touch(db, insight_id)
            _index(db, insight_id)
            audit.record(db, actor, "insight.evidence.remove", f"insight:{insight_id}",
                         {"evidence": evidence_id, "source": removed.source})
        return removed

    # -- reading ----------------------------------------------------------------------------

    def get(self, insight_id: int, hidden: tuple[int, ...] = ()) -> Insight:
        """Return one insight with every piece of evidence checked against its source (``hidden`` ones restricted).

        :raises InsightNotFound: when no insight has this id.
        """
        with self.store.snapshot():
            row = _row(self.store.db, insight_id)
            rows = self.store.db.execute(
                "SELECT * FROM evidence WHERE insight_id = ? ORDER BY id", (insight_id,)
            ).fetchall()
            return _insight(row, resolve(rows, self.store.db, hidden))

    def search(self, query: str = "", hidden: tuple[int, ...] = ()) -> list[Insight]:
        """Return every insight, newest first, or those whose title, summary or quotes match ``query`` best first.

        A reader with ``hidden`` collections matches titles and summaries only: a match on a quote they
        may not read would tell them what it says.
        """
        db = self.store.db
        with self.store.snapshot():
            match = _match(query)
            if match and hidden:
                match = "{title summary} : (" + match + ")"
            if query.strip() and not match:
                return []
            if match:
                rows = db.execute(
                    "SELECT i.* FROM insights_fts f JOIN insights i ON i.id = f.rowid "
                    "WHERE insights_fts MATCH ? ORDER BY bm25(insights_fts, 4.0, 2.0, 1.0), i.id DESC", (match,)
                ).fetchall()
            else:
                rows = db.execute("SELECT * FROM insights ORDER BY updated_at DESC, id DESC").fetchall()
            evidence = db.execute("SELECT * FROM evidence ORDER BY insight_id, id").fetchall() if rows else []
            resolved = resolve(evidence, db, hidden)
        by_insight: dict[int, list[Evidence]] = {}
        for item in resolved:
            by_insight.setdefault(item.insight_id, []).append(item)
        return [_insight(row, by_insight.get(row["id"], [])) for row in rows]

    def citing(self, source: str) -> list[tuple[int, str]]:
        """Return (id, title) of the insights quoting the document known as ``source``, by title."""
        return [(r[0], r[1]) for r in self.store.db.execute(
            """SELECT DISTINCT i.id, i.title FROM insights i JOIN evidence e ON e.insight_id = i.id
               WHERE e.source = ? ORDER BY i.title, i.id""", (source,))]

    def choices(self, query: str = "", limit: int | None = None) -> list[tuple[int, str]]:
        """Return (id, title) of insights for a picker: the most recently updated first, or the best matches.

        A picker asks for a few (``limit``): a page holds many pickers, and a repository thousands of insights.
        """
        db, match = self.store.db, _match(query)
        if query.strip() and not match:
            return []
        if match:
            rows = db.execute("SELECT i.id, i.title FROM insights_fts f JOIN insights i ON i.id = f.rowid "
                              "WHERE insights_fts MATCH ? ORDER BY bm25(insights_fts, 4.0, 2.0, 1.0), i.id DESC "
                              "LIMIT ?", (match, -1 if limit is None else limit))
        else:
            rows = db.execute("SELECT id, title FROM insights ORDER BY updated_at DESC, id DESC LIMIT ?",
                              (-1 if limit is None else limit,))
        return [(r[0], r[1]) for r in rows]

    def count(self) -> int:
        """Return how many insights there are."""
        return int(self.store.db.execute("SELECT count(*) FROM insights").fetchone()[0])


def _title(title: str) -> str:
    """Return a clean title or raise why it is unusable."""
    title = " ".join(str(title).split())
    if not title:
        raise InsightsError("an insight needs a title")
    if len(title) > MAX_TITLE:
        raise InsightsError(f"the title is longer than {MAX_TITLE} characters")
    return title


def _summary(summary: str) -> str:
    """Return a clean summary or raise why it is unusable."""
    summary = str(summary).strip().replace("\r\n", "\n")
    if len(summary) > MAX_SUMMARY:
        raise InsightsError(f"the summary is longer than {MAX_SUMMARY:,} characters")
    return summary


def _row(db: sqlite3.Connection, insight_id: int) -> sqlite3.Row:
    """Return an insight's row or raise InsightNotFound."""
    row = db.execute("SELECT * FROM insights WHERE id = ?", (insight_id,)).fetchone()
    if row is None:
        raise InsightNotFound(f"no insight with id {insight_id}")
    return row


def _insight(row: sqlite3.Row, evidence: list[Evidence]) -> Insight:
    """Build an Insight from its row and its resolved evidence."""
    return Insight(row["id"], row["title"], row["summary"], row["created_at"], row["updated_at"], evidence)


def _touch(db: sqlite3.Connection, insight_id: int) -> None:
    """Mark an insight as just changed."""
    db.execute("UPDATE insights SET updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?", (insight_id,))


def _index(db: sqlite3.Connection, insight_id: int) -> None:
    """Refresh an insight's full-text row (title, summary, every quote) inside the caller's transaction."""
    db.execute("DELETE FROM insights_fts WHERE rowid = ?", (insight_id,))
    db.execute(
        """INSERT INTO insights_fts (rowid, title, summary, quotes)
           SELECT i.id, i.title, i.summary,
                  coalesce((SELECT group_concat(e.quote, char(10)) FROM evidence e WHERE e.insight_id = i.id), '')
           FROM insights i WHERE i.id = ?""",
        (insight_id,),
    )


def _match(query: str) -> str:
    """Turn free text into an FTS5 query: every word must match, the last one as a prefix; no operators."""
    words = re.findall(r"\w+", query)
    terms = [f'"{w}"' for w in words]
    if terms:
        terms[-1] += "*"
    return " ".join(terms)


def _insert_evidence(db: sqlite3.Connection, insight_id: int, source: EvidenceSource,
                     hidden: tuple[int, ...] = ()) -> int:
    """Insert one piece of evidence (or find the identical one) and return its id.

    :raises InsightsError: when the passage, document or span cannot be found, or is hidden from the reader.
    """
    doc, start, end, locator = _span(db, source, hidden)
    quote = doc["text"][start:end]
    existing = db.execute(
        "SELECT id FROM evidence WHERE insight_id = ? AND source = ? AND char_start = ? AND char_end = ?",
        (insight_id, doc["source"], start, end),
    ).fetchone()
    if existing is not None:
        return int(existing[0])
    cursor = db.execute(
        """INSERT INTO evidence (insight_id, source, document_id, content_hash, char_start, char_end, quote, citation)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
        (insight_id, doc["source"], doc["id"], doc["content_hash"], start, end, quote, snapshot(doc, locator)),
    )
    return int(cursor.lastrowid or 0)


def _span(db: sqlite3.Connection, source: EvidenceSource,
          hidden: tuple[int, ...] = ()) -> tuple[dict[str, Any], int, int, dict[str, Any]]:
    """Return the document, the exact span and its locator that a piece of evidence points at."""
    if source.passage_id is not None:
        passage = db.execute("SELECT * FROM passages WHERE id = ?", (source.passage_id,)).fetchone()
        # A hidden passage is answered as a missing one: "does not contain that quote" would be an oracle.
        if passage is None or _document(db, passage["document_id"])["collection_id"] in hidden:
            raise InsightsError(f"no passage with id {source.passage_id}")
        doc = _document(db, passage["document_id"])
        start, end = passage["char_start"], passage["char_end"]
        if source.quote is not None:
            if not source.quote.strip():
                raise InsightsError("the quote is empty")
            if len(source.quote) > MAX_QUOTE:
                raise InsightsError(f"the excerpt is longer than {MAX_QUOTE:,} characters")
            found = _excerpt(passage["text"], source.quote)
            if found is None:
                raise InsightsError(f"passage {source.passage_id} does not contain that exact quote")
            start, end = start + found[0], start + found[1]
        # Passage-level fields (a survey row's participant) win over the document's, as in search.
        cited = {name: passage[name] or doc[name]
                 for name in ("participant", "segment", "competitor", "date")}
        return {**doc, **cited}, start, end, json.loads(passage["locator"])
    if source.document_id is None or source.char_start is None or source.char_end is None:
        raise InsightsError("give a passage id, or a document id with char_start and char_end")
    doc = _document(db, source.document_id)
    if doc["collection_id"] in hidden:
        raise InsightsError(f"no document with id {source.document_id}")
    start, end = source.char_start, source.char_end
    if not 0 <= start < end <= len(doc["text"]) or not doc["text"][start:end].strip():
        raise InsightsError(f"characters {start}–{end} are not a quote inside document {source.document_id}")
    passage = db.execute(
        "SELECT locator FROM passages WHERE document_id = ? AND char_start <= ? AND char_end > ? ORDER BY seq LIMIT 1",
        (doc["id"], start, start),
    ).fetchone()
    return doc, start, end, {} if passage is None else json.loads(passage["locator"])


def _document(db: sqlite3.Connection, document_id: int) -> dict[str, Any]:
    """Return a document's row or raise."""
    doc = db.execute(
        "SELECT id, source, content_hash, text, title, kind, participant, segment, competitor, date, format, "
        "collection_id FROM documents WHERE id = ?", (document_id,),
    ).fetchone()
    if doc is None:
        raise InsightsError(f"no document with id {document_id}")
    return dict(doc)


def _excerpt(text: str, quote: str) -> tuple[int, int] | None:
    """Return where ``quote`` stands in ``text``: verbatim, else with any run of whitespace matching any other.

    A quote copied from a page comes back with its line breaks turned into spaces, or the reverse.
    """
    offset = text.find(quote)
    if offset != -1:
        return offset, offset + len(quote)
    words = quote.split()
    # More letters than the text holds can never match: say so before building a pattern that long.
    if not words or sum(map(len, words)) > len(text):
        return None
    match = re.search(r"\s+".join(map(re.escape, words)), text)
    return match.span() if match else None
