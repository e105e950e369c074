"""The bundled demo with the real model: the README's answer stays true, and the demo shows its value."""

from __future__ import annotations

import csv
import io
import json
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from insights.cli.main import cli
from insights.synthesis.competitors import CUSTOMER_KINDS

pytestmark = pytest.mark.slow

ROOT = Path(__file__).parent.parent
README = ROOT / "README.md"


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the demo repository once with the bundled model, as `insights demo --no-serve` does."""
    data_dir = tmp_path_factory.mktemp("demo") / "insights-data"
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("INSIGHTS_MODEL", raising=False)
        result = CliRunner().invoke(cli, ["--data-dir", str(data_dir), "demo", "--no-serve"])
    assert result.exit_code == 0, result.output
    assert "failed 0" in result.output
    return data_dir


def run(demo_dir: Path, *args: str) -> str:
    """Run a CLI command against the demo repository with the bundled model; return its output."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("INSIGHTS_MODEL", raising=False)
        result = CliRunner().invoke(cli, ["--data-dir", str(demo_dir), *args])
    assert result.exit_code == 0, result.output
    return result.output


def hits(demo_dir: Path, question: str, *args: str) -> list[dict]:
    """Return the JSON hits for a question."""
    return json.loads(run(demo_dir, "search", question, "--json", *args))["hits"]


def readme_answer() -> tuple[list[str], str]:
    """Return the search arguments and the output the README shows under its quickstart answer."""
    block = README.read_text().split("<!-- quickstart-answer -->", 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    command, _, shown = block.partition("\n")
    words = shlex.split(command.removeprefix("$ "))
    assert words[0].endswith("insights") and words[1] == "search", command
    return words[1:], shown


def without_scores(output: str) -> str:
    """Drop the score figures, which may differ in the last digit between CPUs."""
    return re.sub(r", score \d\.\d+", "", output).strip()


def test_the_readme_quickstart_answer_is_what_the_demo_returns(demo_dir: Path) -> None:
    args, shown = readme_answer()
    assert without_scores(run(demo_dir, *args)) == without_scores(shown)


def test_new_admin_question_finds_several_interviews_and_tickets(demo_dir: Path) -> None:
    found = hits(demo_dir, "why do new admins struggle in the first week?", "--limit", "20")
    interviews = {h["document_id"] for h in found if h["kind"] == "interview"}
    tickets = {h["passage_id"] for h in found if h["kind"] == "support-ticket"}
    assert len(interviews) >= 3, [h["title"] for h in found]
    assert len(tickets) >= 2, [h["title"] for h in found]
    assert len({h["kind"] for h in found}) >= 4


def test_competitor_question_returns_competitor_material(demo_dir: Path) -> None:
    found = hits(demo_dir, "what do customers say about RotaMate pricing?", "--limit", "5")
    about_rotamate = [h for h in found if h["competitor"] == "RotaMate" or "RotaMate" in h["text"]]
    assert len(about_rotamate) >= 4, [h["text"][:80] for h in found]
    assert any(h["kind"] == "competitor-analysis" for h in found)


def test_filtering_by_a_competitor_keeps_the_customers_its_page_counts(demo_dir: Path) -> None:
    listing = {c["name"]: c for c in json.loads(run(demo_dir, "competitors", "--json"))["competitors"]}
    found = hits(demo_dir, "RotaMate pricing", "--competitor", "RotaMate", "--mode", "semantic", "--limit", "1000")
    customers = [h for h in found if h["kind"] in CUSTOMER_KINDS]
    assert len(customers) == listing["RotaMate"]["customer_passages"]
    assert sum(h["kind"] == "competitor-analysis" for h in found) == listing["RotaMate"]["analysis_passages"]
    survey = (ROOT / "examples" / "demo" / "surveys" / "2026-02-customer-pulse-survey.csv").read_text("utf-8-sig")
    naming = sum(bool(re.search(r"\brotamate\b", row["response"], re.I)) for row in csv.DictReader(io.StringIO(survey)))
    assert naming and sum(h["kind"] == "survey" for h in found) == naming
    assert any(h["kind"] == "interview" and "rotamate" in h["text"].lower() for h in found)


def test_every_demo_interview_is_dated_and_has_its_participant(demo_dir: Path) -> None:
    interviews = [d for d in json.loads(run(demo_dir, "documents", "--json"))["documents"] if d["kind"] == "interview"]
    assert len(interviews) == len(list((ROOT / "examples" / "demo" / "interviews").iterdir()))
    for doc in interviews:  # named like 2026-02-17-P11-nadia-haddad.txt
        assert doc["date"] == doc["filename"][:10], doc
        assert doc["participant"].startswith(doc["filename"].split("-")[3] + " "), doc


def test_an_error_code_finds_exactly_the_tickets_that_quote_it(demo_dir: Path) -> None:
    tickets = (ROOT / "examples" / "demo" / "support" / "support-tickets.jsonl").read_text().splitlines()
    quoting = {number for number, line in enumerate(tickets, 1) if "ERR-PAY-214" in line}
    found = hits(demo_dir, '"ERR-PAY-214"', "--kind", "support-ticket", "--limit", "50")
    assert {h["locator"]["line"] for h in found} == quoting


def test_a_second_build_finds_everything_unchanged(demo_dir: Path) -> None:
    output = run(demo_dir, "demo", "--no-serve")
    assert re.search(r"added 0, updated 0, unchanged \d+, failed 0", output), output
