"""BM25 over segments of term counts: a write appends a segment or masks rows; scoring uses live corpus statistics.

Lucene's shape: counts are stored, never scores, so adding or removing a document changes N, df
and the average length, and every score with them, exactly as a rebuild would. Each query term's
postings are weighted at query time, with the very float operations bm25s uses when it
precomputes its matrix, so the scores equal a fresh bm25s build bit for bit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

# Lucene's defaults as tuned for BEIR (Kamphuis et al. 2020); SQLite FTS5 fixes k1=1.2, b=0.75.
K1, B = 0.9, 0.4


@dataclass(frozen=True)
class Level:
    """One BM25 corpus within a segment: its documents' term counts, lengths and which are still live."""

    counts: sp.csc_matrix  # documents × term ids; a term's postings are one column
    lengths: np.ndarray
    live: np.ndarray

    @staticmethod
    def of(counts: sp.csc_matrix, lengths: np.ndarray) -> Level:
        """Return a level whose documents are all live."""
        return Level(counts, lengths, np.ones(len(lengths), dtype=bool))

    def postings(self, term: int) -> tuple[np.ndarray, np.ndarray]:
        """Return the live rows holding ``term`` and its count in each."""
        if term >= self.counts.shape[1]:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
        start, end = self.counts.indptr[term], self.counts.indptr[term + 1]
        rows, counts = self.counts.indices[start:end], self.counts.data[start:end]
        keep = self.live[rows]
        return rows[keep], counts[keep]


@dataclass(frozen=True)
class Segment:
    """Passages written together (whole documents, so whole sources) with their sources' merged counts."""

    ids: np.ndarray
    passages: Level
    sources: Level
    source_of: np.ndarray  # each passage's row in ``sources``

    @staticmethod
    def build(ids: np.ndarray, tokens: Sequence[Sequence[int]], sources: np.ndarray, vocabulary: int) -> Segment:
        """Count the term ids of each passage, and of each source (all of its passages' words together)."""
        lengths = np.fromiter((len(t) for t in tokens), dtype=np.int64, count=len(tokens))
        rows = np.repeat(np.arange(len(tokens), dtype=np.int32), lengths)
        columns = np.fromiter((t for doc in tokens for t in doc), dtype=np.int32, count=int(lengths.sum()))
        # Duplicate (row, term) pairs are summed into counts when the matrix is built.
        counts = sp.csc_matrix((np.ones(len(columns), dtype=np.float32), (rows, columns)),
                               shape=(len(tokens), vocabulary))
        keys, source_of = np.unique(sources, return_inverse=True)
        merge = sp.csr_matrix((np.ones(len(tokens), dtype=np.float32), (source_of, np.arange(len(tokens)))),
                              shape=(len(keys), len(tokens)))
        merged = sp.csc_matrix(merge @ counts)
        source_lengths = np.bincount(source_of, weights=lengths, minlength=len(keys)).astype(np.int64)
        return Segment(np.asarray(ids, dtype=np.int64), Level.of(counts, lengths),
                       Level.of(merged, source_lengths), source_of.astype(np.int64))

    def without(self, ids: np.ndarray) -> Segment:
        """Return this segment with these passages (and so their sources) masked out; self if it holds none."""
        hit = np.isin(self.ids, ids) & self.passages.live
        if not hit.any():
            return self
        live = self.passages.live & ~hit
        # A document leaves whole, so a source with one passage gone has all of them gone.
        source_live = self.sources.live.copy()
        source_live[self.source_of[hit]] = False
        return replace(self, passages=replace(self.passages, live=live),
                       sources=replace(self.sources, live=source_live))

    def compacted(self, vocabulary: int) -> Segment:
        """Return the live passages alone, their counts widened to the whole vocabulary."""
        keep, source_keep = self.passages.live, self.sources.live
        renumber = np.cumsum(source_keep) - 1
        return Segment(self.ids[keep], Level.of(_widened(self.passages.counts[keep], vocabulary),
                                                self.passages.lengths[keep]),
                       Level.of(_widened(self.sources.counts[source_keep], vocabulary),
                                self.sources.lengths[source_keep]),
                       renumber[self.source_of[keep]])


def merged(segments: Sequence[Segment], vocabulary: int) -> Segment:
    """Return one segment holding the live passages of all of these, in order."""
    parts = [s.compacted(vocabulary) for s in segments]
    offsets = np.cumsum([0] + [len(p.sources.lengths) for p in parts[:-1]])
    return Segment(np.concatenate([p.ids for p in parts]),
                   Level.of(sp.vstack([p.passages.counts for p in parts], format="csc"),
                            np.concatenate([p.passages.lengths for p in parts])),
                   Level.of(sp.vstack([p.sources.counts for p in parts], format="csc"),
                            np.concatenate([p.sources.lengths for p in parts])),
                   np.concatenate([p.source_of + o for p, o in zip(parts, offsets, strict=True)]))


def _widened(counts: sp.csc_matrix, vocabulary: int) -> sp.csc_matrix:
    """Return ``counts`` with columns for terms first seen after it was built."""
    counts = sp.csc_matrix(counts)
    counts.resize((counts.shape[0], vocabulary))
    return counts


def coverage(levels: Sequence[Level], query: Sequence[int | None]) -> list[np.ndarray]:
    """Return each level's documents' BM25 score for the query's term ids over the best score each term earns.

    Statistics (N, df, average length) count live documents only, across every level. A term no
    live document holds counts with Lucene's IDF at document frequency 0, so a question in other
    words than the corpus's is seen as poorly covered.
    """
    count = sum(int(level.live.sum()) for level in levels)
    scores = [np.zeros(len(level.lengths), dtype=np.float32) for level in levels]
    if not count:
        return scores
    average = sum(int(level.lengths[level.live].sum()) for level in levels) / count
    ideal, known = 0.0, False
    for term in query:
        found = [level.postings(term) for level in levels] if term is not None else []
        frequency = sum(len(rows) for rows, _ in found)
        if not frequency:
            ideal += math.log(1 + (count + 0.5) / 0.5)
            continue
        idf = np.float32(math.log(1 + (count - frequency + 0.5) / (frequency + 0.5)))
        best = 0.0
        for level, out, (rows, tf) in zip(levels, scores, found, strict=True):
            if len(rows):
                # bm25s's operations, in its order and precision: float64, stored as float32.
                weights = (idf * (tf / (K1 * ((1 - B) + B * level.lengths[rows] / np.float64(average)) + tf))
                           ).astype(np.float32)
                out[rows] += weights
                best = max(best, float(weights.max()))
        ideal += best
        known = True
    if not known or ideal <= 0:
        return [np.zeros_like(s) for s in scores]
    return [(s / ideal).astype(np.float32) for s in scores]
