"""Hybrid retrieval: dense (FAISS) and keyword (FTS5 BM25) candidates, fused, filtered, highlighted."""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from insights.embedder import Embedder
from insights.filters import Filters
from insights.store import Store
from insights.vectors import VectorIndex

MODES = ("hybrid", "semantic", "keyword")
#: Candidates taken from each side before fusion; deep enough that fusion can reorder.
DEPTH = 100
#: Reciprocal-rank fusion constant, as in Cormack et al. (2009).
RRF_K = 60
#: BM25 weights of the passage text and its document's title.
BM25_WEIGHTS = (1.0, 0.3)

_MARK_START, _MARK_END = "\x02", "\x03"
_WORD = re.compile(r"\w[\w'’.-]*\w|\w")
_PHRASE = re.compile(r'"([^"]+)"')
STOPWORDS = frozenset(
    "a about above after again against all am an and any are as at be because been before being below between "
    "both but by can could did do does doing down during each few for from further had has have having he her "
    "here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not "
    "now of off on once only or other our ours ourselves out over own same she should so some such than that the "
    "their theirs them themselves then there these they this those through to too under until up very was we "
    "were what when where which while who whom why will with would you your yours yourself yourselves".split()
)


@dataclass(frozen=True)
class Hit:
    """One passage that answers a question, with everything needed to cite it."""

    passage_id: int
    document_id: int
    title: str
    kind: str
    text: str
    score: float
    char_start: int
    char_end: int
    locator: dict[str, Any]
    date: str | None
    participant: str | None
    segment: str | None
    competitor: str | None
    author: str | None
    source: str
    tags: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    #: Offsets of matched query terms inside ``text``.
    highlights: list[tuple[int, int]] = field(default_factory=list)

    @property
    def snippet(self) -> str:
        """Return the text with matched terms wrapped in ``**``."""
        return mark(self.text, self.highlights)

    def to_dict(self) -> dict[str, Any]:
        """Return the hit as the JSON contract of ``search --json`` and the API."""
        return {**asdict(self), "highlights": [list(h) for h in self.highlights], "snippet": self.snippet}


def keyword_expression(query: str) -> str | None:
    """Turn a question into an FTS5 query: any of its content words, or its quoted phrases."""
    phrases = [p.strip() for p in _PHRASE.findall(query) if p.strip()]
    rest = _PHRASE.sub(" ", query)
    words = [w.lower() for w in _WORD.findall(rest)]
    content = [w for w in words if w not in STOPWORDS] or words
    terms = list(dict.fromkeys(phrases + content))
    if not terms:
        return None
    # Every term is quoted, so FTS5 syntax in user input ("NOT", "*", ":") is plain text.
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)


def allowed_ids(db: sqlite3.Connection, filters: Filters) -> np.ndarray | None:
    """Return the passage ids the filters allow, or None when nothing is filtered."""
    if not filters:
        return None
    where, params = filters.sql()
    rows = db.execute(
        f"SELECT p.id FROM passages p JOIN documents d ON d.id = p.document_id WHERE {where}", params
    ).fetchall()
    return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))


def keyword_search(db: sqlite3.Connection, expression: str, filters: Filters, k: int) -> list[tuple[int, float]]:
    """Return (passage id, BM25 score) pairs, best first; higher is better."""
    where, params = filters.sql()
    weights = ", ".join(map(str, BM25_WEIGHTS))
    join = "JOIN passages p ON p.id = f.rowid JOIN documents d ON d.id = p.document_id" if filters else ""
    rows = db.execute(
        f"""SELECT f.rowid, bm25(passages_fts, {weights}) AS rank FROM passages_fts f {join}
            WHERE passages_fts MATCH ? AND {where} ORDER BY rank LIMIT ?""",
        [expression, *params, k],
    ).fetchall()
    # FTS5's bm25() is negated so that ascending order is best first.
    return [(int(r[0]), -float(r[1])) for r in rows]


def semantic_search(index: VectorIndex, query_vector: np.ndarray, allowed: np.ndarray | None,
                    k: int) -> list[tuple[int, float]]:
    """Return (passage id, cosine similarity) pairs, best first."""
    ids, scores = index.search(query_vector, k, allowed)
    return [(int(i), float(s)) for i, s in zip(ids, scores, strict=True)]


def fuse(rankings: list[list[tuple[int, float]]]) -> list[tuple[int, float]]:
    """Combine ranked lists by reciprocal rank fusion; return (id, fused score), best first."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, (passage_id, _) in enumerate(ranking):
            scores[passage_id] = scores.get(passage_id, 0.0) + 1.0 / (RRF_K + rank + 1)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def highlights(db: sqlite3.Connection, expression: str | None, ids: list[int]) -> dict[int, list[tuple[int, int]]]:
    """Return, per passage id, the offsets of the words that matched the keyword query."""
    if not expression or not ids:
        return {}
    marks = ",".join("?" * len(ids))
    rows = db.execute(
        f"""SELECT rowid, highlight(passages_fts, 0, '{_MARK_START}', '{_MARK_END}') FROM passages_fts
            WHERE passages_fts MATCH ? AND rowid IN ({marks})""",
        [expression, *ids],
    ).fetchall()
    return {int(r[0]): _offsets(r[1]) for r in rows}


def _offsets(marked: str) -> list[tuple[int, int]]:
    """Turn text with highlight markers into offsets into the unmarked text."""
    spans, position, start = [], 0, 0
    for char in marked:
        if char == _MARK_START:
            start = position
        elif char == _MARK_END:
            spans.append((start, position))
        else:
            position += 1
    return spans


def mark(text: str, spans: list[tuple[int, int]], before: str = "**", after: str = "**") -> str:
    """Return ``text`` with each span wrapped in markers."""
    out, position = [], 0
    for start, end in spans:
        out += [text[position:start], before, text[start:end], after]
        position = end
    out.append(text[position:])
    return "".join(out)


def run(store: Store, index: VectorIndex | None, embedder: Embedder | None, query: str, mode: str = "hybrid",
        limit: int = 10, filters: Filters | None = None, offset: int = 0) -> list[Hit]:
    """Answer ``query`` with up to ``limit`` hits, ranked within the filtered passages only."""
    filters = filters or Filters()
    db = store.db
    expression = keyword_expression(query)
    depth = max(DEPTH, offset + limit)
    rankings = []
    if mode in ("keyword", "hybrid") and expression:
        rankings.append(keyword_search(db, expression, filters, depth))
    if mode in ("semantic", "hybrid"):
        assert index is not None and embedder is not None
        vector = embedder.encode([query])[0]
        rankings.append(semantic_search(index, vector, allowed_ids(db, filters), depth))
    ranked = fuse(rankings) if mode == "hybrid" else (rankings[0] if rankings else [])
    page = ranked[offset : offset + limit]
    return hydrate(store, page, highlights(db, expression, [i for i, _ in page]))


def hydrate(store: Store, ranked: list[tuple[int, float]],
            marks: dict[int, list[tuple[int, int]]]) -> list[Hit]:
    """Fetch ranked passages in one query and return them as hits in rank order."""
    rows = store.hits([i for i, _ in ranked])
    tags = store.tags({row["document_id"] for row in rows.values()})
    hits = []
    for passage_id, score in ranked:
        row = rows.get(passage_id)
        if row is None:  # deleted between ranking and hydration
            continue
        hits.append(Hit(
            passage_id=passage_id, document_id=row["document_id"], title=row["title"], kind=row["kind"],
            text=row["text"], score=round(score, 6), char_start=row["char_start"], char_end=row["char_end"],
            locator=json.loads(row["locator"]), date=row["date"], participant=row["participant"],
            segment=row["segment"], competitor=row["competitor"], author=row["author"], source=row["source"],
            tags=tags.get(row["document_id"], []), metadata=json.loads(row["metadata"]),
            highlights=marks.get(passage_id, []),
        ))
    return hits
