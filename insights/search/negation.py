"""Demote passages that deny the problem a question asks about, or praise where it asks for problems.

A question that asks for complaints, problems or pain wants the passages that state one. A passage
that only mentions the problem to deny it shares the question's words and meaning, so both sides of
hybrid search rank it high: "Hasn't heard staff complaints about the mobile app" above the staff who
complain. In the manner of NegEx (Chapman et al., 2001), a problem word is denied when a negation cue
stands a few words before it in the same clause; a passage whose every problem word is denied is the
opposite of an answer and keeps only part of its score. Praise is the near miss: "problems with
tracking emails" finds "Oh, I love them" by topic. A passage that VADER (Hutto and Gilbert, 2014)
reads as clearly positive, and that states no problem, keeps a larger part of its score.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache, lru_cache

import Stemmer
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from insights.storage.keyword import terms

#: Words that name a problem; a question holding one asks for problems (matched by their English stems).
PROBLEM_WORDS = ("complain", "complaint", "problem", "issue", "trouble", "pain", "painful", "frustrate",
                 "frustration", "annoy", "annoying", "bug", "broken", "struggle", "difficult", "difficulty", "hate",
                 "dislike", "crash", "headache", "gripe", "friction")
#: Words that deny what follows them (words ending in n't count too: hasn't, haven't, didn't, can't).
CUES = frozenset({"no", "not", "never", "none", "nothing", "without", "nor", "neither", "hardly", "barely"})
#: Sayings that there is no problem at all ("works fine"); each counts as a denied problem word.
NO_PROBLEM = re.compile(r"\b(?:works?|working|worked) (?:fine|great|well)\b", re.IGNORECASE)
#: How many words before a problem word a cue may stand (NegEx uses a window of five).
WINDOW = 5
#: What a clause ends at: a cue's scope never crosses these ("no complaints, but the logouts...").
CLAUSE = re.compile(r"[.;:!?\n]|\b(?:but|except|however|although|though|yet|beyond)\b", re.IGNORECASE)
#: The share of its score a passage keeps when it only denies the problem asked about.
DENIAL_DISCOUNT = 0.5
#: VADER's compound score from which a passage reads as praise, and the share of its score praise keeps.
PRAISE = 0.35
PRAISE_DISCOUNT = 0.85
#: How many of the best candidates are read for denials and praise (see ``demote``).
LOOK = 50

_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


@cache
def _stemmer() -> Stemmer.Stemmer:
    """Return the English Snowball stemmer, the one the keyword index stems with."""
    return Stemmer.Stemmer("english")


@cache
def _problem_stems() -> frozenset[str]:
    """Return the stems of the problem words."""
    return frozenset(_stemmer().stemWords(list(PROBLEM_WORDS)))


def asks_for_problems(query: str) -> bool:
    """Return whether a question asks for problems, complaints or pain."""
    return not _problem_stems().isdisjoint(terms(query))


def denies_problems(text: str) -> bool:
    """Return whether a passage mentions problems only to deny them."""
    denied, stated = _problem_mentions(text)
    return denied > 0 and stated == 0


def praises(text: str) -> bool:
    """Return whether a passage reads as praise and states no problem ("Oh, I love them")."""
    return _problem_mentions(text)[1] == 0 and _vader().polarity_scores(text)["compound"] >= PRAISE


def _problem_mentions(text: str) -> tuple[int, int]:
    """Return how many problem words a passage denies and how many it states."""
    denied = len(NO_PROBLEM.findall(text))
    stated = 0
    problems = _problem_stems()
    for clause in CLAUSE.split(text):
        words = [w.lower() for w in _TOKEN.findall(clause)]
        for position, stem in enumerate(_stemmer().stemWords(words)):
            if stem not in problems:
                continue
            if any(_is_cue(w) for w in words[max(0, position - WINDOW) : position]):
                denied += 1
            else:
                stated += 1
    return denied, stated


@cache
def _vader() -> SentimentIntensityAnalyzer:
    """Return VADER's analyser; it reads its lexicon once."""
    return SentimentIntensityAnalyzer()


def _is_cue(word: str) -> bool:
    """Return whether a word denies what follows it."""
    return word in CUES or word.endswith(("n't", "n’t"))


def demote(ranking: list[tuple[int, float]], query: str, texts: Mapping[int, str]) -> list[tuple[int, float]]:
    """Discount passages that deny the problem a question asks for, or praise instead; other questions keep theirs.

    Only the first ``LOOK`` candidates are read: a discount only lowers a score, so it cannot lift a passage from
    further down into the pages people read, and reading every candidate costs tens of milliseconds.
    """
    if not ranking or not asks_for_problems(query):
        return ranking
    scored = [(i, s * _discount(texts.get(i, ""))) for i, s in ranking[:LOOK]] + ranking[LOOK:]
    return sorted(scored, key=lambda item: (-item[1], item[0]))


@lru_cache(maxsize=16384)
def _discount(text: str) -> float:
    """Return the share of its score a passage keeps under a question that asks for problems."""
    if denies_problems(text):
        return DENIAL_DISCOUNT
    return PRAISE_DISCOUNT if praises(text) else 1.0
