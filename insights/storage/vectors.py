"""FAISS vector index keyed by passage id: add, remove, search, persist atomically."""

from __future__ import annotations

import json
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


class VectorIndex:
    """Brute-force inner-product search over L2-normalised vectors, so scores are cosine similarities.

    Vectors are held as float16: a scan reads half the memory (16 ms → 10 ms at 100k passages here)
    and the top hits match float32's (bench/search_latency.py checks this); SQLite keeps float32.
    """

    def __init__(self, dimension: int) -> None:
        self.dimension = dimension
        flat = faiss.IndexScalarQuantizer(dimension, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)
        # Typed loosely: FAISS's generated stubs disagree with its Python wrappers.
        self.index: Any = faiss.IndexIDMap2(flat)

    def __len__(self) -> int:
        return int(self.index.ntotal)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors under their passage ids."""
        if len(ids):
            self.index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64))

    def remove(self, ids: list[int] | np.ndarray) -> None:
        """Remove the vectors of these passage ids (missing ids are ignored)."""
        if len(ids):
            self.index.remove_ids(np.asarray(ids, dtype=np.int64))

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None,
               excluded: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Return the ids and scores of the ``k`` nearest vectors: among ``allowed`` if given, else not ``excluded``."""
        if len(self) == 0 or k <= 0 or (allowed is not None and len(allowed) == 0):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        params = None
        if allowed is not None:
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(np.asarray(allowed, dtype=np.int64)))  # type: ignore[call-arg]
            k = min(k, len(allowed))
        elif excluded is not None and len(excluded):
            # The inner selector must outlive the search: IDSelectorNot does not own it.
            inner = faiss.IDSelectorBatch(np.asarray(excluded, dtype=np.int64))  # type: ignore[call-arg]
            params = faiss.SearchParameters(sel=faiss.IDSelectorNot(inner))  # type: ignore[call-arg]
        scores, ids = self.index.search(query.reshape(1, -1).astype(np.float32), min(k, len(self)), params=params)
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]

    def similarity(self, query: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """Return the query's inner product with the stored vectors of these ids (0 for ids not held)."""
        ids = np.asarray(ids, dtype=np.int64)
        try:
            return (self.index.reconstruct_batch(ids) @ query).astype(np.float32)
        except RuntimeError:  # an id was removed since it was ranked: score the rest one by one
            pass
        out = np.zeros(len(ids), dtype=np.float32)
        for position, passage_id in enumerate(ids):
            try:
                out[position] = float(self.index.reconstruct(int(passage_id)) @ query)
            except RuntimeError:  # removed since the candidate was ranked
                continue
        return out

    def save(self, directory: Path, manifest: dict[str, Any]) -> None:
        """Write the index, then its manifest, each atomically, so a crash leaves a detectable old pair."""
        atomic_write(directory / INDEX_FILE, faiss.serialize_index(self.index).tobytes())
        manifest = {**manifest, "dimension": self.dimension, "count": len(self)}
        atomic_write(directory / MANIFEST_FILE, json.dumps(manifest, indent=2).encode())

    @classmethod
    def load(cls, directory: Path) -> tuple[VectorIndex, dict[str, Any]] | None:
        """Return the saved index and its manifest, or None when either is missing or unreadable."""
        try:
            manifest = json.loads((directory / MANIFEST_FILE).read_text())
            raw = np.frombuffer((directory / INDEX_FILE).read_bytes(), dtype=np.uint8)
            index = faiss.deserialize_index(raw)
        except (OSError, ValueError, RuntimeError):
            return None
        vectors = cls(int(index.d))
        vectors.index = index
        if len(vectors) != manifest.get("count"):
            return None
        return vectors, manifest
