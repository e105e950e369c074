"""The ``insights insight`` commands through click's runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from insights.cli.main import cli


def invoke(runner: CliRunner, *args: str, code: int = 0):
    """Run the CLI; check the exit code; return the result."""
    result = runner.invoke(cli, list(args))
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result


def passage_id(runner: CliRunner, question: str) -> int:
    """Return the passage id of the top hit for a keyword question."""
    hits = json.loads(invoke(runner, "search", question, "--mode", "keyword", "--json").output)["hits"]
    return hits[0]["passage_id"]


@pytest.fixture
def ingested(runner: CliRunner, notes: Path) -> Path:
    """Ingest the sample notes through the CLI."""
    invoke(runner, "ingest", str(notes))
    return notes


def test_new_add_show_list_export_delete(runner: CliRunner, ingested: Path, tmp_path: Path) -> None:
    mobile = passage_id(runner, "logging me out every morning")
    created = json.loads(invoke(runner, "insight", "new", "Sessions expire", "--summary", "Sign in per shift.",
                                "--passage", str(mobile), "--json").output)
    insight = str(created["id"])
    assert [e["status"] for e in created["evidence"]] == ["ok"]

    added = invoke(runner, "insight", "add-evidence", insight, "--from-search", '"ERR-PAY-214"', "--mode", "keyword")
    assert "ERR-PAY-214" in added.output
    excerpt = invoke(runner, "insight", "add-evidence", insight, "--passage", str(mobile), "--quote", "every morning")
    assert "“every morning”" in excerpt.output

    shown = json.loads(invoke(runner, "insight", "show", insight, "--json").output)
    assert [e["quote"] for e in shown["evidence"]][2] == "every morning"
    assert "ERR-PAY-214" in shown["evidence"][1]["quote"]
    text = invoke(runner, "insight", "show", insight).output
    assert "Sessions expire" in text and "Sign in per shift." in text and "3 evidence" in text

    listed = json.loads(invoke(runner, "insight", "list", "--query", "payroll", "--json").output)["insights"]
    assert [i["id"] for i in listed] == [created["id"]]  # found by its quote
    assert "0 insights" in invoke(runner, "insight", "list", "--query", "scheduling").output

    out = tmp_path / "finding.md"
    invoke(runner, "insight", "export", insight, "--out", str(out))
    markdown = out.read_text()
    assert markdown.startswith("# Sessions expire\n")
    assert "[^3]: “every morning” — Interview with Dana" in markdown
    assert invoke(runner, "insight", "export", insight).output == markdown

    evidence_id = str(shown["evidence"][2]["id"])
    invoke(runner, "insight", "remove-evidence", insight, evidence_id)
    invoke(runner, "insight", "edit", insight, "--title", "Mobile sessions expire")
    assert "Mobile sessions expire" in invoke(runner, "insight", "list").output
    refused = runner.invoke(cli, ["insight", "delete", insight], input="n\n")
    assert refused.exit_code == 1 and "Aborted" in refused.output
    invoke(runner, "insight", "delete", insight, "--yes")
    assert "0 insights" in invoke(runner, "insight", "list").output


def test_editing_the_source_shows_stale_evidence(runner: CliRunner, ingested: Path) -> None:
    mobile = passage_id(runner, "logging me out every morning")
    invoke(runner, "insight", "new", "Sessions", "--passage", str(mobile))
    dana = ingested / "dana.md"
    dana.write_text(dana.read_text().replace("every morning", "now and then"))
    invoke(runner, "ingest", str(ingested))
    assert "[STALE]" in invoke(runner, "insight", "show", "1").output
    assert "1 stale or removed" in invoke(runner, "insight", "list").output


@pytest.mark.parametrize(("args", "message"), [
    (["insight", "show", "99"], "no insight with id 99"),
    (["insight", "export", "99"], "no insight with id 99"),
    (["insight", "delete", "99", "--yes"], "no insight with id 99"),
    (["insight", "new", "  "], "an insight needs a title"),
    (["insight", "new", "T", "--passage", "424242"], "no passage with id 424242"),
    (["insight", "add-evidence", "99", "--passage", "1"], "no insight with id 99"),
    (["insight", "add-evidence", "1"], "give either --passage ID or --from-search QUESTION"),
    (["insight", "edit", "1"], "give --title, --summary or both"),
    (["insight", "remove-evidence", "99", "1"], "no insight with id 99"),
])
def test_domain_errors_are_one_line_messages(runner: CliRunner, ingested: Path, args: list[str],
                                             message: str) -> None:
    result = runner.invoke(cli, args)
    assert result.exit_code != 0
    assert message in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_pick_past_the_hits_is_refused(runner: CliRunner, ingested: Path) -> None:
    invoke(runner, "insight", "new", "Errors")
    result = invoke(runner, "insight", "add-evidence", "1", "--from-search", '"ERR-PAY-214"', "--mode", "keyword",
                    "--pick", "5", code=1)
    assert "there is no hit 5" in result.output


@pytest.mark.parametrize("command", ["new", "add-evidence", "remove-evidence", "list", "show", "edit", "export",
                                     "delete"])
def test_every_insight_command_has_help_with_an_example_and_is_in_the_readme(runner: CliRunner,
                                                                             command: str) -> None:
    assert "Example:" in invoke(runner, "insight", command, "--help").output
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert f"insights insight {command}" in readme
