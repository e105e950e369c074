"""Saved insights through the library: evidence that stays exact, or says it no longer is."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from insights.config import Settings
from insights.errors import InsightNotFound, InsightsError
from insights.repository import Repository
from insights.saved.collection import EvidenceSource
from insights.saved.writeup import to_markdown

SENTENCE = "The app keeps logging me out every morning, so I sign in again before each shift."
#: The whole passage: the heading and the paragraph under it.
QUOTE = "Mobile\n\n" + SENTENCE


def passage_with(repo: Repository, words: str) -> dict:
    """Return the first passage (of any document) whose text holds ``words``."""
    for doc in repo.documents():
        for passage in repo.document(doc["id"])["passages"]:
            if words in passage["text"]:
                return passage
    raise AssertionError(f"no passage holds {words!r}")


@pytest.fixture
def dana(repo: Repository, notes: Path) -> Path:
    """Ingest the sample notes; return the path of Dana's interview."""
    repo.ingest([notes])
    return notes / "dana.md"


def test_evidence_from_a_passage_keeps_the_verbatim_quote_and_its_citation(repo: Repository, dana: Path) -> None:
    passage = passage_with(repo, "logging me out")
    insight = repo.saved.create("Mobile sessions expire", "People sign in before every shift.",
                                [EvidenceSource(passage_id=passage["id"])])
    [evidence] = insight.evidence
    assert evidence.quote == QUOTE
    assert evidence.status == "ok"
    assert evidence.citation == "Interview with Dana · interview · P01 Dana · heading Onboarding > Mobile · 2026-03-14"
    assert repo.document(evidence.document_id)["text"][evidence.char_start:evidence.char_end] == QUOTE


def test_an_excerpt_of_a_passage_is_saved_exactly(repo: Repository, dana: Path) -> None:
    passage = passage_with(repo, "logging me out")
    insight = repo.saved.create("Sessions", evidence=[EvidenceSource(passage_id=passage["id"],
                                                                     quote="logging me out every morning")])
    evidence = insight.evidence[0]
    assert evidence.quote == "logging me out every morning"
    assert repo.document(evidence.document_id)["text"][evidence.char_start:evidence.char_end] == evidence.quote
    with pytest.raises(InsightsError, match="does not contain that exact quote"):
        repo.saved.add_evidence(insight.id, EvidenceSource(passage_id=passage["id"], quote="logging you out"))


def test_a_document_span_is_evidence_too(repo: Repository, dana: Path) -> None:
    doc = passage_with(repo, "four days")
    start = doc["char_start"] + doc["text"].index("It took")
    insight = repo.saved.create("Slow start")
    evidence = repo.saved.add_evidence(insight.id, EvidenceSource(document_id=doc["document_id"], char_start=start,
                                                                  char_end=start + len("It took me four days")))
    assert evidence.quote == "It took me four days"
    with pytest.raises(InsightsError, match="not a quote"):
        repo.saved.add_evidence(insight.id, EvidenceSource(document_id=doc["document_id"], char_start=5,
                                                           char_end=10**6))


def test_reingesting_an_unchanged_document_keeps_evidence_ok(repo: Repository, notes: Path, dana: Path) -> None:
    passage = passage_with(repo, "logging me out")
    insight = repo.saved.create("Sessions", evidence=[EvidenceSource(passage_id=passage["id"])])
    report = repo.ingest([notes])
    assert report.count("unchanged") == 3
    repo.reindex()
    assert [e.status for e in repo.saved.get(insight.id).evidence] == ["ok"]


def test_an_edit_elsewhere_in_the_document_moves_the_quote_but_keeps_it(repo: Repository, notes: Path,
                                                                        dana: Path) -> None:
    passage = passage_with(repo, "logging me out")
    insight = repo.saved.create("Sessions", evidence=[EvidenceSource(passage_id=passage["id"])])
    dana.write_text(dana.read_text().replace("# Onboarding\n", "# Onboarding\n\nA new opening paragraph.\n"))
    assert repo.ingest([notes]).count("updated") == 1
    [evidence] = repo.saved.get(insight.id).evidence
    assert evidence.status == "moved"
    assert evidence.quote == QUOTE
    assert evidence.current_start != evidence.char_start
    text = repo.document(evidence.current_document_id)["text"]
    assert text[evidence.current_start:evidence.current_end] == QUOTE
    assert evidence.passage_id is not None and evidence.locator == {"heading": "Onboarding > Mobile"}


def test_an_edit_of_the_quote_makes_it_stale_and_keeps_the_saved_words(repo: Repository, notes: Path,
                                                                      dana: Path) -> None:
    passage = passage_with(repo, "logging me out")
    insight = repo.saved.create("Sessions", evidence=[EvidenceSource(passage_id=passage["id"])])
    dana.write_text(dana.read_text().replace("every morning", "now and then"))
    assert repo.ingest([notes]).count("updated") == 1
    [evidence] = repo.saved.get(insight.id).evidence
    assert evidence.status == "stale"
    assert evidence.quote == QUOTE  # never the document's new text
    assert evidence.current_start is None and evidence.passage_id is None
    assert "stale" in evidence.note


def test_removing_the_document_keeps_the_insight_and_flags_its_evidence(repo: Repository, dana: Path) -> None:
    passage = passage_with(repo, "logging me out")
    insight = repo.saved.create("Sessions", evidence=[EvidenceSource(passage_id=passage["id"])])
    repo.remove(passage["document_id"])
    kept = repo.saved.get(insight.id)
    assert [(e.status, e.quote) for e in kept.evidence] == [("removed", QUOTE)]
    assert kept.counts["removed"] == 1
    assert "[REMOVED]" in to_markdown(kept)


def test_the_same_file_ingested_again_after_removal_makes_evidence_ok_again(repo: Repository, notes: Path,
                                                                            dana: Path) -> None:
    passage = passage_with(repo, "logging me out")
    insight = repo.saved.create("Sessions", evidence=[EvidenceSource(passage_id=passage["id"])])
    repo.remove(passage["document_id"])
    repo.ingest([notes])
    [evidence] = repo.saved.get(insight.id).evidence
    assert evidence.status == "ok"
    assert evidence.current_document_id != passage["document_id"]  # a new row, found by its source


def test_insight_and_evidence_are_written_in_one_transaction(repo: Repository, dana: Path) -> None:
    good = passage_with(repo, "logging me out")
    with pytest.raises(InsightsError, match="no passage with id 99999"):
        repo.saved.create("Half written", evidence=[EvidenceSource(passage_id=good["id"]),
                                                    EvidenceSource(passage_id=99999)])
    assert repo.saved.search() == []
    assert repo.store.db.execute("SELECT count(*) FROM evidence").fetchone()[0] == 0


def test_saving_insights_leaves_the_search_indexes_alone(repo: Repository, dana: Path) -> None:
    generation = repo.store.generation()
    passage = passage_with(repo, "logging me out")
    insight = repo.saved.create("Sessions", evidence=[EvidenceSource(passage_id=passage["id"])])
    repo.saved.update(insight.id, summary="changed")
    repo.saved.delete(insight.id)
    assert repo.store.generation() == generation


def test_search_finds_titles_summaries_and_quotes(repo: Repository, dana: Path) -> None:
    passage = passage_with(repo, "logging me out")
    mobile = repo.saved.create("Mobile sessions expire", evidence=[EvidenceSource(passage_id=passage["id"])])
    payroll = repo.saved.create("Payroll exports fail", "Bookkeepers fix overtime by hand.")
    assert [i.id for i in repo.saved.search()] == [payroll.id, mobile.id]
    assert [i.id for i in repo.saved.search("overtime")] == [payroll.id]
    assert [i.id for i in repo.saved.search("morning")] == [mobile.id]  # from the quote
    assert [i.id for i in repo.saved.search("sess")] == [mobile.id]  # the last word is a prefix
    assert repo.saved.search('" OR (') == []  # FTS syntax is not passed through
    repo.saved.update(payroll.id, title="Exports drop overtime")
    assert [i.id for i in repo.saved.search("payroll")] == []


def test_removing_evidence_and_deleting_insights(repo: Repository, dana: Path) -> None:
    passage = passage_with(repo, "logging me out")
    insight = repo.saved.create("Sessions", evidence=[EvidenceSource(passage_id=passage["id"])])
    again = repo.saved.add_evidence(insight.id, EvidenceSource(passage_id=passage["id"]))
    assert len(repo.saved.get(insight.id).evidence) == 1  # the same span twice is kept once
    repo.saved.remove_evidence(insight.id, again.id)
    assert repo.saved.get(insight.id).evidence == []
    assert repo.saved.search("morning") == []
    with pytest.raises(InsightNotFound):
        repo.saved.remove_evidence(insight.id, again.id)
    repo.saved.delete(insight.id)
    with pytest.raises(InsightNotFound, match=f"no insight with id {insight.id}"):
        repo.saved.get(insight.id)
    assert repo.documents()  # the documents are untouched


@pytest.mark.parametrize(("title", "message"), [("   ", "needs a title"), ("x" * 201, "longer than 200")])
def test_bad_titles_are_refused(repo: Repository, title: str, message: str) -> None:
    with pytest.raises(InsightsError, match=message):
        repo.saved.create(title)


def test_markdown_export_footnotes_every_quote(repo: Repository, notes: Path, dana: Path) -> None:
    mobile = passage_with(repo, "logging me out")
    payroll = passage_with(repo, "ERR-PAY-214")
    insight = repo.saved.create("Sessions and exports", "Two pains.",
                                [EvidenceSource(passage_id=mobile["id"]), EvidenceSource(passage_id=payroll["id"])])
    dana.write_text(dana.read_text().replace("every morning", "now and then"))
    repo.ingest([notes])
    markdown = to_markdown(repo.saved.get(insight.id))
    assert markdown.startswith("# Sessions and exports\n\nTwo pains.\n\n## Evidence\n\n")
    assert f"> Mobile\n>\n> {SENTENCE}\n>\n> [^1]\n" in markdown
    assert (f"[^1]: “Mobile {SENTENCE}” — Interview with Dana · interview · P01 Dana · "
            "heading Onboarding > Mobile · 2026-03-14 **[STALE]**") in markdown
    footnote = next(line for line in markdown.splitlines() if line.startswith("[^2]: "))
    assert "ERR-PAY-214" in footnote and "maria call" in footnote and "STALE" not in footnote


def test_live_evidence_cites_the_document_as_it_is_now_and_stale_evidence_as_saved(repo: Repository, notes: Path,
                                                                                   dana: Path) -> None:
    passage = passage_with(repo, "logging me out")
    insight = repo.saved.create("Sessions", evidence=[EvidenceSource(passage_id=passage["id"])])
    dana.write_text(dana.read_text().replace("title: Interview with Dana", "title: Dana, store manager"))
    repo.ingest([notes])
    [evidence] = repo.saved.get(insight.id).evidence
    assert (evidence.status, evidence.title) == ("ok", "Dana, store manager")
    dana.write_text(dana.read_text().replace("title: Dana, store manager", "title: Renamed again")
                    .replace("every morning", "now and then"))
    repo.ingest([notes])
    [evidence] = repo.saved.get(insight.id).evidence
    assert (evidence.status, evidence.title) == ("stale", "Interview with Dana")  # the citation as it was saved


#: Saves an insight whose evidence stream stalls half-way, inside the write transaction, until killed.
STALLED_SAVE = """
import sys, time
from insights.config import Settings
from insights.repository import Repository
from insights.saved.collection import EvidenceSource

repo = Repository(Settings(data_dir=sys.argv[1], model="hashing"))
ids = [int(i) for i in sys.argv[2:]]

def sources():
    for passage_id in ids:
        yield EvidenceSource(passage_id=passage_id)
    print("inside the transaction", flush=True)
    time.sleep(600)

repo.saved.create("Never committed", evidence=sources())
"""


def test_a_save_killed_mid_transaction_leaves_nothing_behind(repo: Repository, dana: Path, data_dir: Path) -> None:
    passages = [p["id"] for d in repo.documents() for p in repo.document(d["id"])["passages"]][:3]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    process = subprocess.Popen([sys.executable, "-c", STALLED_SAVE, str(data_dir), *map(str, passages)],
                               stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "inside the transaction"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
        if process.stdout is not None:
            process.stdout.close()
    reopened = Repository(Settings(data_dir=data_dir, model="hashing"))
    assert reopened.saved.search() == []
    assert reopened.store.db.execute("SELECT count(*) FROM evidence").fetchone()[0] == 0
    assert reopened.saved.create("After the crash").id >= 1  # the write lock was released with the process
    reopened.close()
