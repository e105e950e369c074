"""Keyword search: BM25 over stemmed passage words, held in memory and derived from SQLite."""

from __future__ import annotations

import math
import re
from functools import cache, lru_cache

import numpy as np

try:
    import bm25s
    import Stemmer
except ImportError as ex:  # pragma: no cover - both are hard dependencies
    raise ImportError("Keyword search needs bm25s and PyStemmer: pip install bm25s PyStemmer") from ex

# Lucene's defaults as tuned for BEIR (Kamphuis et al. 2020); SQLite FTS5 fixes k1=1.2, b=0.75.
K1, B = 0.9, 0.4
_WORD = re.compile(r"(?u)\b\w\w+\b")
_PHRASE = re.compile(r'"([^"]+)"')


@cache
def _stemmer() -> Stemmer.Stemmer:
    """Return the English Snowball stemmer (one per process)."""
    return Stemmer.Stemmer("english")


@cache
def _stopwords() -> frozenset[str]:
    """Return bm25s's English stopword list."""
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


def terms(text: str) -> list[str]:
    """Return the stemmed content words of ``text``, in order, stopwords dropped."""
    stop = _stopwords()
    words = [w for w in _WORD.findall(text.lower()) if w not in stop]
    return _stemmer().stemWords(words)


def words_and_terms(text: str) -> list[tuple[str, str]]:
    """Return each content word of ``text`` (lower-cased) with its stem, in order, stopwords dropped."""
    stop = _stopwords()
    words = [w for w in _WORD.findall(text.lower()) if w not in stop]
    return list(zip(words, _stemmer().stemWords(words), strict=True))


def phrases(query: str) -> list[str]:
    """Return the "quoted phrases" of a query, lower-cased."""
    return [p.strip().lower() for p in _PHRASE.findall(query) if p.strip()]


#: Words too common to be worth marking in a quote, though BM25 still weighs them (lightly).
_UNMARKED = frozenset(
    "about above after again all also am any because been before being below between both can could did do does "
    "doing down during each few from further had has have having he her here hers him his how i its just me more "
    "most my no nor now off once only other our out over own same she should so some than them those through too "
    "under until up very we were what when where which while who whom why would you your".split()
)


@cache
def _unmarked_stems() -> frozenset[str]:
    """Return the stems of the words never marked (computed once)."""
    return frozenset(_stemmer().stemWords(sorted(_UNMARKED)))


def highlight_spans(text: str, query: str) -> list[tuple[int, int]]:
    """Return the offsets of the words of ``text`` whose stems occur in the query, common words left unmarked."""
    wanted = set(terms(query)) - _unmarked_stems()
    if not wanted:
        return []
    matches = list(_WORD.finditer(text))
    stems = _stemmer().stemWords([m.group().lower() for m in matches])
    spans: list[tuple[int, int]] = []
    for match, stem in zip(matches, stems, strict=True):
        if stem not in wanted:
            continue
        start, end = match.span()
        # Join parts of one code or name ("ERR-PAY-214", "v2.3") into one mark.
        if spans and start - spans[-1][1] == 1 and text[start - 1] in "-_./":
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


#: How much a passage's own coverage adds to its source's: enough to order a source's passages, too
#: little to reorder sources (coverages are 0..1).
TIE_BREAK = 1e-3


class KeywordIndex:
    """BM25 scores for every passage and for every passage's source; rebuilt from the database whenever it changes.

    A source is what one record, row or speaker in a document says (see ``Catalog.sources``). A
    passage is judged by its source's words: an abstract split in three still has all its words in
    each part, so its second part is not scored as if the title and the first half were not there.
    """

    def __init__(self, ids: np.ndarray | list[int], texts: list[str], sources: np.ndarray | None = None) -> None:
        self.ids = np.asarray(ids, dtype=np.int64)
        self.model: bm25s.BM25 | None = None
        self.source_model: bm25s.BM25 | None = None
        #: Each passage's row in ``source_model``, when some source holds more than one passage.
        self.source_rows = np.zeros(0, dtype=np.int64)
        if len(texts):
            corpus = [terms(t) for t in texts]
            self.model = _bm25(corpus)
            # A source of many passages gets its own row; the lengths differ only if the database moved on.
            if sources is not None and len(sources) == len(corpus) and len(np.unique(sources)) < len(corpus):
                _, self.source_rows = np.unique(np.asarray(sources), return_inverse=True)
                merged: list[list[str]] = [[] for _ in range(int(self.source_rows.max()) + 1)]
                for row, words in zip(self.source_rows.tolist(), corpus, strict=True):
                    merged[row] += words
                self.source_model = _bm25(merged)
        # Ranking and the weak-match check score the same question: the second asks for the first's scores.
        self._scores = lru_cache(maxsize=16)(self._score)

    def __len__(self) -> int:
        return len(self.ids)

    def scores(self, query: str) -> np.ndarray:
        """Return every passage's coverage of ``query`` (read-only, ``ids`` order); recent questions are remembered."""
        return self._scores(query)

    def _score(self, query: str) -> np.ndarray:
        """Return every passage's coverage of ``query`` (in ``ids`` order), 0..1, judged by its whole source.

        Coverage is the BM25 score over the best the question could earn (``ideal``): how much of the
        question, weighted by rarity, the text holds. It means the same on every question, so hybrid
        search can weigh it against cosine similarity without stretching either.
        """
        if self.model is None:
            return np.zeros(0, dtype=np.float32)
        query_terms = terms(query)
        scores = _coverage(self.model, query_terms)
        if self.source_model is not None:
            # Whole sources rank as plain BM25 ranks whole documents; within a source, a passage's own
            # words break the tie (the exact-words search must land on the passage that holds them).
            scores = _coverage(self.source_model, query_terms)[self.source_rows] + TIE_BREAK * scores
        scores.setflags(write=False)
        return scores

    def containing_all(self, text: str) -> np.ndarray:
        """Return the ids of passages holding every content word of ``text`` (in any order or form)."""
        wanted = terms(text)
        if self.model is None or not wanted:
            return self.ids if self.model is not None else np.zeros(0, dtype=np.int64)
        vocab, postings = self.model.vocab_dict, self.model.scores
        positions: np.ndarray | None = None
        for term in set(wanted):
            if term not in vocab:
                return np.zeros(0, dtype=np.int64)
            token = vocab[term]
            docs = postings["indices"][postings["indptr"][token] : postings["indptr"][token + 1]]
            positions = docs if positions is None else np.intersect1d(positions, docs, assume_unique=True)
        assert positions is not None
        return self.ids[positions]

    def score_of(self, scores: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """Return the entries of a ``scores()`` vector for these passage ids (0 for ids not indexed)."""
        if not len(scores):
            return np.zeros(len(ids), dtype=np.float32)
        positions = np.minimum(np.searchsorted(self.ids, ids), len(self.ids) - 1)
        return np.where(self.ids[positions] == ids, scores[positions], 0.0).astype(np.float32)

    def search(self, query: str, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Return up to ``k`` (passage id, score) pairs with a positive score, best first."""
        return self.top(self.scores(query), k, allowed)

    def top(self, scores: np.ndarray, k: int, allowed: np.ndarray | None = None,
            excluded: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Return the ``k`` best (id, score) pairs of ``scores()``: among ``allowed``, else not ``excluded``."""
        if allowed is not None and len(scores):
            scores = np.where(np.isin(self.ids, allowed), scores, 0.0)
        elif excluded is not None and len(excluded) and len(scores):
            scores = np.where(np.isin(self.ids, excluded), 0.0, scores)
        candidates = np.flatnonzero(scores > 0)
        if len(candidates) > k:
            candidates = candidates[np.argpartition(-scores[candidates], k - 1)[:k]]
        order = candidates[np.lexsort((self.ids[candidates], -scores[candidates]))]
        return [(int(self.ids[i]), float(scores[i])) for i in order]


def _bm25(corpus: list[list[str]]) -> bm25s.BM25:
    """Return a bm25s index (Lucene BM25, ``K1``, ``B``) over lists of stems."""
    model = bm25s.BM25(k1=K1, b=B)
    model.index(_tokenized(corpus), show_progress=False)
    return model


def _coverage(model: bm25s.BM25, query_terms: list[str]) -> np.ndarray:
    """Return each document's BM25 score for the terms over the sum of the best score each term earns anywhere.

    A term no document holds is the rarest of all: it counts with Lucene's IDF at document
    frequency 0, so a question in other words than the corpus's is seen as poorly covered.
    """
    vocab, postings = model.vocab_dict, model.scores
    count = int(postings["num_docs"])
    ideal = 0.0
    for term in query_terms:
        if term in vocab:
            token = vocab[term]
            ideal += float(postings["data"][postings["indptr"][token] : postings["indptr"][token + 1]].max())
        else:
            ideal += math.log(1 + (count + 0.5) / 0.5)
    known = [t for t in query_terms if t in vocab]
    if not known or ideal <= 0:
        return np.zeros(count, dtype=np.float32)
    return (np.asarray(model.get_scores(known), dtype=np.float32) / ideal).astype(np.float32)


def _tokenized(corpus: list[list[str]]) -> bm25s.tokenization.Tokenized:
    """Turn lists of stems into bm25s's id-based form."""
    vocab: dict[str, int] = {}
    ids = [[vocab.setdefault(t, len(vocab)) for t in doc] for doc in corpus]
    return bm25s.tokenization.Tokenized(ids=ids, vocab=vocab)
