"""The Repository API: ingest, incremental updates, removal, search, filters, index consistency."""

from __future__ import annotations

import fcntl
import json
import threading
from pathlib import Path

import numpy as np
import pytest

from insights.config import Settings
from insights.errors import DocumentNotFound, ModelMismatch
from insights.filters import Filters
from insights.repository import Repository
from insights.storage.embedder import HashingEmbedder
from insights.storage.vectors import MANIFEST_FILE


class CountingEmbedder(HashingEmbedder):
    """The hashing embedder, counting how many texts it was asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.texts = 0

    def encode(self, texts):
        self.texts += len(texts)
        return super().encode(texts)


def assert_consistent(repo: Repository) -> None:
    """Every passage is an exact span of its document, with one vector and one index entry."""
    counts = repo.store.counts()
    assert counts["passages"] == counts["vectors"] == len(repo.index())
    assert len(repo.keywords()) == counts["passages"]
    for summary in repo.documents():
        doc = repo.document(summary["id"])
        assert doc["passages"], f"document {doc['id']} has no passages"
        for p in doc["passages"]:
            assert doc["text"][p["char_start"] : p["char_end"]] == p["text"]


def test_ingest_adds_documents_with_metadata_and_exact_spans(repo: Repository, notes: Path) -> None:
    report = repo.ingest([notes])
    assert (report.count("added"), report.count("unchanged"), report.failed) == (3, 0, [])
    docs = {d["filename"]: d for d in repo.documents()}
    dana = docs["dana.md"]
    assert (dana["title"], dana["kind"], dana["participant"], dana["date"]) == (
        "Interview with Dana", "interview", "P01 Dana", "2026-03-14")
    assert dana["tags"] == ["mobile", "onboarding"]
    assert docs["maria call.txt"]["kind"] == "note"
    assert docs["survey.csv"]["passages"] == 3
    assert_consistent(repo)


def test_originals_are_kept_byte_for_byte(repo: Repository, notes: Path) -> None:
    repo.ingest([notes])
    for doc in repo.documents():
        assert repo.original_path(doc["id"]).read_bytes() == (notes / doc["filename"]).read_bytes()


def test_unchanged_files_are_skipped_without_embedding(data_dir: Path, notes: Path) -> None:
    embedder = CountingEmbedder()
    repo = Repository(Settings(data_dir=data_dir, model="hashing"), embedder=embedder)
    repo.ingest([notes])
    first = embedder.texts
    headings = repo.store.db.execute("SELECT count(*) FROM headings").fetchone()[0]
    # Each passage once, each heading once, and each answer once more, read after its prompt.
    answers = repo.store.db.execute("SELECT count(*) FROM context_embeddings").fetchone()[0]
    assert answers == 2 and first == repo.store.counts()["passages"] + headings + answers
    report = repo.ingest([notes])
    assert report.count("unchanged") == 3
    assert embedder.texts == first


def test_a_changed_file_replaces_its_passages_and_vectors(repo: Repository, notes: Path) -> None:
    repo.ingest([notes])
    dana = next(d for d in repo.documents() if d["filename"] == "dana.md")
    old_ids = {p["id"] for p in repo.document(dana["id"])["passages"]}
    path = notes / "dana.md"
    path.write_text(path.read_text().replace("four days", "two whole weeks"))
    report = repo.ingest([notes])
    assert (report.count("updated"), report.count("unchanged")) == (1, 2)
    doc = repo.document(dana["id"])  # the document keeps its id
    assert "two whole weeks" in doc["text"] and "four days" not in doc["text"]
    assert not old_ids & {p["id"] for p in doc["passages"]}
    assert_consistent(repo)
    hits = repo.search("four days", mode="keyword")
    assert all("four days" not in h.text for h in hits)


def test_batch_metadata_fills_gaps_but_the_file_wins(repo: Repository, notes: Path) -> None:
    repo.ingest([notes], {"kind": "survey", "tags": ["q1-study"], "segment": "Enterprise"})
    docs = {d["filename"]: d for d in repo.documents()}
    assert docs["dana.md"]["kind"] == "interview"  # set in its front matter
    assert docs["dana.md"]["segment"] == "SMB"
    assert docs["survey.csv"]["kind"] == "survey"
    assert docs["dana.md"]["tags"] == ["mobile", "onboarding", "q1-study"]


def test_remove_deletes_document_passages_vectors_and_original(repo: Repository, notes: Path) -> None:
    repo.ingest([notes])
    doc = repo.documents()[0]
    original = repo.original_path(doc["id"])
    repo.remove(doc["id"])
    with pytest.raises(DocumentNotFound):
        repo.document(doc["id"])
    assert not original.exists()
    assert_consistent(repo)
    assert all(h.document_id != doc["id"] for h in repo.search("schedule payroll pricing", limit=50))


def test_prune_removes_documents_whose_files_are_gone(repo: Repository, notes: Path) -> None:
    repo.ingest([notes])
    (notes / "survey.csv").unlink()
    report = repo.ingest([notes], prune=True)
    assert [d["filename"] for d in report.removed] == ["survey.csv"]
    assert sorted(d["filename"] for d in repo.documents()) == ["dana.md", "maria call.txt"]


def test_hits_carry_citations_and_highlights(repo: Repository, notes: Path) -> None:
    repo.ingest([notes])
    hit = repo.search("payroll export ERR-PAY-214", mode="keyword")[0]
    assert hit.text == "The payroll export failed with ERR-PAY-214 twice last month."
    assert hit.locator == {"speaker": "Maria", "role": "participant", "prompt": "Anything else?"}
    doc = repo.document(hit.document_id)
    assert doc["text"][hit.char_start : hit.char_end] == hit.text
    marked = [hit.text[s:e] for s, e in hit.highlights]
    assert marked == ["payroll", "export", "ERR-PAY-214"]
    assert hit.snippet.startswith("The **payroll** **export** failed")


def test_csv_rows_are_cited_by_row_and_filter_by_their_own_segment(repo: Repository, notes: Path) -> None:
    repo.ingest([notes])
    hits = repo.search("pricing business", filters=Filters(segment=("mid-market",)))
    assert [h.locator for h in hits] == [{"row": 4}]
    assert hits[0].segment == "Mid-market" and hits[0].metadata["plan"] == "Team"


@pytest.mark.parametrize("mode", ["hybrid", "semantic", "keyword"])
def test_filters_apply_before_the_ranking_is_cut(repo: Repository, tmp_path: Path, mode: str) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(30):
        kind = "review" if i == 29 else "note"
        (folder / f"n{i:02}.md").write_text(f"---\nkind: {kind}\n---\nThe mobile app logs me out, note {i}.\n")
    repo.ingest([folder])
    hits = repo.search("mobile app logs me out", mode=mode, limit=3, filters=Filters(kind=("review",)))
    assert [h.title for h in hits] == ["n29"]


def test_date_and_tag_filters(repo: Repository, notes: Path) -> None:
    repo.ingest([notes])
    assert {h.title for h in repo.search("schedule", filters=Filters(date_from="2026-03-01", date_to="2026-03-14"))} \
        == {"Interview with Dana"}
    assert repo.search("schedule", filters=Filters(date_to="2026-03-13")) == []
    assert {h.title for h in repo.search("app", filters=Filters(tag=("mobile", "onboarding")))} == {
        "Interview with Dana"}
    assert repo.search("app", filters=Filters(tag=("mobile", "pricing"))) == []


def test_keyword_search_treats_query_syntax_as_text(repo: Repository, notes: Path) -> None:
    repo.ingest([notes])
    for query in ['"unbalanced', "NOT AND OR", "title:*", "NEAR(a b)", "'); DROP TABLE passages; --", "%_"]:
        repo.search(query, mode="keyword")  # must not raise
    assert repo.store.counts()["passages"] == 9


def test_quoted_phrases_must_appear_in_every_hit(repo: Repository, notes: Path) -> None:
    repo.ingest([notes])
    for mode in ("hybrid", "semantic", "keyword"):
        hits = repo.search('setup "onboarding checklist"', mode=mode)
        assert [h.text for h in hits] == ["Confusing. The onboarding checklist is buried in settings."], mode


def test_keyword_search_matches_word_forms(repo: Repository, notes: Path) -> None:
    repo.ingest([notes])
    hit = repo.search("exporting payrolls", mode="keyword")[0]
    assert hit.text.startswith("The payroll export failed")
    assert [hit.text[s:e] for s, e in hit.highlights] == ["payroll", "export"]


def test_a_repository_refuses_another_model(data_dir: Path, notes: Path) -> None:
    Repository(Settings(data_dir=data_dir, model="hashing")).ingest([notes])
    other = Repository(Settings(data_dir=data_dir, model="hashing"), embedder=_NamedEmbedder("other-model"))
    with pytest.raises(ModelMismatch, match="reindex --re-embed"):
        other.search("payroll")
    with pytest.raises(ModelMismatch):
        other.ingest([notes])
    other.reindex(re_embed=True)
    assert other.stats()["model"] == "other-model"
    assert other.search("payroll export")[0].text.startswith("The payroll export")


class _NamedEmbedder(HashingEmbedder):
    def __init__(self, name: str) -> None:
        super().__init__(dimension=64)
        self.name = name


def test_an_index_that_disagrees_with_the_database_is_rebuilt(data_dir: Path, notes: Path) -> None:
    repo = Repository(Settings(data_dir=data_dir, model="hashing"))
    repo.ingest([notes])
    expected = [h.passage_id for h in repo.search("onboarding checklist", mode="semantic")]
    manifest = json.loads((data_dir / MANIFEST_FILE).read_text())
    (data_dir / MANIFEST_FILE).write_text(json.dumps({**manifest, "generation": 0}))
    reopened = Repository(Settings(data_dir=data_dir, model="hashing"))
    assert [h.passage_id for h in reopened.search("onboarding checklist", mode="semantic")] == expected
    assert json.loads((data_dir / MANIFEST_FILE).read_text())["generation"] == manifest["generation"]
    (data_dir / json.loads((data_dir / MANIFEST_FILE).read_text())["base"]).write_bytes(b"garbage")
    again = Repository(Settings(data_dir=data_dir, model="hashing"))
    assert [h.passage_id for h in again.search("onboarding checklist", mode="semantic")] == expected


def test_reindex_rebuilds_from_stored_vectors(repo: Repository, notes: Path) -> None:
    repo.ingest([notes])
    ids, before = repo.store.search_vectors()  # an answer is indexed read after its prompt
    (repo.data_dir / json.loads((repo.data_dir / MANIFEST_FILE).read_text())["base"]).unlink()
    stats = repo.reindex()
    assert stats["indexed"] == len(ids)
    rebuilt = np.stack([repo.index().index.reconstruct(int(i)) for i in ids])
    assert np.allclose(rebuilt, before, atol=1e-3)  # the index holds float16 copies


def test_a_second_process_sees_new_documents(data_dir: Path, notes: Path, tmp_path: Path) -> None:
    reader = Repository(Settings(data_dir=data_dir, model="hashing"))
    writer = Repository(Settings(data_dir=data_dir, model="hashing"))
    writer.ingest([notes / "dana.md"])
    assert len(reader.search("payroll export", mode="semantic")) == 2
    writer.ingest([notes])
    assert reader.search("payroll export", mode="semantic", limit=1)[0].text.startswith("The payroll export")


@pytest.mark.parametrize("mode", ["hybrid", "semantic", "keyword"])
def test_a_quoted_phrase_finds_every_passage_holding_it_and_no_other(repo: Repository, tmp_path: Path,
                                                                     mode: str) -> None:
    folder = tmp_path / "phrases"
    folder.mkdir()
    for i in range(40):
        # Every note holds the words; only every fourth holds them as the phrase.
        words = "the schedule view on mobile" if i % 4 else "the mobile schedule view"
        (folder / f"n{i:02}.md").write_text(f"Note {i}: {words} was slow for the team.\n")
    repo.ingest([folder])
    hits = repo.search('"mobile schedule view"', mode=mode, limit=50)
    assert sorted(h.title for h in hits) == [f"n{i:02}" for i in range(0, 40, 4)]


def test_a_reader_never_waits_for_a_writer(data_dir: Path, notes: Path) -> None:
    Repository(Settings(data_dir=data_dir, model="hashing")).ingest([notes])
    manifest = json.loads((data_dir / MANIFEST_FILE).read_text())
    (data_dir / MANIFEST_FILE).write_text(json.dumps({**manifest, "generation": 0}))  # the saved index is stale
    answers: list = []
    with open(data_dir / "write.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a long ingest in another process holds the write lock
        reader = threading.Thread(target=lambda: answers.append(
            Repository(Settings(data_dir=data_dir, model="hashing")).search("payroll export", mode="semantic")))
        reader.start()
        reader.join(20)
        assert not reader.is_alive(), "the reader waited for the writer"
    assert answers[0][0].text.startswith("The payroll export")
