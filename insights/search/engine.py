"""Hybrid retrieval: dense (FAISS) and keyword (BM25) candidates, fused, filtered, highlighted."""

from __future__ import annotations

import json
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from insights.filters import Filters
from insights.search.citation import Cited
from insights.storage.catalog import Catalog
from insights.storage.embedder import Embedder
from insights.storage.headings import Headings
from insights.storage.keyword import KeywordIndex, highlight_spans, phrases
from insights.storage.store import Store
from insights.storage.vectors import VectorIndex

MODES = ("hybrid", "semantic", "keyword")
FUSIONS = ("confidence", "rrf")
#: Candidates taken from each side before fusion; deep enough that fusion can reorder.
DEPTH = 100
#: Reciprocal-rank fusion constant, as in Cormack et al. (2009).
RRF_K = 60
#: Each further passage from the same source (one participant in a document, or one record of a
#: table) scores this much less, so a page of answers shows many voices rather than one long document.
REPEAT_DISCOUNT = 0.6

@dataclass(frozen=True)
class Hit(Cited):
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
    #: The file's name as its owner knows it; never where it lies on the server.
    filename: str
    #: The document's format ("md", "vtt", "csv"...): says whether ``text`` is Markdown.
    format: str
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


def allowed_ids(catalog: Catalog, filters: Filters, keywords: KeywordIndex | None = None) -> np.ndarray | None:
    """Return the passage ids the filters may allow, or None when nothing is filtered.

    For a quoted phrase this is the passages holding all its words (from the keyword index); the
    exact phrase is checked later, in rank order, on as few of them as the ranking needs.
    """
    if not filters:
        return None
    structured = replace(filters, contains=())
    allowed = catalog.allowed(structured) if structured else None
    if not filters.contains:
        return allowed
    candidates = keywords.containing_all(" ".join(filters.contains)) if keywords is not None else catalog.ids
    if allowed is not None:
        return np.intersect1d(candidates, allowed, assume_unique=True)
    return np.setdiff1d(candidates, catalog.prompts, assume_unique=True)


def with_phrases(ranking: list[tuple[int, float]], catalog: Catalog, quoted: tuple[str, ...],
                 depth: int) -> list[tuple[int, float]]:
    """Return the first ``depth`` entries of a ranking whose text holds every phrase, checking in rank order."""
    if not quoted:
        return ranking[:depth]
    kept: list[tuple[int, float]] = []
    for start in range(0, len(ranking), 256):
        chunk = ranking[start : start + 256]
        found = set(catalog.containing(quoted, np.asarray([i for i, _ in chunk], dtype=np.int64)).tolist())
        kept += [entry for entry in chunk if entry[0] in found]
        if len(kept) >= depth:
            break
    return kept[:depth]


def semantic_search(index: VectorIndex, query_vector: np.ndarray, allowed: np.ndarray | None,
                    k: int, headings: Headings | None = None,
                    excluded: np.ndarray | None = None) -> list[tuple[int, float]]:
    """Return (passage id, cosine similarity) pairs, best first: a passage's own, or its heading's if higher."""
    ids, scores = index.search(query_vector, k, allowed, excluded)
    if headings is not None:
        scores = np.maximum(scores, headings.similarity(query_vector, ids))
    order = np.lexsort((ids, -scores))
    return [(int(ids[i]), float(scores[i])) for i in order]


def meaning(index: VectorIndex, headings: Headings | None, query_vector: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Return each passage's cosine similarity to the query: its own, or its heading's if higher."""
    own = index.similarity(query_vector, ids)
    return own if headings is None else np.maximum(own, headings.similarity(query_vector, ids))


def fuse(rankings: list[list[tuple[int, float]]]) -> list[tuple[int, float]]:
    """Combine ranked lists by reciprocal rank fusion; return (id, fused score), best first."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, (passage_id, _) in enumerate(ranking):
            scores[passage_id] = scores.get(passage_id, 0.0) + 1.0 / (RRF_K + rank + 1)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def fuse_by_confidence(candidates: np.ndarray, dense: np.ndarray, coverage: np.ndarray, dense_confidence: float,
                       keyword_confidence: float) -> list[tuple[int, float]]:
    """Blend both sides' scores on their own 0..1 scales, weighting each by its confidence on this question; best first.

    ``dense`` holds cosine similarities and ``coverage`` the share of the question's rarity-weighted
    words a passage holds (BM25 over its ideal). Both already mean the same thing on every question,
    so they are not stretched to 0..1 over the candidates: stretching made a near-tie on one side
    look as decisive as a paraphrase found on the other. Each side's confidence is its best
    candidate's score, so a question answered by a near-paraphrase lets meaning lead and one whose
    rare exact terms are all found lets words lead.
    """
    total = dense_confidence + keyword_confidence
    weight = dense_confidence / total if total > 0 else 0.5
    fused = weight * np.maximum(dense, 0.0) + (1 - weight) * coverage
    order = np.lexsort((candidates, -fused))
    return [(int(candidates[i]), float(fused[i])) for i in order]


def diversify(ranking: list[tuple[int, float]], catalog: Catalog) -> list[tuple[int, float]]:
    """Discount repeated passages of one source; a document's best passage keeps its place."""
    if not ranking:
        return ranking
    sources = catalog.source_of(np.asarray([i for i, _ in ranking], dtype=np.int64)).tolist()
    seen: dict[int, int] = {}
    scored = []
    for (passage_id, score), source in zip(ranking, sources, strict=True):
        repeats = seen[source] = seen.get(source, -1) + 1
        scored.append((passage_id, score * REPEAT_DISCOUNT**repeats))
    return sorted(scored, key=lambda item: (-item[1], item[0]))


def mark(text: str, spans: list[tuple[int, int]], before: str = "**", after: str = "**") -> str:
    """Return ``text`` with each span wrapped in markers."""
    out, position = [], 0
    for start, end in spans:
        out += [text[position:start], before, text[start:end], after]
        position = end
    out.append(text[position:])
    return "".join(out)


def rank(catalog: Catalog, index: VectorIndex | None, keywords: KeywordIndex | None,
         embedder: Embedder | None, query: str, mode: str = "hybrid", filters: Filters | None = None,
         depth: int = DEPTH, fusion: str = "confidence", within: np.ndarray | None = None,
         headings: Headings | None = None) -> list[tuple[int, float]]:
    """Return every candidate for ``query`` as (passage id, score), best first, within the filters only.

    "Quoted phrases" in the query must appear in every candidate. Hybrid ranking fuses the two sides
    by ``fusion``: "confidence" (the default) or "rrf" (reciprocal rank fusion, kept for comparison).
    ``within`` limits the candidates to these passage ids (a competitor's passages, say); ``headings``
    lets meaning score a passage by what it sits under too.
    """
    filters = filters or Filters()
    filters = replace(filters, contains=filters.contains + tuple(phrases(query)))
    quoted = filters.contains

    def keyword_side() -> tuple[np.ndarray | None, list[tuple[int, float]], np.ndarray]:
        allowed = allowed_ids(catalog, filters, keywords)
        if within is not None:
            allowed = np.setdiff1d(within, catalog.prompts) if allowed is None else np.intersect1d(allowed, within)
        if mode == "semantic" or keywords is None:
            return allowed, [], np.zeros(0, dtype=np.float32)
        scores = keywords.scores(query)
        # With a phrase to check, rank every word-holding passage, then check from the top down.
        ranking = keywords.top(scores, len(allowed) if quoted and allowed is not None else depth, allowed,
                               catalog.prompts)
        return allowed, with_phrases(ranking, catalog, quoted, depth), scores

    if mode == "keyword":
        return keyword_side()[1]
    assert index is not None and embedder is not None
    # The filters and BM25 run on the second core while the model encodes the query on the first.
    pending = _pool.submit(keyword_side)
    vector = embedder.encode([query])[0]
    allowed, ranking, coverage = pending.result()
    k = depth if not quoted else 4 * depth
    # Interviewers' prompts are never hits; filters already leave them out, so only the unfiltered case excludes them.
    dense = with_phrases(semantic_search(index, vector, allowed, k, headings, catalog.prompts), catalog, quoted, depth)
    if quoted and len(dense) < depth and allowed is not None and k < len(allowed):
        dense = with_phrases(semantic_search(index, vector, allowed, len(allowed), headings), catalog, quoted, depth)
    if mode != "hybrid":
        return dense
    if keywords is None or not ranking:
        return diversify(dense, catalog)
    if fusion == "rrf":
        return diversify(fuse([ranking, dense]), catalog)
    # Score every candidate of either side on both sides, so fusion compares like with like.
    candidates = np.asarray(list(dict.fromkeys([i for i, _ in dense] + [i for i, _ in ranking])), dtype=np.int64)
    fused = fuse_by_confidence(candidates, meaning(index, headings, vector, candidates),
                               keywords.score_of(coverage, candidates), max(dense[0][1], 0.0) if dense else 0.0,
                               ranking[0][1])
    return diversify(fused, catalog)


_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="insights-search")


#: Facets counted in SQL; competitors are counted by the catalog, by the definition the filter uses.
FACETS = {
    "kind": "d.kind",
    "participant": "coalesce(p.participant, d.participant)",
    "segment": "coalesce(p.segment, d.segment)",
}


def facets(db: sqlite3.Connection, catalog: Catalog, passage_ids: list[int]) -> dict[str, list[tuple[str, int]]]:
    """Count the candidates by kind, competitor, participant, segment and tag, most common first."""
    out: dict[str, list[tuple[str, int]]] = {}
    if not passage_ids:
        return {name: [] for name in ("kind", "competitor", "participant", "segment", "tag")}
    marks = ",".join("?" * len(passage_ids))
    for name, expression in FACETS.items():
        out[name] = [(r[0], r[1]) for r in db.execute(
            f"""SELECT {expression} AS value, count(*) AS n FROM passages p JOIN documents d ON d.id = p.document_id
                WHERE p.id IN ({marks}) AND value IS NOT NULL GROUP BY value ORDER BY n DESC, value""",
            passage_ids)]
    out["competitor"] = catalog.competitor_counts(np.asarray(passage_ids, dtype=np.int64))
    out["tag"] = [(r[0], r[1]) for r in db.execute(
        f"""SELECT t.tag, count(*) AS n FROM passages p JOIN tags t ON t.document_id = p.document_id
            WHERE p.id IN ({marks}) GROUP BY t.tag ORDER BY n DESC, t.tag""", passage_ids)]
    return out


def hydrate(store: Store, ranked: list[tuple[int, float]], query: str) -> list[Hit]:
    """Fetch ranked passages in one query and return them as hits in rank order, query words marked."""
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
            segment=row["segment"], competitor=row["competitor"], author=row["author"], filename=row["filename"],
            format=row["format"],
            tags=tags.get(row["document_id"], []), metadata=json.loads(row["metadata"]),
            highlights=highlight_spans(row["text"], query),
        ))
    return hits
