"""Whether anything answers a question well: gibberish, an off-topic question or one in another language does not."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

import numpy as np

from insights.storage.headings import Headings
from insights.storage.keyword import KeywordIndex, terms
from insights.storage.vectors import VectorIndex

#: Candidates whose scores are read: the best of either side is among the first of the fused ranking.
CANDIDATES = 100
#: The bar for the mean of the best cosine and the best keyword coverage among the candidates. With
#: all-MiniLM-L6-v2 an unrelated passage sits near cosine 0.1-0.3 and the best of a thousand near 0.3-0.4,
#: with few of the question's words; a real question finds a passage near 0.45+ that holds many of them.
#: On the demo the 52 golden questions score 0.40 and up, the 40 off-topic ones 0.30 and below.
BAR = 0.33
#: A question is in the repository's own words when some passage holds more than this share of its
#: content words; such a question is never weak, however spread its answer (a claim whose rare terms
#: sit in different passages, or one term the corpus spells otherwise). Golden questions know 0.87 and
#: up of theirs, off-topic ones 0.62 and below but one (0.75); claims of a scientific corpus often three of four.
KNOWN_BAR = 2 / 3
#: With words alone (keyword mode) coverage is the only signal: golden 0.26 and up, off-topic 0.29 and below,
#: so here the share of known words does most of the work.
KEYWORD_BAR = 0.27
#: The languages whose stopwords tell a question in them from one in English (bm25s ships the lists).
LANGUAGES = ("SPANISH", "FRENCH", "GERMAN", "ITALIAN", "PORTUGUESE", "DUTCH", "DANISH", "SWEDISH", "NORWEGIAN",
             "TURKISH", "RUSSIAN")


@dataclass(frozen=True)
class Match:
    """How well the best candidates answer a question, and why it is weak when it is."""

    weak: bool
    #: The mean of the two sides' best scores (or coverage alone, by words only), 0..1.
    strength: float
    #: The best cosine similarity among the candidates (None when ranked by words only).
    meaning: float | None
    #: The best share of the question's rarity-weighted words a candidate holds.
    words: float
    #: The question reads as another language than English, which the model reads.
    foreign: bool


def assess(query: str, candidates: np.ndarray, keywords: KeywordIndex, index: VectorIndex | None = None,
           headings: Headings | None = None, vector: np.ndarray | None = None) -> Match:
    """Judge the best of ``candidates`` (passage ids, best first) for ``query``; meaning counts when given a vector."""
    foreign = looks_foreign(query)
    if not terms(query) or not len(candidates):  # a stop word, emoji or punctuation: nothing to match on
        return Match(True, 0.0, None, 0.0, foreign)
    ids = np.asarray(candidates[:CANDIDATES], dtype=np.int64)
    words = float(keywords.score_of(keywords.scores(query), ids).max(initial=0.0))
    unknown = known_share(query, keywords) < KNOWN_BAR
    if index is None or vector is None:
        return Match(unknown and words < KEYWORD_BAR, round(words, 4), None, round(words, 4), foreign)
    own = index.similarity(vector, ids)
    best = float((own if headings is None else np.maximum(own, headings.similarity(vector, ids))).max())
    strength = (max(best, 0.0) + words) / 2
    return Match(unknown and strength < BAR, round(strength, 4), round(best, 4), round(words, 4), foreign)


def known_share(query: str, keywords: KeywordIndex) -> float:
    """Return the share of the question's content words that some passage of the repository holds."""
    wanted = terms(query)
    return sum(keywords.holds(term) for term in wanted) / len(wanted) if wanted else 0.0


def looks_foreign(query: str) -> bool:
    """Return whether a question reads as another language: mostly non-Latin letters, or another's stopwords."""
    letters = [c for c in query if c.isalpha()]
    if not letters:
        return False
    latin = sum(unicodedata.name(c, "").startswith("LATIN") for c in letters)
    if latin < len(letters) / 2:
        return True
    words = re.findall(r"\w+", query.lower())
    english = sum(w in _stopwords("EN_PLUS") for w in words)
    return any(sum(w in _stopwords(name) for w in words) > max(english, 1) for name in LANGUAGES)


@cache
def _stopwords(language: str) -> frozenset[str]:
    """Return bm25s's stopword list for a language."""
    from bm25s import stopwords

    return frozenset(getattr(stopwords, f"STOPWORDS_{language}"))


def notice(match: Match) -> str:
    """Say in one sentence that nothing answers the question well, and why when the language is the likely cause."""
    if match.foreign:
        return ("Nothing matches this question well — it looks like another language, and the model reads English; "
                "try asking in English.")
    return ("Nothing matches this question well — the closest passages share little of its meaning or its words; "
            "try other words, or check the spelling.")
