"""Retrieval evaluation: metric definitions checked by hand, and `insights eval` on small BEIR folders."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from insights.cli.main import cli
from insights.search import metrics

# -- metrics, against values worked out by hand ---------------------------------------------


def test_ndcg_with_graded_judgments() -> None:
    # Relevant: a (grade 2) at rank 2, b (grade 1) at rank 3; the ideal order puts a then b first.
    judged = {"a": 2, "b": 1, "z": 0}
    dcg = 2 / math.log2(3) + 1 / math.log2(4)
    ideal = 2 / math.log2(2) + 1 / math.log2(3)
    assert metrics.ndcg(["x", "a", "b"], judged) == pytest.approx(dcg / ideal)
    assert metrics.ndcg(["a", "b", "x"], judged) == pytest.approx(1.0)
    assert metrics.ndcg(["x", "z", "y"], judged) == 0.0


def test_ndcg_cuts_at_k_and_ignores_zero_grades() -> None:
    judged = {"a": 1, "z": 0}
    assert metrics.ndcg(["x"] * 10 + ["a"], judged, k=10) == 0.0
    assert metrics.ndcg(["z", "a"], judged) == pytest.approx(1 / math.log2(3))


def test_recall_counts_distinct_relevant_documents() -> None:
    judged = {"a": 1, "b": 2, "c": 1, "d": 0}
    assert metrics.recall(["a", "x", "d", "b"], judged, 10) == pytest.approx(2 / 3)
    assert metrics.recall(["a", "x", "d", "b"], judged, 1) == pytest.approx(1 / 3)
    assert metrics.recall(["x"], {"d": 0}, 10) == 0.0


def test_mrr_is_the_reciprocal_rank_of_the_first_relevant_hit_within_k() -> None:
    assert metrics.mrr(["x", "y", "a", "b"], {"a": 1, "b": 2}) == pytest.approx(1 / 3)
    assert metrics.mrr(["x"] * 10 + ["a"], {"a": 1}) == 0.0


# -- insights eval ----------------------------------------------------------------------------

CORPUS = [
    ("d1", "Payroll export", "The ADP export drops overtime hours and shows ERR-PAY-214."),
    ("d2", "Mobile app", "Shift workers get logged out of the phone app every few days."),
    ("d3", "Pricing", "RotaMate is free for ten users, which is hard to beat for a small cafe."),
    ("d4", "Onboarding", "New admins do not know whether locations or roles come first."),
    ("d5", "", "A long note about nothing in particular, the weather, lunch and parking."),
]
QUERIES = [("q1", "ERR-PAY-214 overtime"), ("q2", "RotaMate free plan"), ("q3", "unjudged question"),
           ("q4", "where do admins start")]
QRELS = [("q1", "d1", 2), ("q2", "d3", 1), ("q3", "d2", 0), ("q4", "d4", 1)]


def write_beir(folder: Path, corpus=CORPUS, queries=QUERIES, qrels=QRELS, qrels_name: str = "qrels.tsv") -> Path:
    """Write a BEIR folder and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "corpus.jsonl").write_text(
        "".join(json.dumps({"_id": i, "title": t, "text": x}) + "\n" for i, t, x in corpus), encoding="utf-8")
    (folder / "queries.jsonl").write_text(
        "".join(json.dumps({"_id": i, "text": x}) + "\n" for i, x in queries), encoding="utf-8")
    qrels_path = folder / qrels_name
    qrels_path.parent.mkdir(exist_ok=True)
    qrels_path.write_text("query-id\tcorpus-id\tscore\n" + "".join(f"{q}\t{d}\t{s}\n" for q, d, s in qrels),
                          encoding="utf-8")
    return folder


def run_eval(runner: CliRunner, *args: str):
    return runner.invoke(cli, ["eval", *args], catch_exceptions=False)


def test_eval_json_reports_every_mode_on_judged_queries_only(runner: CliRunner, tmp_path: Path) -> None:
    folder = write_beir(tmp_path / "tiny")
    result = run_eval(runner, str(folder), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["dataset"] == "tiny"
    assert report["queries"] == 3  # q3 has no relevant judgment
    assert (report["documents"], report["passages"]) == (5, 5)
    assert set(report["modes"]) == {"hybrid", "semantic", "keyword"}
    for scores in report["modes"].values():
        assert set(scores) >= {"ndcg@10", "recall@10", "recall@100", "mrr@10", "halves", "query_ms_p50"}
        assert all(0.0 <= scores[m] <= 1.0 for m in ("ndcg@10", "recall@10", "recall@100", "mrr@10"))
    # Every relevant document holds a rare query word, so exact-word ranking puts it first.
    assert report["modes"]["keyword"]["mrr@10"] == 1.0
    assert report["modes"]["keyword"]["recall@100"] == 1.0


def test_eval_text_table_one_mode_and_query_limit(runner: CliRunner, tmp_path: Path) -> None:
    folder = write_beir(tmp_path / "tiny", qrels_name="qrels/test.tsv")
    result = run_eval(runner, str(folder), "--mode", "keyword", "--limit-queries", "1")
    assert result.exit_code == 0, result.output
    assert "tiny: 1 queries, 5 documents" in result.output
    rows = [line.split() for line in result.output.splitlines() if line.startswith("keyword")]
    assert rows and rows[0][1:3] == ["1.0000", "1.0000"]
    assert not any(line.startswith("hybrid") for line in result.output.splitlines())


def test_eval_keeps_and_reuses_its_repository(runner: CliRunner, tmp_path: Path) -> None:
    folder = write_beir(tmp_path / "tiny")
    keep = tmp_path / "kept"
    first = json.loads(run_eval(runner, str(folder), "--json", "--data-dir", str(keep)).stdout)
    second = json.loads(run_eval(runner, str(folder), "--json", "--data-dir", str(keep)).stdout)
    assert (first["reused"], second["reused"]) == (False, True)
    scored = ("ndcg@10", "recall@10", "recall@100", "mrr@10", "halves")
    for mode, scores in first["modes"].items():
        assert {m: scores[m] for m in scored} == {m: second["modes"][mode][m] for m in scored}


def test_long_documents_score_by_their_best_passage(runner: CliRunner, tmp_path: Path) -> None:
    filler = " ".join(["The team discussed the weekly rota and the coffee machine."] * 40)
    corpus = [("long", "Long notes", filler + " Badge readers at the Reno site reject clock-ins after midnight."),
              *CORPUS[:3]]
    folder = write_beir(tmp_path / "long", corpus=corpus, queries=[("q", "badge readers reject clock-ins")],
                        qrels=[("q", "long", 1)])
    report = json.loads(run_eval(runner, str(folder), "--json", "--mode", "keyword").stdout)
    assert report["passages"] > report["documents"] == 4
    assert report["modes"]["keyword"]["mrr@10"] == 1.0


@pytest.mark.parametrize("breakage, message", [
    (lambda f: (f / "queries.jsonl").unlink(), "no queries.jsonl"),
    (lambda f: (f / "qrels.tsv").unlink(), "no qrels.tsv"),
    (lambda f: (f / "queries.jsonl").write_text('{"_id": "q1", "text": "x"}\n{broken\n'), "queries.jsonl line 2"),
    (lambda f: (f / "qrels.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\n"), "qrels.tsv line 2"),
    (lambda f: (f / "qrels.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t0\n"), "no query has a relevant"),
    (lambda f: (f / "corpus.jsonl").write_bytes(b""), "corpus.jsonl"),
])
def test_broken_beir_folders_get_a_clear_error(runner: CliRunner, tmp_path: Path, breakage, message: str) -> None:
    folder = write_beir(tmp_path / "broken")
    breakage(folder)
    result = runner.invoke(cli, ["eval", str(folder)])
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
