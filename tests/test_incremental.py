"""Writes cost what they add: indexes kept in step by each write equal a fresh build, score for score."""

from __future__ import annotations

import math
import random
from pathlib import Path

import bm25s
import numpy as np
import pytest

from insights.config import Settings
from insights.repository import Repository
from insights.storage.catalog import Catalog
from insights.storage.keyword import TIE_BREAK, KeywordIndex, terms

WORDS = ("schedule shift swap payroll export error mobile app logout onboarding checklist nurse clinic overtime "
         "rounding break rule forecast labor report calendar availability rotamate pilot clockwise").split()
QUERIES = ["shift swap", "payroll export error", "mobile app logout", "onboarding checklist nurse",
           "overtime rounding", "labor forecast report", "calendar", "unheard words entirely", "shift shift swap"]


def _corpus(rng: random.Random, count: int, start: int = 1) -> tuple[list[int], list[str], list[int]]:
    """Return passage ids, texts and source keys: runs of one to three passages share a source."""
    ids, texts, sources = [], [], []
    source = start * 10
    for number in range(start, start + count):
        if rng.random() < 0.5:
            source += 1
        ids.append(number)
        texts.append(" ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 12))))
        sources.append(source)
    return ids, texts, sources


def _reference(ids: list[int], texts: list[str], sources: list[int], query: str) -> np.ndarray:
    """Return the scores bm25s gave before segments: the precomputed-matrix build this change replaced."""

    def build(corpus: list[list[str]]) -> bm25s.BM25:
        vocab: dict[str, int] = {}
        model = bm25s.BM25(k1=0.9, b=0.4)
        model.index(bm25s.tokenization.Tokenized(ids=[[vocab.setdefault(t, len(vocab)) for t in doc]
                                                      for doc in corpus], vocab=vocab), show_progress=False)
        return model

    def cover(model: bm25s.BM25, query_terms: list[str]) -> np.ndarray:
        vocab, postings = model.vocab_dict, model.scores
        count, ideal = int(postings["num_docs"]), 0.0
        for term in query_terms:
            if term in vocab:
                token = vocab[term]
                ideal += float(postings["data"][postings["indptr"][token]: postings["indptr"][token + 1]].max())
            else:
                ideal += math.log(1 + (count + 0.5) / 0.5)
        known = [t for t in query_terms if t in vocab]
        if not known or ideal <= 0:
            return np.zeros(count, dtype=np.float32)
        return (np.asarray(model.get_scores(known), dtype=np.float32) / ideal).astype(np.float32)

    corpus = [terms(t) for t in texts]
    scores = cover(build(corpus), terms(query))
    if len(set(sources)) < len(corpus):
        _, rows = np.unique(sources, return_inverse=True)
        merged: list[list[str]] = [[] for _ in range(int(rows.max()) + 1)]
        for row, words in zip(rows.tolist(), corpus, strict=True):
            merged[row] += words
        scores = cover(build(merged), terms(query))[rows] + TIE_BREAK * scores
    return scores


def _same(index: KeywordIndex, fresh: KeywordIndex) -> None:
    """Assert two indexes hold the same passages and give the same scores and top 100 to every query."""
    assert index.ids.tolist() == fresh.ids.tolist()
    for query in QUERIES:
        assert np.array_equal(index.scores(query), fresh.scores(query)), query
        assert index.search(query, 100) == fresh.search(query, 100)
        assert index.containing_all(query).tolist() == fresh.containing_all(query).tolist()


def test_segments_score_as_bm25s_did() -> None:
    """The query-time BM25 gives bm25s's precomputed scores bit for bit, with and without merged sources."""
    ids, texts, sources = _corpus(random.Random(1), 300)
    for keys in (sources, ids):
        index = KeywordIndex(ids, texts, np.asarray(keys))
        for query in QUERIES:
            assert np.array_equal(index.scores(query), _reference(ids, texts, keys, query)), query


def test_writes_applied_in_turn_equal_a_fresh_build() -> None:
    """Adding and removing documents, with merges and compactions between, scores as building from scratch."""
    rng = random.Random(2)
    ids, texts, sources = _corpus(rng, 200)
    held = dict(zip(ids, zip(texts, sources, strict=True), strict=True))
    index = KeywordIndex(ids, texts, np.asarray(sources))
    for step in range(40):
        removed: list[int] = []
        if rng.random() < 0.5 and held:
            source = rng.choice([s for _, s in held.values()])
            removed = [i for i, (_, s) in held.items() if s == source]
        if rng.random() < 0.1:  # a large removal, so some segment is compacted
            removed = sorted(set(removed) | set(rng.sample(sorted(held), 2 * len(held) // 3)))
            removed = [i for i in held if held[i][1] in {held[r][1] for r in removed}]
        for i in removed:
            del held[i]
        following = max(held, default=0) + 1  # SQLite reuses the largest id once it is gone
        new_ids, new_texts, new_sources = _corpus(rng, rng.randint(0, 25), following)
        following += len(new_ids)
        held.update(zip(new_ids, zip(new_texts, new_sources, strict=True), strict=True))
        index = index.changed(removed, new_ids, new_texts, np.asarray(new_sources))
        order = sorted(held)
        fresh = KeywordIndex(order, [held[i][0] for i in order], np.asarray([held[i][1] for i in order]))
        _same(index, fresh)
    assert 1 < len(index.segments) < 12


def test_removing_everything_leaves_an_empty_index() -> None:
    """An index with every passage removed scores nothing and knows no word."""
    ids, texts, sources = _corpus(random.Random(3), 20)
    index = KeywordIndex(ids, texts, np.asarray(sources)).changed(ids, [], [])
    assert len(index) == 0 and index.scores("shift").shape == (0,) and not index.holds("shift")
    assert index.search("shift", 10) == []
