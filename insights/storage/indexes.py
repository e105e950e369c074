"""The derived indexes (vectors, BM25, filter catalog): built from SQLite, kept in step with its generation."""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from insights.config import Settings
from insights.storage.catalog import Catalog
from insights.storage.headings import Headings
from insights.storage.keyword import KeywordIndex
from insights.storage.store import Store
from insights.storage.vectors import VectorIndex

#: The single-writer lock file in the data folder.
LOCK_FILE = "write.lock"


class Indexes:
    """Everything search needs besides the database, rebuilt or loaded whenever the database moved on.

    Readers wait only on a short in-memory lock, never on a writer: a stale index is rebuilt from a
    database snapshot and saved only if no writer holds the lock file.
    """

    def __init__(self, store: Store, data_dir: Path, ann_threshold: int = Settings.ann_threshold) -> None:
        self.store = store
        self.data_dir = data_dir
        self.ann_threshold = ann_threshold
        self._lock = threading.RLock()
        self._index: VectorIndex | None = None
        self._index_generation = -1
        self._cache: dict[str, tuple[int, Any]] = {}

    def vectors(self) -> VectorIndex:
        """Return the vector index, in step with the database: loaded, or rebuilt if it disagrees."""
        with self._lock:
            generation = self.store.generation()
            if self._index is not None and self._index_generation == generation:
                return self._index
            loaded = VectorIndex.load(self.data_dir)
            # A saved index of the wrong kind for its size (the threshold changed) is rebuilt, once.
            if (loaded is not None and loaded[1].get("generation") == generation
                    and loaded[0].fits(self.ann_threshold)):
                self._index, self._index_generation = loaded[0], generation
            else:
                self.rebuild()
                self._save_index_if_idle()
            return self._index  # type: ignore[return-value]

    def keywords(self) -> KeywordIndex:
        """Return the BM25 index, rebuilt from the database's passages whenever they changed."""
        return self._derived("keywords", lambda: KeywordIndex(*self.store.passage_texts(with_titles=True),
                                                              sources=self.catalog().sources))

    def catalog(self) -> Catalog:
        """Return every passage's filter fields, reloaded whenever the database changed."""
        return self._derived("catalog", lambda: Catalog(self.store.db))

    def headings(self) -> Headings:
        """Return every passage's heading vector, reloaded whenever the database changed."""
        return self._derived("headings", lambda: Headings(self.store.db))

    def _derived(self, name: str, build: Callable[[], Any]) -> Any:
        """Return an in-memory structure built from the database, rebuilding it when the generation moved."""
        with self._lock:
            generation = self.store.generation()
            cached = self._cache.get(name)
            if cached is None or cached[0] != generation:
                cached = self._cache[name] = (generation, build())
            return cached[1]

    def rebuild(self) -> None:
        """Build the index in memory from the vectors stored in SQLite (no re-embedding)."""
        with self._lock, self.store.snapshot():
            generation = self.store.generation()
            ids, matrix = self.store.search_vectors()
            if len(ids):
                index = VectorIndex.build(ids, matrix, approximate=len(ids) >= self.ann_threshold)
            else:
                index = VectorIndex(int(self.store.get_meta("dimension") or 0) or 1)
            self._index, self._index_generation = index, generation

    def _save_index_if_idle(self) -> None:
        """Persist a rebuilt index unless a writer holds the lock; a reader never waits for a writer."""
        with open(self.data_dir / LOCK_FILE, "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return  # the writer will save its own, newer index
            if self._index_generation == self.store.generation():
                self.save()

    def apply(self, generation: int, removed: list[int], added: list[tuple[list[int], np.ndarray]],
              moved: Sequence[int] = ()) -> None:
        """Bring the in-memory indexes from ``generation - 1`` to ``generation``, unless a reader rebuilt them.

        The writer calls this after its commit, holding the write lock, so the database holds exactly
        this write. ``moved`` names documents whose collection changed. Another process's writes are
        not applied here: this process sees the generation move and rebuilds from the database.
        """
        with self._lock:
            self._apply_derived(generation, removed, [i for ids, _ in added for i in ids], moved)
            index = self._index
            if index is None or self._index_generation != generation - 1:
                return  # rebuilt from the database meanwhile, so it holds this write already or will
            dimension = next((block.shape[1] for _, block in added if len(block)), index.dimension)
            if index.dimension != dimension:  # first write into an empty repository
                index = self._index = VectorIndex(dimension)
            index.remove(removed)
            for ids, block in added:
                index.add(np.asarray(ids), block)
            self._index_generation = generation
            if not index.fits(self.ann_threshold):
                # Crossed the threshold (or outgrew its lists): rebuild from SQLite, which holds this write.
                self.rebuild()

    def _apply_derived(self, generation: int, removed: list[int], added: list[int], moved: Sequence[int]) -> None:
        """Update the keyword index, catalog and headings held at ``generation - 1``; drop any other."""
        held = {name: value for name, (at, value) in self._cache.items() if at == generation - 1}
        self._cache.clear()  # whatever is not brought forward below is rebuilt when next asked for
        db = self.store.db
        if "catalog" in held:
            catalog: Catalog = held["catalog"].changed(db, removed, added, moved)
            self._cache["catalog"] = (generation, catalog)
            if "keywords" in held:
                ids, texts = self.store.passage_texts(with_titles=True, ids=added)
                keywords = held["keywords"].changed(removed, ids, texts, catalog.source_of(np.asarray(ids)))
                self._cache["keywords"] = (generation, keywords)
        if "headings" in held:
            self._cache["headings"] = (generation, held["headings"].changed(db, removed, added))

    def save(self) -> None:
        """Persist the index with a manifest naming its model and database generation."""
        assert self._index is not None
        manifest = {"model": self.store.get_meta("model"), "generation": self._index_generation}
        self._index.save(self.data_dir, manifest)
