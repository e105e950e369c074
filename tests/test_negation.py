"""Passages that deny the problem a question asks for rank below the ones that state it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from insights.cli.main import cli
from insights.search import negation

DENIAL = "Hasn't heard staff complaints about the mobile app."
COMPLAINT = "The main complaint our staff have about the mobile app: it logs them out every morning."


@pytest.mark.parametrize(("text", "denies"), [
    (DENIAL, True),
    ("No complaints about cost. It paid for itself in the first month.", True),
    ("I haven't had any trouble with the export.", True),
    ("Not a problem, just a thank you.", True),
    ("Yeah, the kiosk. Works fine.", True),
    (COMPLAINT, False),
    ("The export is a constant problem for payroll.", False),
    # The cue's scope ends at "but": the complaint after it stands.
    ("No complaints about the price, but the logouts are a real problem.", False),
    # Too far from the cue to be denied by it (NegEx's window).
    ("Nobody at the front desk who runs the tablet ever mentioned the problem to me.", False),
    ("The app logs people out.", False),  # no problem word at all: nothing to deny
])
def test_denies_problems(text: str, denies: bool) -> None:
    assert negation.denies_problems(text) is denies


@pytest.mark.parametrize(("question", "asks"), [
    ("mobile app complaints", True),
    ("what do staff complain about?", True),
    ("issues setting up a new account", True),
    ("what do hourly staff like about the mobile app?", False),
    ("What does ERR-PAY-207 mean?", False),
])
def test_asks_for_problems(question: str, asks: bool) -> None:
    assert negation.asks_for_problems(question) is asks


def test_a_denial_ranks_below_the_complaint_through_the_cli(runner: CliRunner, tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    # The denial holds the question's very words, so before demotion it ranks first by words alone.
    (notes / "kevin.txt").write_text(DENIAL + "\n")
    (notes / "ops.txt").write_text(COMPLAINT + "\n")
    assert runner.invoke(cli, ["ingest", str(notes)]).exit_code == 0
    for mode in ("hybrid", "keyword"):
        result = runner.invoke(cli, ["search", "mobile app complaints", "--mode", mode, "--json"])
        assert result.exit_code == 0, result.output
        assert [hit["text"] for hit in json.loads(result.output)["hits"]] == [COMPLAINT, DENIAL]
    # A question that does not ask for problems keeps the plain ranking.
    result = runner.invoke(cli, ["search", "what has staff heard about the mobile app?", "--mode", "keyword", "--json"])
    assert json.loads(result.output)["hits"][0]["text"] == DENIAL


PRAISE = "The tracking emails are brilliant. Our customers love them and the where-is-my-order emails stopped."
GRIPE = "The tracking emails go out late, so customers email us asking where their order is."


@pytest.mark.parametrize(("text", "praises"), [
    (PRAISE, True),
    ("Oh, I love them. Now they get the little updates with our logo on.", True),
    (GRIPE, False),
    # Praise that also states a problem is a statement of the problem.
    ("Great app, but the logout problem drives my staff mad.", False),
    ("The export runs every Monday.", False),  # neutral
])
def test_praises(text: str, praises: bool) -> None:
    assert negation.praises(text) is praises


def test_praise_ranks_below_a_problem_only_when_problems_are_asked_for(runner: CliRunner, tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    # Both hold the question's words alike; on a tie the praise, filed first, would rank first.
    (notes / "fan.txt").write_text(PRAISE + "\n")
    (notes / "gripe.txt").write_text(GRIPE + "\n")
    assert runner.invoke(cli, ["ingest", str(notes)]).exit_code == 0

    def top(question: str) -> str:
        result = runner.invoke(cli, ["search", question, "--mode", "keyword", "--json"])
        assert result.exit_code == 0, result.output
        return json.loads(result.output)["hits"][0]["text"]

    assert top("problems with tracking emails").startswith(GRIPE)
    assert top("what do merchants say about tracking emails").startswith(PRAISE)
