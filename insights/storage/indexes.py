"""The derived indexes (vectors, BM25, filter catalog): built from SQLite, kept in step with its generation."""

from __future__ import annotations

import fcntl
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
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
#: Bringing a saved index forward compares the newest ids both sides hold in blocks of this many; float16
#: codes differ from the stored float32 by under this much, a passage's new text by far more.
REUSE_BLOCK = 256
REUSE_TOLERANCE = 0.01
#: An index to be rebuilt (its kind wrong for its size) of fewer vectors than this is rebuilt at once, in well
#: under a second; a larger one in the background (a minute at 1M), serving the old one meanwhile.
BACKGROUND_FROM = 20_000


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
        self._building: threading.Thread | None = None
        #: The thread of this process that holds the write lock, if any: other threads read the indexes as
        #: they are until its write is applied, rather than rebuild them between its commit and its apply.
        self._writer: int | None = None

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Mark the calling thread as this process's writer for the duration (the caller holds the write lock)."""
        self._writer = threading.get_ident()
        try:
            yield
        finally:
            self._writer = None

    def vectors(self) -> VectorIndex:
        """Return the vector index, in step with the database, never rebuilt while it can be brought forward.

        Another process's writes are read from the log it saved; an index saved before the database's
        last writes (a crash between the commit and the save) is brought forward from the stored
        vectors of the passages added and removed since. Only an index that cannot be read at all is
        built here; one of the wrong kind for its size is rebuilt in the background while it serves.
        """
        with self._lock:
            if self._index is not None and self._writer not in (None, threading.get_ident()):
                return self._index  # a write of this process is under way: it brings the index forward itself
            generation = self.store.generation()
            if self._index is not None and self._index_generation == generation:
                return self._index
            caught = self._index.catch_up(self.data_dir) if self._index is not None else None
            if caught is not None and caught.get("generation") == generation:
                self._index_generation = generation
            else:
                loaded = VectorIndex.load(self.data_dir)
                if loaded is not None and loaded[1].get("generation") == generation:
                    self._index, self._index_generation = loaded[0], generation
                elif loaded is not None and loaded[1].get("model") == self.store.get_meta("model") \
                        and -1 < int(loaded[1].get("generation", -1)) < generation:
                    self._index = loaded[0]
                    self._index_generation = self._bring_forward(loaded[0])
                    self._save_index_if_idle()
                else:
                    self.rebuild()
                    self._save_index_if_idle()
            if not self._index.fits(self.ann_threshold):  # type: ignore[union-attr]
                self._rebuild_soon()
            return self._index  # type: ignore[return-value]

    def _rebuild_soon(self) -> None:
        """Rebuild an index whose kind no longer suits its size: now if small, else in the background."""
        if len(self._index) < BACKGROUND_FROM:  # type: ignore[arg-type]
            self.rebuild()
        else:
            self.rebuild_in_background()

    def _bring_forward(self, index: VectorIndex) -> int:
        """Apply to ``index`` the passages added and removed in the database since it was saved; return the generation.

        Passage ids are SQLite rowids, so after the newest passages are deleted their ids can come back
        with new text: the newest ids both sides hold are compared by vector, block by block, down to
        the first block that agrees.
        """
        with self.store.snapshot():
            generation = self.store.generation()
            stored = self.store.vector_ids()
            held = index.held_ids()
            removed = np.setdiff1d(held, stored, assume_unique=True)
            added = np.setdiff1d(stored, held, assume_unique=True)
            shared = np.intersect1d(held, stored, assume_unique=True)
            changed: list[np.ndarray] = []
            for end in range(len(shared), 0, -REUSE_BLOCK):
                block = shared[max(0, end - REUSE_BLOCK) : end]
                ids, vectors = self.store.search_vectors(block)
                moved = np.abs(index.index.reconstruct_batch(ids) - vectors).max(axis=1) > REUSE_TOLERANCE
                if not moved.any():
                    break
                changed.append(ids[moved])
            if changed:
                removed = np.concatenate([removed, *changed])
                added = np.sort(np.concatenate([added, *changed]))
            ids, vectors = self.store.search_vectors(added)
        index.remove(removed)
        if len(ids):
            index.add(ids, vectors)
        return generation

    def keywords(self) -> KeywordIndex:
        """Return the BM25 index, rebuilt from the database's passages whenever they changed."""
        return self._derived("keywords", self._load_or_build_keywords)

    def _load_or_build_keywords(self) -> KeywordIndex:
        """Return the keyword index saved at this generation, else one built from every passage (and saved)."""
        with self.store.snapshot():
            generation = self.store.generation()
            loaded = KeywordIndex.load(self.data_dir, generation)
            if loaded is not None:
                return loaded
            built = KeywordIndex(*self.store.passage_texts(with_titles=True), sources=self.catalog().sources)
        # Building takes minutes at 1M passages: keep it, unless a writer holds the lock (it saves its own).
        with open(self.data_dir / LOCK_FILE, "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return built
            if self.store.generation() == generation:
                built.save(self.data_dir, generation)
        return built

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
            if cached is not None and self._writer not in (None, threading.get_ident()):
                return cached[1]  # a write of this process is under way: it brings this forward itself
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

    def rebuild_in_background(self) -> threading.Thread:
        """Start building the index anew (of the kind its size calls for) off every lock, unless one is building."""
        with self._lock:
            if self._building is None or not self._building.is_alive():
                self._building = threading.Thread(target=self._build_and_swap, name="index-rebuild", daemon=True)
                self._building.start()
            return self._building

    def _build_and_swap(self) -> None:
        """Build from a database snapshot, write its base file, then swap it in with the writes made meanwhile.

        The build (a minute at 1M vectors) holds no lock: writers and readers go on with the old index,
        whose journal records every write since the snapshot. The swap replays those records onto the
        new index under the in-memory lock. Its base file is already on disk; the next save names it.
        """
        try:
            for _attempt in range(3):
                with self.store.snapshot():
                    generation = self.store.generation()
                    with self._lock:
                        live = self._index
                        if live is None or self._index_generation != generation:
                            live = None  # a write is between its commit and its apply: try again
                        else:
                            offset = len(live.journal)
                    if live is None:
                        time.sleep(0.05)
                        continue
                    ids, matrix = self.store.search_vectors()
                if not len(ids):
                    return
                built = VectorIndex.build(ids, matrix, approximate=len(ids) >= self.ann_threshold)
                del ids, matrix
                built.write_base(self.data_dir)
                with self._lock:
                    if self._index is not live or len(live.journal) < offset:
                        continue  # reloaded or compacted meanwhile: the writes since are not at hand
                    built._replay(bytes(live.journal[offset:]))
                    self._index = built
                return
        finally:
            self.store.close()  # this thread's connection

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
                self._rebuild_soon()

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
        """Persist the index's writes since its last save, with a manifest naming its model and database generation.

        Called by the writer (holding the write lock). An index behind the database (another process
        wrote since) is not saved: that process saved its own, newer one.
        """
        with self._lock:
            index = self._index
            if index is None or self._index_generation != self.store.generation():
                return
            manifest = {"model": self.store.get_meta("model"), "generation": self._index_generation}
            # While a rebuild runs, its swap replays the journal: folding it into a base now would lose it.
            building = self._building is not None and self._building.is_alive()
            index.save(self.data_dir, manifest, compact=False if building else None)
            keywords = self._cache.get("keywords")
            if keywords is not None and keywords[0] == self._index_generation:
                keywords[1].save(self.data_dir, keywords[0])
