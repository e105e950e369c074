"""The approximate (IVF) vector index: recall against exact search, filters, writes, persistence, wiring."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from insights.config import Settings
from insights.repository import Repository
from insights.storage.vectors import VectorIndex

DIMENSION = 64


def clustered(count: int, seed: int = 3) -> np.ndarray:
    """Return unit vectors around 60 centres: the clumped structure of text embeddings, not uniform noise."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((60, DIMENSION), dtype=np.float32)
    vectors = centres[rng.integers(0, 60, count)] + 0.6 * rng.standard_normal((count, DIMENSION), dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.fixture(scope="module")
def corpus() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return passage ids (sparse, as after deletions), their vectors, and query vectors."""
    vectors = clustered(8_000)
    ids = np.arange(len(vectors), dtype=np.int64) * 3 + 7
    return ids, vectors, clustered(100, seed=4)


@pytest.fixture(scope="module")
def pair(corpus) -> tuple[VectorIndex, VectorIndex]:
    """Return the exact and the approximate index over the same vectors."""
    ids, vectors, _ = corpus
    return VectorIndex.build(ids, vectors), VectorIndex.build(ids, vectors, approximate=True)


def recall(exact: VectorIndex, approximate: VectorIndex, queries: np.ndarray, **where: np.ndarray) -> float:
    """Return the mean share of exact search's top 10 that the approximate index also returns."""
    found = [len(set(exact.search(q, 10, **where)[0]) & set(approximate.search(q, 10, **where)[0])) / 10
             for q in queries]
    return float(np.mean(found))


def test_recall_at_10_against_exact(pair, corpus) -> None:
    exact, approximate = pair
    assert not exact.approximate and approximate.approximate
    assert recall(exact, approximate, corpus[2]) >= 0.95


def test_filters_are_honoured_and_selective_ones_are_exact(pair, corpus) -> None:
    exact, approximate = pair
    ids, _, queries = corpus
    rng = np.random.default_rng(5)
    for share in (0.5, 0.1, 0.002):
        allowed = np.sort(rng.choice(ids, max(1, int(share * len(ids))), replace=False))
        for q in queries[:20]:
            found, _ = approximate.search(q, 10, allowed)
            assert set(found) <= set(allowed)
        assert recall(exact, approximate, queries, allowed=allowed) >= 0.95
    # A filter allowing 16 passages is scored exactly: the very same top ids and order.
    for q in queries[:20]:
        np.testing.assert_array_equal(approximate.search(q, 10, allowed)[0], exact.search(q, 10, allowed)[0])


def test_excluded_ids_are_never_returned(pair, corpus) -> None:
    exact, approximate = pair
    ids, _, queries = corpus
    for q in queries[:20]:
        excluded = exact.search(q, 5)[0]
        assert not set(approximate.search(q, 50, excluded=excluded)[0]) & set(excluded)


def test_remove_then_add(corpus) -> None:
    ids, vectors, queries = corpus
    index = VectorIndex.build(ids, vectors, approximate=True)
    top = index.search(queries[0], 10)[0]
    index.remove(np.append(top[:3], 999_999))  # an id never held is ignored
    assert len(index) == len(ids) - 3
    assert not set(index.search(queries[0], 100)[0]) & set(top[:3])
    assert index.similarity(queries[0], top[:3]).tolist() == [0.0, 0.0, 0.0]
    index.add(np.array([5]), queries[:1])
    found, scores = index.search(queries[0], 1)
    assert found.tolist() == [5] and scores[0] == pytest.approx(1.0, abs=1e-3)


def test_similarity_matches_the_exact_index(pair, corpus) -> None:
    exact, approximate = pair
    ids, _, queries = corpus
    np.testing.assert_array_equal(approximate.similarity(queries[0], ids[:50]), exact.similarity(queries[0], ids[:50]))


def test_save_and_load_give_the_same_results(pair, corpus, tmp_path: Path) -> None:
    _, approximate = pair
    approximate.save(tmp_path, {"generation": 4})
    loaded = VectorIndex.load(tmp_path)
    assert loaded is not None
    index, manifest = loaded
    assert index.approximate and manifest["approximate"] and manifest["generation"] == 4
    for q in corpus[2][:10]:
        np.testing.assert_array_equal(index.search(q, 10)[0], approximate.search(q, 10)[0])


def test_kind_follows_size_with_hysteresis() -> None:
    vectors = clustered(400)
    ids = np.arange(400, dtype=np.int64)
    assert not VectorIndex.build(ids, vectors).fits(400)
    approximate = VectorIndex.build(ids, vectors, approximate=True)
    assert approximate.fits(400) and approximate.fits(801) and not approximate.fits(802)
    assert not approximate.fits(100_000)  # trained on a quarter of its size: outgrown its lists


def test_repository_switches_to_the_approximate_index(tmp_path: Path, notes: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", model="hashing", ann_threshold=0)
    with_ann = Repository(settings)
    with_ann.ingest([notes])
    assert with_ann.index().approximate
    hits = with_ann.search("payroll export failed", mode="semantic")
    assert hits and "ERR-PAY-214" in hits[0].text
    with_ann.close()
    # Loaded at start as saved, with no rebuild; a higher threshold turns it back into an exact index.
    reopened = Repository(settings)
    assert reopened.index().approximate
    assert reopened.search("payroll export failed", mode="semantic")[0].text == hits[0].text
    reopened.close()
    exact = Repository(Settings(data_dir=tmp_path / "data", model="hashing"))
    assert not exact.index().approximate
    exact.close()
