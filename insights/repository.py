"""The repository: the one object the CLI and the web app use to add, find and remove research."""

from __future__ import annotations

import dataclasses
import fcntl
import json
import os
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import numpy as np

from ingest.metadata import normalize_tags
from ingest.parsers import ParseOptions
from ingest.pipeline import Problem, SourceFile, discover
from ingest.speakers import in_context
from insights.accounts import Accounts
from insights.config import Settings
from insights.errors import Busy, DocumentNotFound, InsightsError, ModelMismatch
from insights.filters import Filters
from insights.restricted import Collections, Reader
from insights.saved.collection import SavedInsights
from insights.saved.writeup import to_markdown
from insights.search import engine as searching
from insights.search import exports, negation, weak
from insights.storage import audit
from insights.storage.atomic import atomic_write
from insights.storage.catalog import Catalog
from insights.storage.embedder import Embedder, make_embedder
from insights.storage.headings import Headings, headings_of
from insights.storage.indexes import LOCK_FILE, Indexes
from insights.storage.ingestion import Batch, IngestReport, Prepared, Result, prepare
from insights.storage.keyword import KeywordIndex
from insights.storage.store import Store
from insights.storage.vectors import VectorIndex
from insights.synthesis import themes as theming

#: How long a request thread tries for the write lock before answering "busy" (seconds).
BUSY_SECONDS = 2.0
#: What a document is known by: a path, or a key derived from the file's bytes (an upload's name and content).
SourceKey = str | Callable[[SourceFile], str]
BUSY_MESSAGE = "busy: another change is being written to the repository; try again in a few seconds"


class Repository:
    """A data folder holding the database, the vector index and the kept originals."""

    def __init__(self, settings: Settings | None = None, embedder: Embedder | None = None) -> None:
        self.settings = settings or Settings.from_env()
        self.data_dir = Path(self.settings.data_dir)
        self.originals = self.data_dir / "originals"
        self.originals.mkdir(parents=True, exist_ok=True)
        self.store = Store(self.data_dir / "insights.db")
        self._embedder = embedder
        self.indexes = Indexes(self.store, self.data_dir, self.settings.ann_threshold)
        #: Findings with their evidence; they live beside the documents, outside the search indexes.
        self.saved = SavedInsights(self.store)
        #: People, roles and API tokens; none means single-user mode on loopback.
        self.accounts = Accounts(self.store)
        #: Restricted collections: who may see which documents (see insights/restricted.py).
        self.collections = Collections(self.store)
        # A writer holds this for a whole ingest; readers never take it (see Indexes).
        self._write_lock = threading.RLock()
        #: Whether this process has cleared the half-written originals a crash may have left.
        self._swept = False
        #: The kept originals of documents this ingest run replaced: collected when it ends.
        self._replaced: list[str] = []
        self._write_depth = 0

    # -- components, loaded when first needed -----------------------------------------------

    @property
    def model(self) -> str:
        """Return the name of the configured embedding model."""
        return self._embedder.name if self._embedder is not None else self.settings.model

    @property
    def embedder(self) -> Embedder:
        """Return the embedder, loading the model on first use."""
        if self._embedder is None:
            self._embedder = make_embedder(self.settings.model, self.settings.encoder, self.settings.cache_dir)
        return self._embedder

    def check_model(self) -> None:
        """Refuse to mix vectors of two models.

        :raises ModelMismatch: when the stored vectors come from another model.
        """
        stored = self.store.get_meta("model")
        if stored is not None and stored != self.model:
            raise ModelMismatch(
                f"this repository was embedded with {stored!r} but the configured model is {self.model!r}; "
                f"set INSIGHTS_MODEL={stored} to use it as it is, or re-embed every passage with the new model: "
                "insights reindex --re-embed"
            )

    def index(self) -> VectorIndex:
        """Return the vector index, in step with the database."""
        return self.indexes.vectors()

    def keywords(self) -> KeywordIndex:
        """Return the BM25 index, in step with the database."""
        return self.indexes.keywords()

    def catalog(self) -> Catalog:
        """Return every passage's filter fields, in step with the database."""
        return self.indexes.catalog()

    def headings(self) -> Headings:
        """Return every passage's heading vector, in step with the database."""
        return self.indexes.headings()

    @contextmanager
    def _writing(self, wait: bool = True) -> Iterator[None]:
        """Hold the single-writer lock, across threads and processes; re-entrant within a thread.

        With ``wait=False`` (a request thread, which must not queue behind an ingest) the lock is
        tried for a moment only.

        :raises Busy: when ``wait`` is False and another writer keeps the lock.
        """
        if not self._write_lock.acquire(timeout=-1 if wait else BUSY_SECONDS):
            raise Busy(BUSY_MESSAGE)
        try:
            if self._write_depth:
                self._write_depth += 1
                try:
                    yield
                finally:
                    self._write_depth -= 1
                return
            with open(self.data_dir / LOCK_FILE, "w") as lock:
                _lock_file(lock, wait)
                self._write_depth = 1
                try:
                    with self.indexes.writing():
                        yield
                finally:
                    self._write_depth = 0
        finally:
            self._write_lock.release()

    # -- writing ----------------------------------------------------------------------------

    def ingest(self, paths: Iterable[str | Path], metadata: dict[str, Any] | None = None,
               options: ParseOptions | None = None, prune: bool = False,
               progress: Callable[[int, int, str], None] | None = None, actor: str = audit.LOCAL,
               collection: int | None = None) -> IngestReport:
        """Add or update every file under ``paths``; skip unchanged ones; report each failure.

        Batch ``metadata`` (kind, tags, participant, ...) fills fields a file does not set itself.
        With ``prune``, documents from the given folders whose files are gone are removed. A
        ``collection`` id puts every written document in that restricted collection.
        """
        paths = list(paths)
        found = list(discover(paths))
        files = [(f, str(f.resolve())) if isinstance(f, Path) else f for f in found]
        report = self._ingest(files, metadata or {}, options or ParseOptions(), progress, actor=actor,
                              collection=collection)
        if prune:
            report.removed = self._prune(paths, actor)
        return report

    def ingest_upload(self, path: Path, name: str, metadata: dict[str, Any] | None = None,
                      options: ParseOptions | None = None, replace: int | None = None,
                      actor: str = audit.LOCAL, collection: int | None = None) -> IngestReport:
        """Ingest one uploaded file parked at ``path``, named ``name`` by its owner.

        An upload is known by its name and its content together: the same file again is unchanged
        (or updated, with new metadata), and anything else is a document of its own, even under a
        name another document has. ``replace`` names the document a new version replaces on purpose.

        :raises DocumentNotFound: when ``replace`` names no document.
        """
        name = unicodedata.normalize("NFC", name)
        key: SourceKey
        if replace is not None:
            key = self.document(replace, with_passages=False)["source"]
        else:
            key = lambda source: f"upload:{source.content_hash}:{name}"  # noqa: E731
        return self._ingest([(path, key)], metadata or {}, options or ParseOptions(), None, name, actor, collection)

    def _ingest(self, files: Sequence[tuple[Path, SourceKey] | Problem], metadata: dict[str, Any],
                options: ParseOptions, progress: Callable[[int, int, str], None] | None,
                name: str | None = None, actor: str = audit.LOCAL, collection: int | None = None) -> IngestReport:
        """Prepare files and write them in embedding-sized batches; the write lock is held only to write."""
        report = IngestReport()
        self.check_model()
        batch = Batch(self.settings.ingest_batch)
        wrote = False
        for done, item in enumerate(files, 1):
            if progress:
                progress(done, len(files), item.path if isinstance(item, Problem) else str(item[0]))
            if isinstance(item, Problem):
                report.failed.append(item)
                continue
            prepared = prepare(self.store, item[0], item[1], options, metadata, self.settings, name)
            if isinstance(prepared, Prepared):
                batch.add(prepared)
                if batch.full:
                    wrote |= self._write(batch.take(), report, actor, collection)
            else:
                report.record(prepared)
        if self._write(batch.take(), report, actor, collection) or wrote:
            with self._writing():
                self._collect_originals(self._replaced)
                self._replaced = []
                self._sweep_unfinished_originals()
        return report

    def _sweep_unfinished_originals(self) -> None:
        """Delete the half-written originals a killed writer left (once per process, under the write lock).

        Only a writer holding the lock writes originals, so while this one holds it no ``.tmp`` file is in
        use; a complete original a crash left unreferenced is reused by the re-run that stores its file.
        """
        if self._swept:
            return
        for path in self.originals.glob(".*.tmp"):
            path.unlink(missing_ok=True)
        self._swept = True

    def _write(self, items: list[Prepared], report: IngestReport, actor: str = audit.LOCAL,
               collection: int | None = None) -> bool:
        """Embed a batch of documents, then, holding the write lock, write them in one transaction.

        Return whether anything was written.
        """
        if not items:
            return False
        chunks = [c for item in items for c in item.chunks]
        texts = [c.text for c in chunks]
        # An answer is also read after its prompt: search ranks by that, themes by the answer's own words.
        answers = [i for i, c in enumerate(chunks) if in_context(c.text, c.locator) != c.text]
        rows_of = [item.passage_rows() for item in items]
        # Headings go through the model in the same call; one a stored document already has is not redone.
        headings = self.store.missing_headings(headings_of(row for rows in rows_of for row in rows))
        encoded = self.embedder.encode(texts + [in_context(chunks[i].text, chunks[i].locator) for i in answers]
                                       + headings)
        vectors, heading_vectors = encoded[: len(texts)], encoded[len(texts) + len(answers) :]
        contexts = dict(zip(answers, encoded[len(texts) : len(texts) + len(answers)], strict=True))
        with self._writing():
            self.check_model()
            self.index()  # in step with the database, so the write below can be applied to it
            removed: list[int] = []
            added: list[tuple[list[int], np.ndarray]] = []
            written: list[Prepared] = []
            with self.store.transaction():
                position = 0
                for item, rows in zip(items, rows_of, strict=True):
                    block = vectors[position : position + len(rows)]
                    own = {i - position: contexts[i] for i in range(position, position + len(rows)) if i in contexts}
                    searched = np.stack([own.get(i, v) for i, v in enumerate(block)]) if len(block) else block
                    position += len(rows)
                    # Another writer may have stored the same source since this file was read.
                    existing = self.store.document_by_source(item.fields["source"])
                    if existing is not None and existing["fingerprint"] == item.fields["fingerprint"]:
                        report.record(Result(str(item.source.path), "unchanged", existing["id"]))
                        continue
                    item.existing_id = None if existing is None else existing["id"]
                    if existing is not None:
                        self._replaced.append(existing["original"])
                    _keep_original(self.originals / item.original, item.source.data)
                    if item.existing_id is not None:
                        removed += self.store.delete_passages(item.existing_id)
                    document_id = self.store.save_document(item.fields, item.tags, item.existing_id)
                    if collection is not None:  # in the same transaction: never visible to all, not for a moment
                        self.store.db.execute("UPDATE documents SET collection_id = ? WHERE id = ?",
                                              (collection, document_id))
                    added.append((self.store.insert_passages(document_id, rows, block, own), searched))
                    audit.record(self.store, actor, "document.add" if item.existing_id is None else "document.update",
                                 f"document:{document_id}", {"filename": item.fields["filename"],
                                                             "title": item.fields["title"], "passages": len(rows),
                                                             "source": item.fields["source"]})
                    item.document_id = document_id
                    written.append(item)
                self.store.add_headings(headings, heading_vectors)
                if self.store.get_meta("model") is None:
                    self.store.set_meta("model", self.model)
                    self.store.set_meta("dimension", str(vectors.shape[1]))
                generation = self.store.bump_generation()
            self.indexes.apply(generation, removed, added)
            # The index log gains this write alone (proportional to it), so a crash later costs nothing.
            self.indexes.save()
        for item in written:
            report.record(item.result())
        return bool(written)

    def remove(self, document_id: int, wait: bool = True, actor: str = audit.LOCAL) -> dict[str, Any]:
        """Delete a document, its passages, vectors and (if unshared) its kept original.

        :raises DocumentNotFound: when no document has this id.
        :raises Busy: when ``wait`` is False and another change is being written.
        """
        with self._writing(wait):
            doc = self.document(document_id, with_passages=False)
            self.index()
            with self.store.transaction():
                passage_ids = self.store.delete_document(document_id)
                audit.record(self.store, actor, "document.delete", f"document:{document_id}",
                             {"filename": doc["filename"], "title": doc["title"], "passages": len(passage_ids),
                              "source": doc["source"]})
                generation = self.store.bump_generation()
            self.indexes.apply(generation, passage_ids, [])
            self.indexes.save()
            self._collect_originals([doc["original"]])
        return doc

    def _prune(self, paths: list[str | Path], actor: str = audit.LOCAL) -> list[dict[str, Any]]:
        """Remove documents whose source file, inside one of the given folders, no longer exists."""
        folders = [str(Path(p).resolve()) + os.sep for p in paths if Path(p).is_dir()]
        gone = [d for d in self.store.documents()
                if any(d["source"].startswith(f) for f in folders) and not Path(d["source"]).exists()]
        return [self.remove(d["id"], actor=actor) for d in gone]

    def reindex(self, re_embed: bool = False, actor: str = audit.LOCAL) -> dict[str, Any]:
        """Rebuild the vector index from stored vectors, or re-embed every passage with the configured model."""
        with self._writing():
            if re_embed:
                ids, texts = self.store.passage_texts()
                vectors = self.embedder.encode(texts) if texts else np.zeros((0, 0), dtype=np.float32)
                answer_ids, contexts = self.store.context_texts()
                in_context_vectors = self.embedder.encode(contexts) if contexts else vectors[:0]
                with self.store.transaction():
                    self.store.replace_vectors(ids, vectors)
                    self.store.replace_vectors(answer_ids, in_context_vectors, "context_embeddings")
                    self.store.set_meta("model", self.model)
                    if len(ids):
                        self.store.set_meta("dimension", str(vectors.shape[1]))
                    self.store.bump_generation()
            self._embed_headings(re_embed)
            self._collect_originals()  # every one: also those a crash mid-ingest left behind
            self.indexes.rebuild()
            self.indexes.save()
            audit.record(self.store, actor, "reindex", "repository",
                         {"re_embed": re_embed, "model": self.model, "passages": len(self.indexes.vectors())})
        return self.stats()

    def _embed_headings(self, again: bool = False) -> None:
        """Embed the headings that have no vector yet (all of them, ``again``): a repository from before headings."""
        with self.store.transaction():
            if again:
                self.store.db.execute("DELETE FROM headings")
            missing = self.store.missing_headings(headings_of(self.store.passage_rows()))
            if missing:
                self.store.add_headings(missing, self.embedder.encode(missing))
            if missing or again:
                self.store.bump_generation()

    def _collect_originals(self, names: Iterable[str] | None = None) -> None:
        """Delete kept originals no document refers to any more: these ``names`` (those a write replaced or
        removed), or all of them (those left by crashes too; reading every document's, it costs O(documents))."""
        if names is not None:
            for name in set(names):
                if not self.store.original_in_use(name):
                    (self.originals / name).unlink(missing_ok=True)
            return
        in_use = self.store.originals_in_use()
        for path in self.originals.iterdir():
            if path.name not in in_use:
                path.unlink(missing_ok=True)

    # -- reading ----------------------------------------------------------------------------

    def seen(self, filters: Filters | None, reader: Reader | None) -> Filters:
        """Return the filters narrowed to what ``reader`` may see (everything when no reader is given)."""
        filters = filters or Filters()
        hidden = self.collections.hidden(reader)
        return dataclasses.replace(filters, hidden=hidden) if hidden else filters

    def search(self, query: str, mode: str = "hybrid", limit: int = 10, filters: Filters | None = None,
               offset: int = 0, reader: Reader | None = None) -> list[searching.Hit]:
        """Return the passages that best answer ``query``, each with its citation."""
        ranked = self.rank(query, mode, self.seen(filters, reader), max(searching.DEPTH, offset + limit))
        return searching.hydrate(self.store, ranked[offset : offset + limit], query)

    def search_page(self, query: str, mode: str = "hybrid", limit: int = 10, filters: Filters | None = None,
                    offset: int = 0, reader: Reader | None = None) -> dict[str, Any]:
        """Return one page of hits with the number of candidates and facet counts over all of them."""
        ranked = self.rank(query, mode, self.seen(filters, reader), max(searching.DEPTH, offset + limit))
        return {
            "hits": searching.hydrate(self.store, ranked[offset : offset + limit], query),
            "total": len(ranked),
            "facets": searching.facets(self.store.db, self.catalog(), [i for i, _ in ranked]),
            "match": self.match(query, mode, ranked),
        }

    def match(self, query: str, mode: str, ranked: list[tuple[int, float]]) -> weak.Match:
        """Judge whether the best of a ranking answers ``query`` well, by meaning and words (words alone by keyword)."""
        candidates = np.asarray([i for i, _ in ranked[: weak.CANDIDATES]], dtype=np.int64)
        if mode == "keyword":
            return weak.assess(query, candidates, self.keywords())
        return weak.assess(query, candidates, self.keywords(), self.index(), self.headings(),
                           self.embedder.encode([query])[0])

    def rank(self, query: str, mode: str = "hybrid", filters: Filters | None = None,
             depth: int = searching.DEPTH, fusion: str = "confidence",
             within: np.ndarray | None = None, reader: Reader | None = None) -> list[tuple[int, float]]:
        """Return (passage id, score) for every candidate, best first: search without the hydration."""
        filters = self.seen(filters, reader)
        if mode not in searching.MODES:
            raise InsightsError(f"unknown search mode {mode!r}; use one of {', '.join(searching.MODES)}")
        if not query.strip():
            raise InsightsError("the question is empty")
        if mode == "keyword":
            ranked = searching.rank(self.catalog(), None, self.keywords(), None, query, mode, filters, depth,
                                    within=within)
        else:
            self.check_model()
            ranked = searching.rank(self.catalog(), self.index(), self.keywords(), self.embedder, query, mode,
                                    filters, depth, fusion, within, self.headings())
        if not negation.asks_for_problems(query):
            return ranked
        # The catalog holds every passage's text in memory (lower-cased, as negation reads it).
        return negation.demote(ranked, query, self.catalog().texts_of([i for i, _ in ranked]))

    def scope(self, query: str = "", filters: Filters | None = None, mode: str = "hybrid",
              depth: int = theming.DEPTH, reader: Reader | None = None) -> list[int]:
        """Return the passages a question and filters select: the question's best candidates, or every match."""
        filters = self.seen(filters, reader)
        if query.strip():
            return [i for i, _ in self.rank(query, mode, filters, depth)][:depth]
        catalog = self.catalog()
        # Browsing keeps interviewers' prompts: themes cluster them with their answers, never count them.
        return catalog.allowed(filters, prompts=True).tolist()

    def themes(self, query: str = "", filters: Filters | None = None, mode: str = "hybrid",
               quotes: int = theming.QUOTES, theme: int | None = None,
               reader: Reader | None = None) -> theming.ThemeReport:
        """Group the passages in scope into themes sorted by evidence; ``theme`` gets all its quotes."""
        return theming.build(self.store, self.scope(query, filters, mode, reader=reader), query, filters, quotes,
                             theme)

    def set_tags(self, document_id: int, tags: Iterable[str], wait: bool = True,
                 actor: str = audit.LOCAL, reader: Reader | None = None) -> list[str]:
        """Replace a document's tags; return them as stored.

        :raises DocumentNotFound: when no document has this id.
        :raises Busy: when ``wait`` is False and another change is being written.
        """
        clean = normalize_tags(list(tags))
        with self._writing(wait):
            self.document(document_id, with_passages=False, reader=reader)
            with self.store.transaction() as db:
                before = self.store.tags([document_id])[document_id]
                db.execute("DELETE FROM tags WHERE document_id = ?", (document_id,))
                db.executemany("INSERT INTO tags (document_id, tag) VALUES (?, ?)", [(document_id, t) for t in clean])
                audit.record(db, actor, "document.tags", f"document:{document_id}", {"before": before, "tags": clean})
                generation = self.store.bump_generation()
            # The catalog reads this document's tags again (as a move reads its collection); nothing else changes.
            self.indexes.apply(generation, [], [], moved=[document_id])
            self.indexes.save()
        return clean

    def export(self, question: str, fmt: str = "csv", mode: str = "hybrid", limit: int = exports.EXPORT_LIMIT,
               filters: Filters | None = None, link: Callable[[searching.Hit], str] | None = None,
               actor: str = audit.LOCAL, reader: Reader | None = None) -> tuple[str, int]:
        """Return the quotes that answer ``question`` as a CSV or Markdown file, and how many; audited."""
        hits = self.search(question, mode, limit, filters, reader=reader)
        audit.record(self.store, actor, "export", "search", {"query": question, "format": fmt, "mode": mode,
                                                             "filters": (filters or Filters()).to_dict(),
                                                             "quotes": len(hits)})
        return exports.render(fmt, question, hits, link), len(hits)

    def export_insight(self, insight_id: int, actor: str = audit.LOCAL, reader: Reader | None = None) -> str:
        """Return a saved insight as Markdown with footnoted citations; audited.

        :raises InsightNotFound: when no insight has this id.
        """
        found = self.saved.get(insight_id, self.collections.hidden(reader))
        audit.record(self.store, actor, "export", f"insight:{insight_id}", {"format": "md", "title": found.title})
        return to_markdown(found)

    def audit_log(self, since: str | None = None, actor: str | None = None, action: str | None = None,
                  limit: int | None = None, before: int | None = None) -> list[audit.Entry]:
        """Return audit entries, oldest first, filtered as :func:`insights.storage.audit.entries` says."""
        return audit.entries(self.store, since, actor, action, limit, before)

    def documents(self, reader: Reader | None = None) -> list[dict[str, Any]]:
        """Return every document the reader may see, with its fields and passage count, newest first."""
        hidden = set(self.collections.hidden(reader))
        rows = [dict(r) for r in self.store.documents() if r["collection_id"] not in hidden]
        tags = self.store.tags(r["id"] for r in rows)
        return [{**r, "tags": tags[r["id"]]} for r in rows]

    def documents_about(self, competitors: Iterable[str]) -> set[int]:
        """Return the ids of the documents that speak of any of these competitors, as search's filter reads them."""
        return self.catalog().documents_about(competitors)

    def competitor_names(self, reader: Reader | None = None) -> list[str]:
        """Return every competitor some passage the reader may see is about, sorted."""
        return self.catalog().competitors_seen(self.collections.hidden(reader))

    def document(self, document_id: int, with_passages: bool = True, reader: Reader | None = None) -> dict[str, Any]:
        """Return one document with its full text and, by default, its passages.

        :raises DocumentNotFound: when no document has this id, or the reader may not see it (the same answer).
        """
        row = self.store.document(document_id)
        if row is None or row["collection_id"] in self.collections.hidden(reader):
            raise DocumentNotFound(f"no document with id {document_id}")
        tags = self.store.tags([document_id])[document_id]
        doc = {**dict(row), "metadata": json.loads(row["metadata"]), "tags": tags}
        if with_passages:
            doc["passages"] = [
                {**dict(p), "locator": json.loads(p["locator"]), "metadata": json.loads(p["metadata"])}
                for p in self.store.passages_of(document_id)
            ]
        return doc

    def original_path(self, document_id: int, reader: Reader | None = None) -> Path:
        """Return the path of a document's kept original file."""
        return self.originals / self.document(document_id, with_passages=False, reader=reader)["original"]

    def hit(self, passage_id: int, reader: Reader | None = None) -> searching.Hit:
        """Return one passage as a hit with its citation.

        :raises DocumentNotFound: when no passage has this id, or the reader may not see its document.
        """
        found = searching.hydrate(self.store, [(passage_id, 0.0)], "")
        document = self.store.document(found[0].document_id) if found else None
        if document is None or document["collection_id"] in self.collections.hidden(reader):
            raise DocumentNotFound(f"no passage with id {passage_id}")
        return found[0]

    def move(self, document_id: int, collection: str | None, actor: str = audit.LOCAL) -> dict[str, Any]:
        """Put a document in a restricted collection, or with None in none; return the document.

        :raises DocumentNotFound: for an unknown document; NotFound for an unknown collection.
        """
        with self._writing():
            self.index()  # in step, so the new generation is applied rather than rebuilt
            generation = self.collections.move(document_id, collection, actor)
            self.indexes.apply(generation, [], [], moved=[document_id])
            self.indexes.save()
        return self.document(document_id, with_passages=False)

    def stats(self) -> dict[str, Any]:
        """Return counts, the model, and whether the index agrees with the database."""
        counts = self.store.counts()
        kinds = dict(self.store.db.execute("SELECT kind, count(*) FROM documents GROUP BY kind ORDER BY kind"))
        return {
            **counts,
            "kinds": kinds,
            "model": self.store.get_meta("model"),
            "dimension": int(self.store.get_meta("dimension") or 0) or None,
            "indexed": len(self.index()),
            "data_dir": str(self.data_dir),
            "database_bytes": (self.data_dir / "insights.db").stat().st_size,
        }

    def close(self) -> None:
        """Close this thread's database connection."""
        self.store.close()


def _lock_file(lock: IO[str], wait: bool) -> None:
    """Take the lock file, waiting as long as it takes or only :data:`BUSY_SECONDS`.

    :raises Busy: when not waiting and another process keeps it.
    """
    if wait:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return
    deadline = time.monotonic() + BUSY_SECONDS
    while True:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise Busy(BUSY_MESSAGE) from None
            time.sleep(0.05)


def _keep_original(path: Path, data: bytes) -> None:
    """Store an original file once under its content hash."""
    if not path.exists():
        atomic_write(path, data)
