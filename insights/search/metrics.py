"""Ranking metrics as BEIR reports them (trec_eval's definitions): nDCG@k, Recall@k, MRR@k."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence


def ndcg(ranked: Sequence[str], judged: Mapping[str, int], k: int = 10) -> float:
    """Return nDCG@k with linear gains (trec_eval's ``ndcg_cut``); 0 when nothing is relevant."""
    gains = sorted((g for g in judged.values() if g > 0), reverse=True)[:k]
    ideal = sum(g / math.log2(rank + 2) for rank, g in enumerate(gains))
    if ideal == 0:
        return 0.0
    found = sum(max(judged.get(doc, 0), 0) / math.log2(rank + 2) for rank, doc in enumerate(ranked[:k]))
    return found / ideal


def recall(ranked: Sequence[str], judged: Mapping[str, int], k: int) -> float:
    """Return the share of relevant documents (score > 0) found in the first ``k``."""
    relevant = {doc for doc, g in judged.items() if g > 0}
    if not relevant:
        return 0.0
    return len(relevant.intersection(ranked[:k])) / len(relevant)


def mrr(ranked: Sequence[str], judged: Mapping[str, int], k: int = 10) -> float:
    """Return 1 / rank of the first relevant document within ``k``, else 0."""
    for rank, doc in enumerate(ranked[:k], 1):
        if judged.get(doc, 0) > 0:
            return 1.0 / rank
    return 0.0


def scores(ranked: Sequence[str], judged: Mapping[str, int]) -> dict[str, float]:
    """Return every metric the evaluation reports for one query."""
    return {
        "ndcg@10": ndcg(ranked, judged, 10),
        "recall@10": recall(ranked, judged, 10),
        "recall@100": recall(ranked, judged, 100),
        "mrr@10": mrr(ranked, judged, 10),
    }
