"""Themes: group passages by meaning, name each group, and count the people and documents behind it."""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform

from ingest.speakers import INTERVIEWER
from insights.errors import NotFound
from insights.filters import Filters
from insights.search.engine import Hit, hydrate
from insights.storage.store import Store
from insights.synthesis import labels

#: Average-linkage cosine distance at which groups stop merging; measured on the demo by bench/theme_quality.py.
DISTANCE = 0.72
#: A finer cut for a small scope (under SMALL_SCOPE quotes), so a competitor's few passages still split by topic.
DISTANCE_SMALL = 0.65
#: Cosine similarity from which two passages are copies of one quote (a pasted ticket, a repeated answer).
DUPLICATE = 0.95
#: Passages shorter than this many words say too little to join a theme ("Nothing to add.", "Mm-hm.").
MIN_WORDS = 5
#: The fewest distinct quotes that make a theme, and the fewest in a small scope (under SMALL_SCOPE quotes).
MIN_QUOTES, MIN_QUOTES_SMALL, SMALL_SCOPE = 4, 3, 100
#: How many scopes' themes are kept in memory (per database generation) for drilling into one theme.
CACHED = 8
#: How many of a question's best candidates are grouped into themes.
DEPTH = 200
#: Representative quotes shown per theme.
QUOTES = 3
_NON_WORD = re.compile(r"\W+")


@dataclass(frozen=True)
class Evidence:
    """How strong a theme is: distinct people and documents, not raw passage counts."""

    passages: int
    quotes: int
    documents: int
    participants: int
    kinds: dict[str, int]
    segments: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        """Return the counts for JSON."""
        return {"passages": self.passages, "quotes": self.quotes, "documents": self.documents,
                "participants": self.participants, "kinds": self.kinds, "segments": self.segments}


@dataclass(frozen=True)
class Quote:
    """A verbatim passage of a theme, standing for ``copies`` near-identical passages."""

    hit: Hit
    copies: int = 1

    def to_dict(self) -> dict[str, Any]:
        """Return the passage's JSON with the number of copies it stands for."""
        return {**self.hit.to_dict(), "copies": self.copies}


@dataclass(frozen=True)
class Theme:
    """A group of passages about one thing, with a readable label, evidence and its best quotes."""

    id: int
    label: str
    terms: list[str]
    evidence: Evidence
    quotes: list[Quote]
    passage_ids: list[int] = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Return the theme as the JSON of ``themes --json`` and the API."""
        return {"id": self.id, "label": self.label, "terms": self.terms, "evidence": self.evidence.to_dict(),
                "quotes": [q.to_dict() for q in self.quotes], "passage_ids": self.passage_ids}


@dataclass(frozen=True)
class ThemeReport:
    """The themes of one scope: a question and/or filters."""

    query: str
    filters: Filters
    passages: int
    unthemed: int
    themes: list[Theme]

    def to_dict(self) -> dict[str, Any]:
        """Return the report as JSON."""
        return {"query": self.query, "filters": self.filters.to_dict(), "passages": self.passages,
                "unthemed": self.unthemed, "themes": [t.to_dict() for t in self.themes]}

    def theme(self, theme_id: int) -> Theme:
        """Return one theme by its number.

        :raises NotFound: when this scope has no theme with that number.
        """
        for theme in self.themes:
            if theme.id == theme_id:
                return theme
        raise NotFound(f"no theme {theme_id} in this scope; it has {len(self.themes)} themes")


@dataclass(frozen=True)
class _Passage:
    """What evidence counting needs to know about one passage."""

    id: int
    document_id: int
    kind: str
    participant: str | None
    segment: str | None
    record: str | None
    text: str
    speaker: str | None = None
    #: Whether the speaker is the interviewer: their questions are prompts, not evidence.
    prompt: bool = False

    @property
    def voice(self) -> str:
        """Return who said it: the participant or speaker, else the record (row, line), else the document."""
        if self.participant or self.speaker:
            return "participant:" + " ".join((self.participant or self.speaker or "").lower().split())
        if self.record:
            return f"record:{self.document_id}:{self.record}"
        return f"document:{self.document_id}"


@dataclass
class _Group:
    """A theme before it is numbered: its quotes (copy groups), most representative first."""

    quotes: list[list[int]]
    similarity: list[float]
    label: str = ""
    terms: list[str] = field(default_factory=list)
    evidence: Evidence | None = None


def build(store: Store, passage_ids: Sequence[int], query: str = "", filters: Filters | None = None,
          quotes: int = QUOTES, all_quotes_of: int | None = None, unlabelled: frozenset[str] = frozenset()
          ) -> ThemeReport:
    """Group the given passages into themes sorted by evidence; deterministic for the same data.

    Each theme shows its ``quotes`` most representative quotes; theme ``all_quotes_of`` shows every one.
    Words in ``unlabelled`` (a competitor's name in its own view) never appear in labels.
    """
    ids = sorted({int(i) for i in passage_ids})
    passages, groups, unthemed = _analysed(store, ids, unlabelled)
    themes = []
    for number, group in enumerate(groups, 1):
        shown = len(group.quotes) if number == all_quotes_of else quotes
        themes.append(_theme(store, passages, group, number, shown, query))
    return ThemeReport(query, filters or Filters(), len(ids), unthemed, themes)


def _analysed(store: Store, ids: list[int], unlabelled: frozenset[str]) -> tuple[list[_Passage], list[_Group], int]:
    """Return a scope's passages, its named groups sorted by evidence, and how many passages are in none.

    The last few results are kept per database generation, so opening one theme after the list costs
    only fetching its quotes.
    """
    with store.snapshot():
        key = (str(store.path), store.generation(), tuple(ids), unlabelled)
        with _cache_lock:
            if key in _cache:
                _cache.move_to_end(key)
                return _cache[key]
        passages = _load(store, ids)
        groups, unthemed = _group(store, passages)
    for group in groups:
        group.evidence = _evidence(passages, group.quotes)
    _name(passages, groups, unlabelled)
    groups.sort(key=lambda g: (-g.evidence.participants, -g.evidence.documents,  # type: ignore[union-attr]
                               -g.evidence.quotes, g.label, passages[g.quotes[0][0]].id))  # type: ignore[union-attr]
    with _cache_lock:
        _cache[key] = (passages, groups, unthemed)
        while len(_cache) > CACHED:
            _cache.popitem(last=False)
    return passages, groups, unthemed


_cache: OrderedDict[tuple[Any, ...], tuple[list[_Passage], list[_Group], int]] = OrderedDict()
_cache_lock = threading.Lock()


def forget() -> None:
    """Drop the kept themes of every scope (a benchmark times the work, not the memory)."""
    with _cache_lock:
        _cache.clear()


def _load(store: Store, ids: list[int]) -> list[_Passage]:
    """Read the fields evidence needs for each passage, in id order."""
    rows: dict[int, _Passage] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for row in store.db.execute(
            f"""SELECT p.id, p.document_id, d.kind, coalesce(p.participant, d.participant),
                       coalesce(p.segment, d.segment), p.locator, p.text
                FROM passages p JOIN documents d ON d.id = p.document_id WHERE p.id IN ({marks})""", chunk):
            locator = json.loads(row[5])
            record = locator.get("row") or locator.get("line")
            speaker = locator.get("speaker")
            rows[row[0]] = _Passage(row[0], row[1], row[2], row[3], row[4],
                                    None if record is None else str(record), row[6],
                                    str(speaker) if speaker else None, locator.get("role") == INTERVIEWER)
    return [rows[i] for i in ids if i in rows]


def _group(store: Store, passages: list[_Passage]) -> tuple[list[_Group], int]:
    """Collapse copies, cluster the remaining quotes by meaning, keep groups big enough to be themes.

    Interviewers' prompts are clustered with the answers they lead to (they carry the topic), but they are
    neither counted nor quoted as evidence.
    """
    eligible = [i for i, p in enumerate(passages) if len(p.text.split()) >= MIN_WORDS]
    if len(eligible) < 2:
        return [], len(passages)
    found, stored = store.vectors([passages[i].id for i in eligible])  # stored vectors: never re-embedded
    row = {int(passage_id): k for k, passage_id in enumerate(found)}
    eligible = [i for i in eligible if passages[i].id in row]  # a passage without a vector joins no theme
    if len(eligible) < 2:
        return [], len(passages)
    vectors = stored[[row[passages[i].id] for i in eligible]]  # in passage order, whatever order SQLite used
    similarity = vectors @ vectors.T
    copies = _copies([passages[i].text for i in eligible], similarity)
    heads = sorted(copies)
    members = {head: [eligible[k] for k in copies[head]] for head in heads}
    small = len(heads) < SMALL_SCOPE
    if len(heads) < len(eligible):
        similarity = similarity.take(heads, axis=0).take(heads, axis=1)
    clusters = _cluster(similarity, DISTANCE_SMALL if small else DISTANCE)
    minimum = MIN_QUOTES_SMALL if small else MIN_QUOTES
    groups = []
    for cluster in sorted(set(clusters.tolist())):
        at = [k for k in np.flatnonzero(clusters == cluster).tolist() if not passages[eligible[heads[k]]].prompt]
        if len(at) < minimum:
            continue
        block = vectors[[heads[k] for k in at]]
        centroid = block.mean(axis=0)
        centroid /= np.linalg.norm(centroid) or 1.0
        scores = block @ centroid
        order = sorted(range(len(at)), key=lambda k: (-round(float(scores[k]), 6), heads[at[k]]))
        groups.append(_Group(quotes=[members[heads[at[k]]] for k in order],
                             similarity=[float(scores[k]) for k in order]))
    themed = sum(len(q) for g in groups for q in g.quotes)
    return groups, len(passages) - themed


def _copies(texts: list[str], similarity: np.ndarray) -> dict[int, list[int]]:
    """Return copy groups of near-identical passages, keyed by their first member (identical text or cosine)."""
    parent = list(range(len(texts)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        a, b = find(i), find(j)
        if a != b:
            parent[max(a, b)] = min(a, b)

    first: dict[str, int] = {}
    for i, text in enumerate(texts):
        union(first.setdefault(_NON_WORD.sub(" ", text.lower()).strip(), i), i)
    for i, j in zip(*np.nonzero(similarity >= DUPLICATE), strict=True):
        if i < j:
            union(int(i), int(j))
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(texts)):
        groups[find(i)].append(i)
    return groups


def _cluster(similarity: np.ndarray, cut: float) -> np.ndarray:
    """Cluster by average linkage on cosine distance, cut at ``cut``; return a label per row."""
    if len(similarity) < 2:
        return np.ones(len(similarity), dtype=np.int32)
    # Condense in float32 and widen only the upper triangle: half the memory traffic of widening first.
    condensed = squareform(similarity, checks=False).astype(np.float64)
    np.subtract(1.0, condensed, out=condensed)
    np.clip(condensed, 0.0, 2.0, out=condensed)
    return fcluster(linkage(condensed, method="average"), cut, criterion="distance")


def _evidence(passages: list[_Passage], quotes: list[list[int]]) -> Evidence:
    """Count passages, distinct quotes, documents and people; copies without distinct names count once."""
    voices: set[str] = set()
    kinds: dict[str, set[str]] = defaultdict(set)
    segments: dict[str, set[str]] = defaultdict(set)
    documents: set[int] = set()
    for copies in quotes:
        named = {passages[i].voice for i in copies if passages[i].participant}
        said = named or {passages[copies[0]].voice}
        voices |= said
        for i in copies:
            documents.add(passages[i].document_id)
        head = passages[copies[0]]
        kinds[head.kind] |= said
        if head.segment:
            segments[head.segment] |= said
    return Evidence(
        passages=sum(len(c) for c in quotes), quotes=len(quotes), documents=len(documents),
        participants=len(voices), kinds=_counts(kinds), segments=_counts(segments),
    )


def _counts(sets: dict[str, set[str]]) -> dict[str, int]:
    """Return set sizes, largest first, then by name."""
    return dict(sorted(((k, len(v)) for k, v in sets.items()), key=lambda kv: (-kv[1], kv[0])))


def _name(passages: list[_Passage], groups: list[_Group], unlabelled: frozenset[str]) -> None:
    """Label each group with the words and word pairs that set it apart from the rest of the scope."""
    heads = [[copies[0] for copies in group.quotes] for group in groups]
    named = labels.distinctive_terms([p.text for p in passages], heads, unlabelled=unlabelled)
    for group, terms in zip(groups, named, strict=True):
        group.terms = terms
        group.label = " · ".join(terms) or " ".join(passages[group.quotes[0][0]].text.split()[:8])


def _theme(store: Store, passages: list[_Passage], group: _Group, number: int, shown: int, query: str) -> Theme:
    """Number a group and fetch its most representative quotes, preferring different people."""
    picked: list[int] = []
    said: set[str] = set()
    for k, copies in enumerate(group.quotes):
        if len(picked) < shown and passages[copies[0]].voice not in said:
            picked.append(k)
            said.add(passages[copies[0]].voice)
    picked += [k for k in range(len(group.quotes)) if k not in picked][: max(0, shown - len(picked))]
    picked.sort()
    ranked = [(passages[group.quotes[k][0]].id, group.similarity[k]) for k in picked]
    hits = {h.passage_id: h for h in hydrate(store, ranked, " ".join([query, *group.terms]))}
    quotes = [Quote(hits[pid], len(group.quotes[k])) for k, (pid, _) in zip(picked, ranked, strict=True)
              if pid in hits]
    assert group.evidence is not None
    return Theme(id=number, label=group.label, terms=group.terms, evidence=group.evidence, quotes=quotes,
                 passage_ids=[passages[i].id for copies in group.quotes for i in copies])
