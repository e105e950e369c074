"""The competitor view: what customers say about each competitor, what our analyses say, and side by side."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from insights.errors import InsightsError, NotFound
from insights.filters import Filters
from insights.search import engine as searching
from insights.search.engine import Hit
from insights.synthesis import themes as theming

if TYPE_CHECKING:
    from insights.repository import Repository
    from insights.restricted import Reader

#: The name that stands for our own product in a comparison.
US = "us"
#: Our own write-ups about competitors.
ANALYSIS = "competitor-analysis"
#: Kinds that carry what customers and prospects say (personas and notes are our synthesis, not their words).
CUSTOMER_KINDS = ("interview", "usability-test", "survey", "support-ticket", "review", "sales-call")
#: Quotes per side of a comparison, and how many of a side's best candidates its themes group.
COMPARE_QUOTES, COMPARE_DEPTH = 8, 60


@dataclass(frozen=True)
class CompetitorView:
    """One competitor: themes in what customers say about it, and in what our analyses say."""

    name: str
    customers: theming.ThemeReport
    analyses: theming.ThemeReport

    def to_dict(self) -> dict[str, Any]:
        """Return the view as JSON."""
        return {"name": self.name, "customers": self.customers.to_dict(), "analyses": self.analyses.to_dict()}


@dataclass(frozen=True)
class Side:
    """One side of a comparison: the best quotes answering the question, and their themes."""

    name: str
    passages: int
    hits: list[Hit]
    themes: theming.ThemeReport

    def to_dict(self) -> dict[str, Any]:
        """Return the side as JSON."""
        return {"name": self.name, "passages": self.passages, "hits": [h.to_dict() for h in self.hits],
                "themes": [t.to_dict() for t in self.themes.themes]}


@dataclass(frozen=True)
class Comparison:
    """Two competitors (or us and one) on one question."""

    query: str
    left: Side
    right: Side

    def to_dict(self) -> dict[str, Any]:
        """Return the comparison as JSON."""
        return {"query": self.query, "left": self.left.to_dict(), "right": self.right.to_dict()}


class Mentions:
    """Which passages are about which competitor, as the search filter and its facet count them."""

    def __init__(self, repo: Repository, reader: Reader | None = None) -> None:
        self.catalog = repo.catalog()
        #: Restricted collections the reader may not see: their passages, and names only they mention, are left out.
        self.hidden = repo.seen(None, reader).hidden
        self.names = self.catalog.competitors_seen(self.hidden)

    def canonical(self, name: str) -> str:
        """Return a competitor's name as stored, or ``us``.

        :raises NotFound: for a name no passage is about.
        """
        if name.strip().lower() == US:
            return US
        known = self.catalog.mentions.canonical(name)
        if known is None or known not in self.names:
            raise NotFound(f"unknown competitor {name!r}; known: {', '.join(self.names) or 'none yet'} (or {US!r})")
        return known

    def passages(self, name: str, kinds: tuple[str, ...] = ()) -> list[int]:
        """Return the passages about a competitor (or, for ``us``, customers' passages about none), of some kinds."""
        if name == US:
            customers = self.catalog.allowed(Filters(kind=kinds or CUSTOMER_KINDS, hidden=self.hidden))
            return np.setdiff1d(customers, self.catalog.about(self.catalog.competitors), assume_unique=True).tolist()
        return self.catalog.allowed(Filters(competitor=(name,), kind=kinds, hidden=self.hidden)).tolist()


def overview(repo: Repository, reader: Reader | None = None) -> list[dict[str, Any]]:
    """Return each competitor the reader may see, with how many passages of customers and of analyses are about it."""
    mentions = Mentions(repo, reader)
    return [{"name": n, "customer_passages": len(mentions.passages(n, CUSTOMER_KINDS)),
             "analysis_passages": len(mentions.passages(n, (ANALYSIS,)))} for n in mentions.names]


def view(repo: Repository, name: str, quotes: int = theming.QUOTES, reader: Reader | None = None) -> CompetitorView:
    """Return the themes in what customers say about a competitor beside those in our analyses of it.

    :raises NotFound: for an unknown competitor.
    """
    mentions = Mentions(repo, reader)
    name = mentions.canonical(name)
    if name == US:
        raise InsightsError(f"{US!r} is our own product; pick a competitor: {', '.join(mentions.names)}")
    # Every theme of its view is about the competitor: its name would only crowd the labels.
    own_name = frozenset(name.lower().split())
    customers = theming.build(repo.store, mentions.passages(name, CUSTOMER_KINDS), quotes=quotes,
                              unlabelled=own_name)
    analyses = theming.build(repo.store, mentions.passages(name, (ANALYSIS,)), quotes=quotes, unlabelled=own_name)
    return CompetitorView(name, customers, analyses)


def compare(repo: Repository, query: str, left: str, right: str, quotes: int = COMPARE_QUOTES,
            reader: Reader | None = None) -> Comparison:
    """Return the best quotes and themes answering ``query`` about two competitors, or ``us`` and one.

    :raises NotFound: for an unknown competitor.
    """
    if not query.strip():
        raise InsightsError("the question is empty")
    mentions = Mentions(repo, reader)
    left, right = mentions.canonical(left), mentions.canonical(right)
    if left == right:
        raise InsightsError(f"compare two different sides, not {left!r} with itself")
    return Comparison(query, _side(repo, mentions, query, left, quotes), _side(repo, mentions, query, right, quotes))


def _side(repo: Repository, mentions: Mentions, query: str, name: str, quotes: int) -> Side:
    """Rank one side's passages for the question; return its best quotes and the themes among its candidates."""
    allowed = np.asarray(mentions.passages(name), dtype=np.int64)
    ranked = rank_within(repo, query, allowed, COMPARE_DEPTH, mentions.hidden)
    hits = searching.hydrate(repo.store, ranked[:quotes], query)
    themes = theming.build(repo.store, [i for i, _ in ranked], query=query)
    return Side(name, len(allowed), hits, themes)


def rank_within(repo: Repository, query: str, allowed: np.ndarray, depth: int,
                hidden: tuple[int, ...] = ()) -> list[tuple[int, float]]:
    """Rank only the allowed passages for a question, meaning and exact words fused (as hybrid search does)."""
    if not len(allowed):
        return []
    # The hidden collections again, though ``allowed`` already leaves them out: ranking is where they must not enter.
    return repo.rank(query, "hybrid", Filters(hidden=hidden), depth, within=allowed)[:depth]
