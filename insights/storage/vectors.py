"""FAISS vector index keyed by passage id: exact or approximate, add, remove, search, persist atomically."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from insights.storage.atomic import atomic_write

try:
    import faiss
except ImportError as ex:  # pragma: no cover - faiss-cpu is a hard dependency
    raise ImportError("Vector search needs FAISS: pip install faiss-cpu") from ex

# One query at a time is a tiny job: OpenMP's thread start-up costs more than the second core gives.
faiss.omp_set_num_threads(1)

INDEX_FILE = "index.faiss"
MANIFEST_FILE = "index.json"
#: Inverted lists probed per query. Measured on perturbed MiniLM vectors (bench/scale.py): recall@10
#: against exact search is ≥ 0.98 at 100k and 1M while a query scans under 2 % of the vectors.
NPROBE = 32
#: Decoding one vector by id costs about as much as scanning this many in a list (2.7 µs against 25 ns
#: at 100k, measured): a filter allowing fewer than the probed vectors / this is scored exactly instead.
RECONSTRUCT_COST = 100
#: k-means trains on at most this many sampled vectors per list (FAISS warns below 39).
TRAIN_PER_LIST = 40


def lists_for(count: int) -> int:
    """Return the number of inverted lists for ``count`` vectors: about 4·√N, the FAISS guideline."""
    # k-means needs about 39 points per centroid, which caps the lists of a small collection.
    return max(1, min(int(4 * math.sqrt(count)), count // 39))


def bitmap(ids: np.ndarray) -> Any:
    """Return a selector of these ids as a bitmap: built in numpy, where a hash set of 100k ids cost ~10 ms a query."""
    ids = np.asarray(ids, dtype=np.int64)
    bits = np.zeros(int(ids.max()) + 1, dtype=bool)
    bits[ids] = True
    packed = np.packbits(bits, bitorder="little")
    selector = faiss.IDSelectorBitmap(len(packed), faiss.swig_ptr(packed))
    selector.referenced_objects = [packed]  # type: ignore[attr-defined]  # FAISS keeps a raw pointer: keep the array alive with it
    return selector


class VectorIndex:
    """Inner-product search over L2-normalised vectors, so scores are cosine similarities.

    Small collections are scanned exactly. Large ones use an inverted file (IVF) of the same float16
    codes, so stored scores and ``similarity`` are the same either way; only which vectors a query
    visits changes. IVF rather than HNSW: it builds several times faster, removes ids natively and
    reconstructs by id through its direct map (bench/README.md has the measurements).
    Vectors are held as float16: a scan reads half the memory and the top hits match float32's
    (bench/search_latency.py checks this); SQLite keeps float32.
    """

    def __init__(self, dimension: int, index: Any = None) -> None:
        self.dimension = dimension
        if index is None:
            flat = faiss.IndexScalarQuantizer(dimension, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)
            index = faiss.IndexIDMap2(flat)
        # Typed loosely: FAISS's generated stubs disagree with its Python wrappers.
        self.index: Any = index
        self.ivf: Any = index if isinstance(index, faiss.IndexIVF) else None

    @classmethod
    def build(cls, ids: np.ndarray, vectors: np.ndarray, approximate: bool = False) -> VectorIndex:
        """Return an index holding these vectors: exact, or IVF trained on a sample of them."""
        dimension = vectors.shape[1] if len(ids) else 1
        if not approximate or len(ids) == 0:
            index = cls(dimension)
            index.add(ids, vectors)
            return index
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        nlist = lists_for(len(ids))
        ivf = faiss.IndexIVFScalarQuantizer(faiss.IndexFlatIP(dimension), dimension, nlist,
                                            faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)
        # Codes of the vectors themselves, not of their offsets from a centroid: the same float16 codes as
        # the exact index, so every score (and ``similarity``) is identical whichever index is in use.
        ivf.by_residual = False
        ivf.cp.niter = 10  # k-means beyond 10 rounds moved recall by < 0.002 and costs build time
        sample = np.random.default_rng(0).permutation(len(ids))[: TRAIN_PER_LIST * nlist]
        faiss.omp_set_num_threads(os.cpu_count() or 1)  # building is one big job: use every core
        try:
            ivf.train(vectors[np.sort(sample)])
            # A hash table from id to (list, offset): reconstruct by id, and remove without a full scan.
            ivf.set_direct_map_type(faiss.DirectMap.Hashtable)  # type: ignore[attr-defined]
            ivf.add_with_ids(vectors, np.asarray(ids, dtype=np.int64))
        finally:
            faiss.omp_set_num_threads(1)
        ivf.nprobe = NPROBE
        return cls(dimension, ivf)

    @property
    def approximate(self) -> bool:
        """Return whether searches use the inverted file rather than a full scan."""
        return self.ivf is not None

    def fits(self, threshold: int) -> bool:
        """Return whether this kind of index still suits its size, given the ANN ``threshold``.

        Hysteresis keeps a collection near the threshold from flipping kind on every write; an IVF
        is retrained once its lists hold 4× what they were sized for, since a query scans a share
        of the lists and so of the vectors.
        """
        if self.ivf is None:
            return len(self) < threshold
        return len(self) >= threshold // 2 and lists_for(len(self)) < 2 * int(self.ivf.nlist) + 2

    def __len__(self) -> int:
        return int(self.index.ntotal)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors under their passage ids."""
        if len(ids):
            self.index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64))

    def remove(self, ids: list[int] | np.ndarray) -> None:
        """Remove the vectors of these passage ids (missing ids are ignored)."""
        if not len(ids):
            return
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        if self.ivf is None:
            self.index.remove_ids(ids)
        else:  # the hash-table direct map removes only by an explicit id array
            self.index.remove_ids(faiss.IDSelectorArray(len(ids), faiss.swig_ptr(ids)))

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None,
               excluded: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Return the ids and scores of the ``k`` nearest vectors: among ``allowed`` if given, else not ``excluded``."""
        if len(self) == 0 or k <= 0 or (allowed is not None and len(allowed) == 0):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        nprobe = self._nprobe(allowed)
        if allowed is not None and self.ivf is not None and \
                len(allowed) * RECONSTRUCT_COST < nprobe * len(self) / self.ivf.nlist:
            # Exact on a small allowed set: cheaper than probing many lists that hold few of them, and
            # an approximate search could miss most of it.
            return self._exact_among(query, np.asarray(allowed, dtype=np.int64), k)
        selector: Any = None
        if allowed is not None:
            selector = bitmap(allowed)
            k = min(k, len(allowed))
        elif excluded is not None and len(excluded):
            # The inner selector must outlive the search: IDSelectorNot does not own it.
            inner = bitmap(excluded)
            selector = faiss.IDSelectorNot(inner)
        if self.ivf is None:
            params = faiss.SearchParameters(sel=selector) if selector is not None else None  # type: ignore[call-arg]
        else:
            params = faiss.SearchParametersIVF(sel=selector, nprobe=nprobe)  # type: ignore[call-arg]
        scores, ids = self.index.search(query.reshape(1, -1).astype(np.float32), min(k, len(self)), params=params)
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]

    def _nprobe(self, allowed: np.ndarray | None) -> int:
        """Return the lists to probe: more when a filter leaves only a share of each list eligible."""
        if allowed is None or self.ivf is None:
            return NPROBE
        # A filter allowing a share s of the passages pushes its top 10 out among the nearest 10/s: √(1/s)
        # times the lists kept recall@10 ≥ 0.95 down to 1 % filters (bench/scale.py), at a fraction of 1/s.
        return min(int(self.ivf.nlist), math.ceil(NPROBE * math.sqrt(len(self) / len(allowed))))

    def _exact_among(self, query: np.ndarray, allowed: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Return the ``k`` best of ``allowed`` by exact inner product (ids the index lacks are skipped)."""
        scores = self.similarity(query, allowed, missing=-np.inf)
        held = np.isfinite(scores)
        allowed, scores = allowed[held], scores[held]
        top = np.argpartition(-scores, min(k, len(scores)) - 1)[:k] if len(scores) > k else np.arange(len(scores))
        top = top[np.lexsort((allowed[top], -scores[top]))]
        return allowed[top], scores[top].astype(np.float32)

    def similarity(self, query: np.ndarray, ids: np.ndarray, missing: float = 0.0) -> np.ndarray:
        """Return the query's inner product with the stored vectors of these ids (``missing`` for ids not held)."""
        ids = np.asarray(ids, dtype=np.int64)
        try:
            return (self.index.reconstruct_batch(ids) @ query).astype(np.float32)
        except RuntimeError:  # an id was removed since it was ranked: score the rest one by one
            pass
        out = np.full(len(ids), missing, dtype=np.float32)
        for position, passage_id in enumerate(ids):
            try:
                out[position] = float(self.index.reconstruct(int(passage_id)) @ query)
            except RuntimeError:  # removed since the candidate was ranked
                continue
        return out

    def save(self, directory: Path, manifest: dict[str, Any]) -> None:
        """Write the index, then its manifest, each atomically, so a crash leaves a detectable old pair."""
        atomic_write(directory / INDEX_FILE, faiss.serialize_index(self.index).tobytes())
        manifest = {**manifest, "dimension": self.dimension, "count": len(self), "approximate": self.approximate}
        atomic_write(directory / MANIFEST_FILE, json.dumps(manifest, indent=2).encode())

    @classmethod
    def load(cls, directory: Path) -> tuple[VectorIndex, dict[str, Any]] | None:
        """Return the saved index and its manifest, or None when either is missing or unreadable."""
        try:
            manifest = json.loads((directory / MANIFEST_FILE).read_text())
            # Read straight from the file: a bytes copy first would double the peak memory of a 1M index.
            index = faiss.read_index(str(directory / INDEX_FILE))
        except (OSError, ValueError, RuntimeError):
            return None
        if isinstance(index, faiss.IndexIVF):
            index.nprobe = NPROBE
        vectors = cls(int(index.d), index)
        if len(vectors) != manifest.get("count"):
            return None
        return vectors, manifest
