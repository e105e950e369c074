"""SQLite storage: the schema, the source of truth for documents, passages, tags and vectors."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from insights.storage import audit

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL UNIQUE,
    filename TEXT NOT NULL,
    format TEXT NOT NULL,
    title TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'note',
    date TEXT,
    participant TEXT,
    segment TEXT,
    competitor TEXT,
    author TEXT,
    fingerprint TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    original TEXT NOT NULL,
    size INTEGER NOT NULL,
    text TEXT NOT NULL,
    metadata TEXT NOT NULL DEFAULT '{}',
    added_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    -- A restricted collection (see insights/restricted.py); none: every reader may see the document.
    collection_id INTEGER REFERENCES collections(id)
);
CREATE TABLE IF NOT EXISTS tags (
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (document_id, tag)
);
CREATE INDEX IF NOT EXISTS tags_tag ON tags(tag);
CREATE TABLE IF NOT EXISTS passages (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    text TEXT NOT NULL,
    char_start INTEGER NOT NULL,
    char_end INTEGER NOT NULL,
    locator TEXT NOT NULL DEFAULT '{}',
    metadata TEXT NOT NULL DEFAULT '{}',
    participant TEXT,
    segment TEXT,
    competitor TEXT,
    date TEXT
);
CREATE INDEX IF NOT EXISTS passages_document ON passages(document_id, seq);
-- actor: who uploaded the batch, so the background ingest audits it under their name.
CREATE TABLE IF NOT EXISTS batches (
    id INTEGER PRIMARY KEY,
    metadata TEXT NOT NULL DEFAULT '{}',
    actor TEXT NOT NULL DEFAULT 'local',
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY,
    batch_id INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
    filename TEXT NOT NULL,
    path TEXT NOT NULL,
    size INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'queued',
    message TEXT,
    document_id INTEGER,
    passages INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs(status, id);
-- Saved insights: a finding with verbatim evidence. Evidence names its document by source and
-- keeps its own copy of the quote, so it has no foreign key to documents: removing or re-ingesting
-- a document never deletes evidence; reading it says whether the quote is still there.
CREATE TABLE IF NOT EXISTS insights (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE TABLE IF NOT EXISTS evidence (
    id INTEGER PRIMARY KEY,
    insight_id INTEGER NOT NULL REFERENCES insights(id) ON DELETE CASCADE,
    source TEXT NOT NULL,
    document_id INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    char_start INTEGER NOT NULL,
    char_end INTEGER NOT NULL,
    quote TEXT NOT NULL,
    citation TEXT NOT NULL DEFAULT '{}',
    added_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX IF NOT EXISTS evidence_insight ON evidence(insight_id, id);
CREATE INDEX IF NOT EXISTS evidence_source ON evidence(source);
CREATE VIRTUAL TABLE IF NOT EXISTS insights_fts USING fts5(title, summary, quotes, tokenize='porter unicode61');
CREATE TABLE IF NOT EXISTS embeddings (
    passage_id INTEGER PRIMARY KEY REFERENCES passages(id) ON DELETE CASCADE,
    vector BLOB NOT NULL
);
-- An answer's vector read after its prompt (see ingest/speakers.py): search ranks by it, themes
-- cluster the answer's own vector.
CREATE TABLE IF NOT EXISTS context_embeddings (
    passage_id INTEGER PRIMARY KEY REFERENCES passages(id) ON DELETE CASCADE,
    vector BLOB NOT NULL
);
-- One vector per distinct heading passages sit under (see insights/storage/headings.py).
CREATE TABLE IF NOT EXISTS headings (
    text TEXT PRIMARY KEY,
    vector BLOB NOT NULL
);
-- Accounts (see insights/accounts.py). No row: single-user mode on loopback. session_epoch moves on
-- "log out everywhere", a password reset or disabling, and every older session cookie stops working.
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('viewer', 'contributor', 'admin')),
    disabled INTEGER NOT NULL DEFAULT 0,
    session_epoch INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    last_login_at TEXT
);
-- API tokens are kept as a SHA-256 digest only: the secret is shown once, when it is created.
CREATE TABLE IF NOT EXISTS api_tokens (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    scope TEXT NOT NULL CHECK (scope IN ('read', 'write')),
    digest TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    last_used_at TEXT
);
CREATE INDEX IF NOT EXISTS api_tokens_user ON api_tokens(user_id, id);
-- Restricted collections: only their members (and admins) see the documents in them.
CREATE TABLE IF NOT EXISTS collections (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE TABLE IF NOT EXISTS collection_members (
    collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (collection_id, user_id)
);
"""

DOCUMENT_COLUMNS = ("source", "filename", "format", "title", "kind", "date", "participant", "segment",
                    "competitor", "author", "fingerprint", "content_hash", "original", "size", "text", "metadata")


class Store:
    """One SQLite database in WAL mode; one connection per thread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        # executescript() commits first, so the script carries its own transaction.
        self.db.executescript(f"BEGIN IMMEDIATE;{SCHEMA}{audit.SCHEMA}{self._migrations()}COMMIT;")

    def _migrations(self) -> str:
        """Return the statements that bring a database made by an older version up to SCHEMA."""
        steps = []
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(jobs)")}
        if columns and "attempts" not in columns:  # no columns: a new database, made whole by SCHEMA
            steps.append("ALTER TABLE jobs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;")
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(batches)")}
        if columns and "actor" not in columns:  # batches queued before accounts: their uploader was local
            steps.append("ALTER TABLE batches ADD COLUMN actor TEXT NOT NULL DEFAULT 'local';")
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(documents)")}
        if columns and "collection_id" not in columns:
            steps.append("ALTER TABLE documents ADD COLUMN collection_id INTEGER REFERENCES collections(id);")
        return "".join(steps)

    @property
    def db(self) -> sqlite3.Connection:
        """Return this thread's connection, opening it on first use."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=60)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            # FULL: a commit that returned survives power loss, not only a crash of the process.
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
        return conn

    def close(self) -> None:
        """Close this thread's connection."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run a block as one write transaction: all of it commits, or none of it."""
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Run several reads against one consistent state of the database."""
        db = self.db
        if db.in_transaction:
            yield
            return
        db.execute("BEGIN")
        try:
            yield
        finally:
            db.execute("COMMIT")

    # -- meta -------------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        """Return a stored setting, or None."""
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def set_meta(self, key: str, value: str) -> None:
        """Store a setting (inside the caller's transaction)."""
        self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def generation(self) -> int:
        """Return the write counter; it changes whenever passages or vectors change."""
        return int(self.get_meta("generation") or 0)

    def bump_generation(self) -> int:
        """Advance the write counter (inside the caller's transaction) and return it."""
        generation = self.generation() + 1
        self.set_meta("generation", str(generation))
        return generation

    # -- documents --------------------------------------------------------------------------

    def document_by_source(self, source: str) -> sqlite3.Row | None:
        """Return the document ingested from ``source``, or None."""
        return self.db.execute(
            "SELECT id, fingerprint, original FROM documents WHERE source = ?", (source,)
        ).fetchone()

    def document(self, document_id: int) -> sqlite3.Row | None:
        """Return one document row with its full text, or None."""
        return self.db.execute("SELECT * FROM documents WHERE id = ?", (document_id,)).fetchone()

    def documents(self) -> list[sqlite3.Row]:
        """Return every document (without its text) with its passage count, newest first."""
        return self.db.execute(
            """SELECT d.id, d.source, d.filename, d.format, d.title, d.kind, d.date, d.participant,
                      d.segment, d.competitor, d.author, d.size, d.added_at, d.updated_at, d.collection_id,
                      (SELECT count(*) FROM passages p WHERE p.document_id = d.id) AS passages
               FROM documents d ORDER BY d.updated_at DESC, d.id DESC"""
        ).fetchall()

    def tags(self, document_ids: Iterable[int]) -> dict[int, list[str]]:
        """Return the tags of each document id."""
        ids = list(document_ids)
        out: dict[int, list[str]] = {i: [] for i in ids}
        for chunk in _batches(ids):
            marks = ",".join("?" * len(chunk))
            for row in self.db.execute(
                f"SELECT document_id, tag FROM tags WHERE document_id IN ({marks}) ORDER BY tag", chunk
            ):
                out[row[0]].append(row[1])
        return out

    def save_document(self, fields: dict[str, Any], tags: Sequence[str], existing_id: int | None) -> int:
        """Insert a document, or replace the fields of ``existing_id`` keeping its id (in a transaction)."""
        values = [fields[c] for c in DOCUMENT_COLUMNS]
        if existing_id is None:
            marks = ",".join("?" * len(DOCUMENT_COLUMNS))
            cursor = self.db.execute(f"INSERT INTO documents ({','.join(DOCUMENT_COLUMNS)}) VALUES ({marks})", values)
            document_id = int(cursor.lastrowid or 0)
        else:
            document_id = existing_id
            assignments = ", ".join(f"{c} = ?" for c in DOCUMENT_COLUMNS)
            self.db.execute(
                f"UPDATE documents SET {assignments}, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?",
                [*values, document_id],
            )
            self.db.execute("DELETE FROM tags WHERE document_id = ?", (document_id,))
        self.db.executemany("INSERT INTO tags (document_id, tag) VALUES (?, ?)", [(document_id, t) for t in tags])
        return document_id

    def delete_passages(self, document_id: int) -> list[int]:
        """Delete a document's passages and their vectors; return the passage ids."""
        ids = [r[0] for r in self.db.execute("SELECT id FROM passages WHERE document_id = ?", (document_id,))]
        self.db.execute("DELETE FROM passages WHERE document_id = ?", (document_id,))
        return ids

    def delete_document(self, document_id: int) -> list[int]:
        """Delete a document and everything derived from it; return its passage ids."""
        ids = self.delete_passages(document_id)
        self.db.execute("DELETE FROM documents WHERE id = ?", (document_id,))
        return ids

    def originals_in_use(self) -> set[str]:
        """Return the stored names of every kept original still referenced."""
        return {r[0] for r in self.db.execute("SELECT DISTINCT original FROM documents")}

    # -- passages ---------------------------------------------------------------------------

    def insert_passages(self, document_id: int, rows: Sequence[dict[str, Any]], vectors: np.ndarray,
                        contexts: dict[int, np.ndarray] | None = None) -> list[int]:
        """Insert passages with their vectors, and the in-context vectors of some rows by position; return their ids."""
        ids = []
        contexts = contexts or {}
        for seq, (row, vector) in enumerate(zip(rows, vectors, strict=True)):
            cursor = self.db.execute(
                """INSERT INTO passages (document_id, seq, text, char_start, char_end, locator, metadata,
                                         participant, segment, competitor, date)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (document_id, seq, row["text"], row["char_start"], row["char_end"], json.dumps(row["locator"]),
                 json.dumps(row["metadata"]), row.get("participant"), row.get("segment"),
                 row.get("competitor"), row.get("date")),
            )
            passage_id = int(cursor.lastrowid or 0)
            ids.append(passage_id)
            self.db.execute("INSERT INTO embeddings (passage_id, vector) VALUES (?, ?)",
                            (passage_id, np.ascontiguousarray(vector, dtype=np.float32).tobytes()))
            if seq in contexts:
                self.db.execute("INSERT INTO context_embeddings (passage_id, vector) VALUES (?, ?)",
                                (passage_id, np.ascontiguousarray(contexts[seq], dtype=np.float32).tobytes()))
        return ids

    def passages_of(self, document_id: int) -> list[sqlite3.Row]:
        """Return a document's passages in reading order."""
        return self.db.execute(
            "SELECT * FROM passages WHERE document_id = ? ORDER BY seq", (document_id,)
        ).fetchall()

    def hits(self, passage_ids: Sequence[int]) -> dict[int, sqlite3.Row]:
        """Return passages joined with their documents' fields, keyed by passage id."""
        out: dict[int, sqlite3.Row] = {}
        for chunk in _batches(list(passage_ids)):
            marks = ",".join("?" * len(chunk))
            for row in self.db.execute(
                f"""SELECT p.id, p.document_id, p.text, p.char_start, p.char_end, p.locator, p.metadata,
                           coalesce(p.participant, d.participant) AS participant,
                           coalesce(p.segment, d.segment) AS segment,
                           coalesce(p.competitor, d.competitor) AS competitor,
                           coalesce(p.date, d.date) AS date,
                           d.title, d.kind, d.author, d.filename, d.format
                    FROM passages p JOIN documents d ON d.id = p.document_id
                    WHERE p.id IN ({marks})""",
                chunk,
            ):
                out[row["id"]] = row
        return out

    def search_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """Return every passage id and the vector search ranks it by: in context where it has one, else its own."""
        rows = self.db.execute("""SELECT e.passage_id, coalesce(c.vector, e.vector) FROM embeddings e
                                  LEFT JOIN context_embeddings c USING (passage_id) ORDER BY e.passage_id""").fetchall()
        return self._matrix(rows)

    def vectors(self, passage_ids: Sequence[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Return stored vectors and their passage ids (all of them, or those asked for)."""
        if passage_ids is None:
            rows = self.db.execute("SELECT passage_id, vector FROM embeddings ORDER BY passage_id").fetchall()
        else:
            rows = []
            for chunk in _batches(list(passage_ids)):
                marks = ",".join("?" * len(chunk))
                rows += self.db.execute(
                    f"SELECT passage_id, vector FROM embeddings WHERE passage_id IN ({marks})", chunk
                ).fetchall()
        return self._matrix(rows)

    @staticmethod
    def _matrix(rows: list[Any]) -> tuple[np.ndarray, np.ndarray]:
        """Return (ids, vectors) from (passage id, vector blob) rows."""
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        if not rows:
            return ids, np.zeros((0, 0), dtype=np.float32)
        return ids, np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), -1)

    def replace_vectors(self, passage_ids: Sequence[int], vectors: np.ndarray, table: str = "embeddings") -> None:
        """Overwrite stored vectors (in a transaction), e.g. after re-embedding with another model."""
        assert table in ("embeddings", "context_embeddings")
        self.db.execute(f"DELETE FROM {table}")
        self.db.executemany(
            f"INSERT INTO {table} (passage_id, vector) VALUES (?, ?)",
            ((int(i), np.ascontiguousarray(v, dtype=np.float32).tobytes()) for i, v in zip(passage_ids, vectors,
                                                                                          strict=True)),
        )

    def missing_headings(self, names: Iterable[str]) -> list[str]:
        """Return the headings among ``names`` that have no stored vector yet, sorted."""
        wanted = sorted(set(names))
        known: set[str] = set()
        for chunk in _batches(wanted):
            marks = ",".join("?" * len(chunk))
            known.update(r[0] for r in self.db.execute(f"SELECT text FROM headings WHERE text IN ({marks})", chunk))
        return [name for name in wanted if name not in known]

    def add_headings(self, names: Sequence[str], vectors: np.ndarray) -> None:
        """Store heading vectors (inside the caller's transaction); a heading already held keeps its vector."""
        self.db.executemany(
            "INSERT OR IGNORE INTO headings (text, vector) VALUES (?, ?)",
            ((name, np.ascontiguousarray(v, dtype=np.float32).tobytes()) for name, v in zip(names, vectors,
                                                                                           strict=True)),
        )

    def passage_rows(self) -> list[dict[str, Any]]:
        """Return every passage's metadata and locator, enough to find its heading."""
        return [{"metadata": json.loads(r[0]), "locator": json.loads(r[1])}
                for r in self.db.execute("SELECT metadata, locator FROM passages")]

    def passage_texts(self, with_titles: bool = False,
                      ids: Sequence[int] | None = None) -> tuple[list[int], list[str]]:
        """Return every passage id and text (or those of ``ids``), in id order; ``with_titles``: as words are indexed.

        Words are indexed after the document's title and, for an answer, the question that led to it
        (see ``ingest.speakers.in_context``): "it's a mess" answers "mobile app complaints" when the
        interviewer asked about the mobile app.
        """
        text = "d.title || char(10) || coalesce(json_extract(p.locator, '$.prompt') || char(10), '') || p.text"
        text = text if with_titles else "p.text"
        # One JSON parameter, not one per id: a large write would pass SQLite's limit on bound parameters.
        where, parameters = ("", ()) if ids is None else \
            ("WHERE p.id IN (SELECT value FROM json_each(?))", (json.dumps([int(i) for i in ids]),))
        rows = self.db.execute(
            f"SELECT p.id, {text} FROM passages p JOIN documents d ON d.id = p.document_id {where} ORDER BY p.id",
            parameters,
        ).fetchall()
        return [r[0] for r in rows], [r[1] for r in rows]

    def context_texts(self) -> tuple[list[int], list[str]]:
        """Return the id and in-context text (prompt, then answer) of every answer that follows a prompt."""
        rows = self.db.execute("""SELECT id, json_extract(locator, '$.prompt') || char(10) || text FROM passages
                                  WHERE json_extract(locator, '$.prompt') IS NOT NULL ORDER BY id""").fetchall()
        return [r[0] for r in rows], [r[1] for r in rows]

    def counts(self) -> dict[str, int]:
        """Return row counts of documents, passages and stored vectors."""
        row = self.db.execute(
            """SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM passages),
                      (SELECT count(*) FROM embeddings)"""
        ).fetchone()
        return {"documents": row[0], "passages": row[1], "vectors": row[2]}


def _batches(items: list[Any], size: int = 500) -> Iterator[list[Any]]:
    """Yield slices small enough for SQLite's limit on bound parameters."""
    for i in range(0, len(items), size):
        yield items[i : i + size]
