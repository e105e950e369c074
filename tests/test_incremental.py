"""Writes cost what they add: indexes kept in step by each write equal a fresh build, score for score."""

from __future__ import annotations

import math
import random
from pathlib import Path

import bm25s
import numpy as np
import pytest

from insights.config import Settings
from insights.repository import Repository
from insights.storage.catalog import Catalog
from insights.storage.keyword import TIE_BREAK, KeywordIndex, terms

WORDS = ("schedule shift swap payroll export error mobile app logout onboarding checklist nurse clinic overtime "
         "rounding break rule forecast labor report calendar availability rotamate pilot clockwise").split()
QUERIES = ["shift swap", "payroll export error", "mobile app logout", "onboarding checklist nurse",
           "overtime rounding", "labor forecast report", "calendar", "unheard words entirely", "shift shift swap"]


def _corpus(rng: random.Random, count: int, start: int = 1) -> tuple[list[int], list[str], list[int]]:
    """Return passage ids, texts and source keys: runs of one to three passages share a source."""
    ids, texts, sources = [], [], []
    source = start * 10
    for number in range(start, start + count):
        if rng.random() < 0.5:
            source += 1
        ids.append(number)
        texts.append(" ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 12))))
        sources.append(source)
    return ids, texts, sources


def _reference(ids: list[int], texts: list[str], sources: list[int], query: str) -> np.ndarray:
    """Return the scores bm25s gave before segments: the precomputed-matrix build this change replaced."""

    def build(corpus: list[list[str]]) -> bm25s.BM25:
        vocab: dict[str, int] = {}
        model = bm25s.BM25(k1=0.9, b=0.4)
        model.index(bm25s.tokenization.Tokenized(ids=[[vocab.setdefault(t, len(vocab)) for t in doc]
                                                      for doc in corpus], vocab=vocab), show_progress=False)
        return model

    def cover(model: bm25s.BM25, query_terms: list[str]) -> np.ndarray:
        vocab, postings = model.vocab_dict, model.scores
        count, ideal = int(postings["num_docs"]), 0.0
        for term in query_terms:
            if term in vocab:
                token = vocab[term]
                ideal += float(postings["data"][postings["indptr"][token]: postings["indptr"][token + 1]].max())
            else:
                ideal += math.log(1 + (count + 0.5) / 0.5)
        known = [t for t in query_terms if t in vocab]
        if not known or ideal <= 0:
            return np.zeros(count, dtype=np.float32)
        return (np.asarray(model.get_scores(known), dtype=np.float32) / ideal).astype(np.float32)

    corpus = [terms(t) for t in texts]
    scores = cover(build(corpus), terms(query))
    if len(set(sources)) < len(corpus):
        _, rows = np.unique(sources, return_inverse=True)
        merged: list[list[str]] = [[] for _ in range(int(rows.max()) + 1)]
        for row, words in zip(rows.tolist(), corpus, strict=True):
            merged[row] += words
        scores = cover(build(merged), terms(query))[rows] + TIE_BREAK * scores
    return scores


def _same(index: KeywordIndex, fresh: KeywordIndex) -> None:
    """Assert two indexes hold the same passages and give the same scores and top 100 to every query."""
    assert index.ids.tolist() == fresh.ids.tolist()
    for query in QUERIES:
        assert np.array_equal(index.scores(query), fresh.scores(query)), query
        assert index.search(query, 100) == fresh.search(query, 100)
        assert index.containing_all(query).tolist() == fresh.containing_all(query).tolist()


def test_segments_score_as_bm25s_did() -> None:
    """The query-time BM25 gives bm25s's precomputed scores bit for bit, with and without merged sources."""
    ids, texts, sources = _corpus(random.Random(1), 300)
    for keys in (sources, ids):
        index = KeywordIndex(ids, texts, np.asarray(keys))
        for query in QUERIES:
            assert np.array_equal(index.scores(query), _reference(ids, texts, keys, query)), query


def test_writes_applied_in_turn_equal_a_fresh_build() -> None:
    """Adding and removing documents, with merges and compactions between, scores as building from scratch."""
    rng = random.Random(2)
    ids, texts, sources = _corpus(rng, 200)
    held = dict(zip(ids, zip(texts, sources, strict=True), strict=True))
    index = KeywordIndex(ids, texts, np.asarray(sources))
    for _ in range(40):
        removed: list[int] = []
        if rng.random() < 0.5 and held:
            source = rng.choice([s for _, s in held.values()])
            removed = [i for i, (_, s) in held.items() if s == source]
        if rng.random() < 0.1:  # a large removal, so some segment is compacted
            removed = sorted(set(removed) | set(rng.sample(sorted(held), 2 * len(held) // 3)))
            removed = [i for i in held if held[i][1] in {held[r][1] for r in removed}]
        for i in removed:
            del held[i]
        following = max(held, default=0) + 1  # SQLite reuses the largest id once it is gone
        new_ids, new_texts, new_sources = _corpus(rng, rng.randint(0, 25), following)
        following += len(new_ids)
        held.update(zip(new_ids, zip(new_texts, new_sources, strict=True), strict=True))
        index = index.changed(removed, new_ids, new_texts, np.asarray(new_sources))
        order = sorted(held)
        fresh = KeywordIndex(order, [held[i][0] for i in order], np.asarray([held[i][1] for i in order]))
        _same(index, fresh)
    assert 1 < len(index.segments) < 12


def test_removing_everything_leaves_an_empty_index() -> None:
    """An index with every passage removed scores nothing and knows no word."""
    ids, texts, sources = _corpus(random.Random(3), 20)
    index = KeywordIndex(ids, texts, np.asarray(sources)).changed(ids, [], [])
    assert len(index) == 0 and index.scores("shift").shape == (0,) and not index.holds("shift")
    assert index.search("shift", 10) == []


# -- the repository: each write brings the held indexes forward ---------------------------------------

ALIASED = "---\ntitle: PilotAI review\ncompetitor: ShiftPilot\naliases: [PilotAI]\n---\n# Pricing\n\n" \
          "PilotAI charges per location, and RotaMate per user.\n"
CALL = "Interviewer: How was the export?\nMaria: Payroll export failed with ERR-PAY-214 on RotaMate.\n" \
       "Interviewer: And swaps?\nMaria: Shift swap works, the calendar is slow.\n"


def _decoded(catalog: Catalog) -> dict[str, object]:
    """Return a catalog's fields as values, not codes: codes are numbered in the order values were first met."""
    fields: dict[str, object] = {}
    for name, (vocabulary, codes) in catalog.codes.items():
        names = {code: value for value, code in vocabulary.items()}
        fields[name] = [names.get(int(c)) for c in codes]
    _, first, sources = np.unique(catalog.sources, return_index=True, return_inverse=True)
    fields["sources"] = np.argsort(np.argsort(first))[sources].tolist()  # the partition, numbered in id order
    fields["mentions"] = {n: catalog.about([n]).tolist() for n in catalog.competitors}
    fields["tags"] = {t: sorted(d) for t, d in catalog.tags.items()}
    for name in ("ids", "documents", "dates", "is_prompt", "collections", "prompts"):
        fields[name] = getattr(catalog, name).tolist()
    return {**fields, "texts": catalog.texts, "competitors": catalog.competitors}


def _in_step(repo: Repository) -> None:
    """Assert the indexes the writes brought forward equal ones built afresh from the database."""
    catalog = Catalog(repo.store.db)
    assert _decoded(repo.catalog()) == _decoded(catalog)
    ids, texts = repo.store.passage_texts(with_titles=True)
    _same(repo.keywords(), KeywordIndex(ids, texts, catalog.sources))
    held, fresh = repo.headings(), type(repo.headings())(repo.store.db)
    vector = np.ones(fresh.matrix.shape[1], dtype=np.float32) if fresh.matrix.size else np.zeros(0, np.float32)
    probe = np.asarray(ids, dtype=np.int64)
    assert np.array_equal(held.similarity(vector, probe), fresh.similarity(vector, probe))


def test_writes_bring_the_indexes_forward_without_a_rebuild(repo: Repository, notes: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Adding, updating, removing and moving documents updates the held indexes and equals a rebuild."""
    repo.ingest([notes], {"competitor": "RotaMate"})
    repo.index(), repo.keywords(), repo.catalog(), repo.headings()
    builds: list[str] = []
    for cls in (Catalog, KeywordIndex, type(repo.headings())):
        init = cls.__init__
        monkeypatch.setattr(cls, "__init__", lambda self, *a, _init=init, _name=cls.__name__, **k: (
            builds.append(_name) if a and (not isinstance(a[0], list) or a[0]) else None, _init(self, *a, **k))[1])
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "pilot.md").write_text(ALIASED, encoding="utf-8")
    (extra / "call.txt").write_text(CALL, encoding="utf-8")
    writes = [lambda: repo.ingest([extra / "pilot.md"]),  # a new competitor with an alias: matched anew
              lambda: repo.ingest([extra / "call.txt"], {"kind": "interview", "tags": ["export"]}),
              lambda: (extra / "call.txt").write_text(CALL.replace("slow", "slow and PilotAI is faster")),
              lambda: repo.ingest([extra / "call.txt"], {"kind": "interview"}),  # an update: passages replaced
              lambda: repo.collections.create("secret"),
              lambda: repo.move(next(d for d in repo.documents() if d["filename"] == "survey.csv")["id"], "secret"),
              lambda: repo.remove(next(d for d in repo.documents() if d["filename"] == "dana.md")["id"])]
    for write in writes:
        write()
        # A reader between writes, as the server has: it must find every index already in step.
        assert repo.search("payroll export", mode="keyword") is not None
        repo.keywords(), repo.catalog(), repo.headings()
    monkeypatch.undo()
    assert builds == []
    _in_step(repo)
    generation = repo.store.generation()
    assert all(at == generation for at, _ in repo.indexes._cache.values()) and len(repo.indexes._cache) == 3


def test_another_process_writing_means_a_rebuild(repo: Repository, notes: Path, tmp_path: Path) -> None:
    """A write this process did not make (another process, or one cut short) is rebuilt from the database."""
    repo.ingest([notes])
    repo.keywords(), repo.catalog()
    other = Repository(Settings(data_dir=repo.data_dir, model="hashing"))
    (tmp_path / "call.txt").write_text(CALL, encoding="utf-8")
    other.ingest([tmp_path / "call.txt"], {"kind": "interview"})
    other.close()
    assert repo.keywords().search("ERR-PAY-214", 5)
    _in_step(repo)
