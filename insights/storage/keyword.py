"""Keyword search: BM25 over stemmed passage words, held in memory and derived from SQLite."""

from __future__ import annotations

import re
from functools import cache, lru_cache

import numpy as np

from insights.storage.segments import Segment, coverage, merged

try:
    import Stemmer
except ImportError as ex:  # pragma: no cover - a hard dependency
    raise ImportError("Keyword search needs PyStemmer: pip install PyStemmer") from ex
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
#: Merge the newest segment into the one before while that one holds at most this many times as many passages.
MERGE_RATIO = 2


class KeywordIndex:
    """BM25 scores for every passage and for every passage's source, kept in step with the database by its writes.

    A source is what one record, row or speaker in a document says (see ``Catalog.sources``). A
    passage is judged by its source's words: an abstract split in three still has all its words in
    each part, so its second part is not scored as if the title and the first half were not there.
    The index is a few segments of term counts (see segments.py): ``changed`` returns a new index
    with a write's passages added and removed, at the cost of those passages, and readers of the
    old one see it unchanged.
    """

    def __init__(self, ids: np.ndarray | list[int], texts: list[str], sources: np.ndarray | None = None,
                 vocabulary: dict[str, int] | None = None, segments: tuple[Segment, ...] = ()) -> None:
        #: Every term ever indexed, with its column; shared by later versions, which only append to it.
        self.vocabulary: dict[str, int] = {} if vocabulary is None else vocabulary
        self.segments = segments + ((self._segment(ids, texts, sources),) if len(texts) else ())
        self.ids = np.concatenate([s.ids[s.passages.live] for s in self.segments]) if self.segments else \
            np.zeros(0, dtype=np.int64)
        # Plain BM25 per passage while every source is one passage, as a build over such data always was.
        self._by_source = sum(int(s.sources.live.sum()) for s in self.segments) < len(self.ids)
        # Ranking and the weak-match check score the same question: the second asks for the first's scores.
        self._scores = lru_cache(maxsize=16)(self._score)

    def _segment(self, ids: np.ndarray | list[int], texts: list[str], sources: np.ndarray | None) -> Segment:
        """Return a segment of these passages, their terms numbered in the shared vocabulary."""
        ids = np.asarray(ids, dtype=np.int64)
        # Sources are told only if the lengths agree; otherwise every passage stands alone.
        keys = np.asarray(sources, dtype=np.int64) if sources is not None and len(sources) == len(texts) else -ids - 1
        vocabulary = self.vocabulary
        tokens = [[vocabulary.setdefault(t, len(vocabulary)) for t in terms(text)] for text in texts]
        return Segment.build(ids, tokens, keys, len(vocabulary))

    def changed(self, removed: np.ndarray | list[int], ids: np.ndarray | list[int], texts: list[str],
                sources: np.ndarray | None = None) -> KeywordIndex:
        """Return this index with the ``removed`` passages gone and these added (ids above every one held)."""
        segments = [s.without(np.asarray(removed, dtype=np.int64)) for s in self.segments] if len(removed) else \
            list(self.segments)
        # A segment mostly removed is compacted, so masked rows never outweigh live ones.
        segments = [s if s.passages.live.mean() > 0.5 else s.compacted(len(self.vocabulary))
                    for s in segments if s.passages.live.any()]
        index = KeywordIndex([], [], vocabulary=self.vocabulary, segments=tuple(segments))
        if len(texts):
            segments.append(index._segment(ids, texts, sources))
        # Merge the newest segments while the one before is not much larger (a binomial heap of sizes):
        # a passage is merged O(log n) times, and a query reads O(log n) segments.
        while len(segments) > 1 and len(segments[-2].ids) <= MERGE_RATIO * len(segments[-1].ids):
            segments[-2:] = [merged(segments[-2:], len(self.vocabulary))]
        return KeywordIndex([], [], vocabulary=self.vocabulary, segments=tuple(segments))

    def __len__(self) -> int:
        return len(self.ids)

    def holds(self, term: str) -> bool:
        """Return whether some passage holds this stem."""
        column = self.vocabulary.get(term)
        return column is not None and any(len(s.passages.postings(column)[0]) for s in self.segments)

    def scores(self, query: str) -> np.ndarray:
        """Return every passage's coverage of ``query`` (read-only, ``ids`` order); recent questions are remembered."""
        return self._scores(query)

    def _score(self, query: str) -> np.ndarray:
        """Return every passage's coverage of ``query`` (in ``ids`` order), 0..1, judged by its whole source.

        Coverage is the BM25 score over the best the question could earn (``ideal``): how much of the
        question, weighted by rarity, the text holds. It means the same on every question, so hybrid
        search can weigh it against cosine similarity without stretching either.
        """
        if not self.segments:
            return np.zeros(0, dtype=np.float32)
        query_terms = [self.vocabulary.get(t) for t in terms(query)]
        own = coverage([s.passages for s in self.segments], query_terms)
        if self._by_source:
            # Whole sources rank as plain BM25 ranks whole documents; within a source, a passage's own
            # words break the tie (the exact-words search must land on the passage that holds them).
            whole = coverage([s.sources for s in self.segments], query_terms)
            own = [w[s.source_of] + TIE_BREAK * o for s, w, o in zip(self.segments, whole, own, strict=True)]
        scores = np.concatenate([o[s.passages.live] for s, o in zip(self.segments, own, strict=True)])
        scores.setflags(write=False)
        return scores

    def containing_all(self, text: str) -> np.ndarray:
        """Return the ids of passages holding every content word of ``text`` (in any order or form)."""
        wanted = set(terms(text))
        if not self.segments or not wanted:
            return self.ids
        if any(t not in self.vocabulary for t in wanted):
            return np.zeros(0, dtype=np.int64)
        found = []
        for segment in self.segments:
            rows: np.ndarray | None = None
            for term in wanted:
                held = segment.passages.postings(self.vocabulary[term])[0]
                rows = held if rows is None else np.intersect1d(rows, held, assume_unique=True)
            assert rows is not None
            found.append(segment.ids[np.sort(rows)])
        return np.concatenate(found)

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
