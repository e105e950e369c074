"""Ranking mechanisms that the public collections measure: headings, source context, fusion on own scales."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from insights.repository import Repository
from insights.search.engine import fuse_by_confidence

FILLER = " ".join(f"filler{n}" for n in range(60))


def records(tmp_path: Path, rows: list[dict[str, str]]) -> Path:
    """Write rows as a JSON Lines file and return its path."""
    path = tmp_path / "records.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def record_of(repo: Repository, passage_id: int) -> str:
    """Return the ``_id`` of the record a passage came from."""
    row = repo.store.db.execute("SELECT json_extract(metadata, '$._id') FROM passages WHERE id = ?",
                                (passage_id,)).fetchone()
    return str(row[0])


def test_every_passage_of_a_record_scores_by_its_heading_too(repo: Repository, tmp_path: Path) -> None:
    # The answer runs to two passages; only the first holds the question it answers.
    answer = f"First part. {FILLER}\n\nSecond part, about something else entirely. {FILLER}"
    repo.ingest([records(tmp_path, [{"_id": "faq", "title": "how do I reset my password", "text": answer},
                                    {"_id": "other", "title": "billing", "text": "Invoices arrive monthly."}])])
    passages = [p for p, _ in repo.rank("how do I reset my password", "semantic")]
    ours = [p for p in passages if record_of(repo, p) == "faq"]
    assert len(ours) == 2 and passages[:2] == sorted(ours, key=passages.index)
    scores = dict(repo.rank("how do I reset my password", "semantic"))
    # The hashing embedder gives the heading's own text a cosine of 1 with itself.
    assert all(scores[p] > 0.99 for p in ours)
    assert len(repo.headings()) == len(repo.keywords())


def test_headings_are_embedded_for_a_repository_made_before_them(repo: Repository, tmp_path: Path) -> None:
    repo.ingest([records(tmp_path, [{"_id": "a", "title": "door codes", "text": "Codes change weekly."}])])
    repo.store.db.execute("DELETE FROM headings")
    repo.reindex()
    assert repo.store.db.execute("SELECT text FROM headings").fetchall()[0][0] == "door codes"


def test_a_passage_is_scored_by_its_sources_words_too(repo: Repository, tmp_path: Path) -> None:
    # "zebra" is in the first passage of a long record and "quokka" in its second; two records as
    # long as one of its passages each hold one of the words. The long record holds both, so it ranks first.
    long = f"The zebra study. {FILLER}\n\nThen the quokka results. {FILLER}"
    # Listed last, so its passages lose every tie.
    repo.ingest([records(tmp_path, [{"_id": "zebra", "text": f"The zebra study. {FILLER}"},
                                    {"_id": "quokka", "text": f"Then the quokka results. {FILLER}"},
                                    {"_id": "both", "text": long}])])
    ranked = repo.rank("zebra quokka", "keyword")
    assert record_of(repo, ranked[0][0]) == "both"
    assert all(0 <= score <= 1 for _, score in ranked)


def test_fusion_does_not_stretch_a_near_tie_into_a_full_vote() -> None:
    # Meaning barely prefers passage 1; words clearly prefer passage 2. Min-max rescaling made
    # meaning's 0.01 lead as large as words' 0.5 one; on their own scales, words decide.
    fused = fuse_by_confidence(np.asarray([1, 2]), np.asarray([0.80, 0.79]), np.asarray([0.10, 0.60]), 0.80, 0.60)
    assert [passage for passage, _ in fused] == [2, 1]
