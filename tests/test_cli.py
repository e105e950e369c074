"""The CLI: commands, JSON contracts, exit codes and help."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from insights.cli.main import cli

COMMANDS = sorted(cli.commands)


def invoke(runner: CliRunner, *args: str):
    """Run the CLI with arguments; return the result."""
    return runner.invoke(cli, list(args), catch_exceptions=False)


def test_ingest_prints_a_summary_and_is_incremental(runner: CliRunner, notes: Path) -> None:
    result = invoke(runner, "ingest", str(notes))
    assert result.exit_code == 0, result.output
    assert "added 3, updated 0, unchanged 0, failed 0" in result.output
    result = invoke(runner, "ingest", str(notes))
    assert "added 0, updated 0, unchanged 3, failed 0" in result.output


def test_ingest_batch_metadata_flags(runner: CliRunner, notes: Path) -> None:
    result = invoke(runner, "ingest", str(notes / "survey.csv"), "--kind", "survey", "--tag", "Q1",
                    "--tag", "pricing", "--date", "2026-02-01", "--competitor", "RotaMate")
    assert result.exit_code == 0, result.output
    doc = json.loads(invoke(runner, "documents", "--json").output)["documents"][0]
    assert (doc["kind"], doc["tags"], doc["date"], doc["competitor"]) == (
        "survey", ["pricing", "q1"], "2026-02-01", "RotaMate")


def test_search_json_contract(runner: CliRunner, notes: Path) -> None:
    invoke(runner, "ingest", str(notes))
    result = invoke(runner, "search", "payroll export failed", "--json", "--limit", "2")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert len(data["hits"]) == 2
    hit = data["hits"][0]
    for key in ("document_id", "title", "kind", "text", "score", "char_start", "char_end", "locator", "date",
                "participant", "segment", "competitor", "tags", "snippet", "highlights", "filename"):
        assert key in hit
    assert hit["text"] == "The payroll export failed with ERR-PAY-214 twice last month."
    assert hit["locator"] == {"speaker": "Maria", "role": "participant", "prompt": "Anything else?"}


def test_search_filters_and_text_output(runner: CliRunner, notes: Path) -> None:
    invoke(runner, "ingest", str(notes))
    result = invoke(runner, "search", "schedule", "--kind", "interview", "--from", "2026-03", "--limit", "1")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("1. Interview with Dana [interview]")
    assert "P01 Dana" in result.output and "2026-03-14" in result.output
    result = invoke(runner, "search", "schedule", "--kind", "review")
    assert "No passages match. Try removing a filter." in result.output


def test_show_and_documents_json(runner: CliRunner, notes: Path) -> None:
    invoke(runner, "ingest", str(notes))
    docs = json.loads(invoke(runner, "documents", "--json").output)["documents"]
    assert {d["title"] for d in docs} == {"Interview with Dana", "maria call", "survey"}
    for key in ("id", "title", "kind", "source", "passages"):
        assert key in docs[0]
    doc_id = next(d["id"] for d in docs if d["title"] == "survey")
    shown = json.loads(invoke(runner, "show", str(doc_id), "--json").output)
    assert len(shown["passages"]) == 3
    for p in shown["passages"]:
        assert shown["text"][p["char_start"] : p["char_end"]] == p["text"]
    text = invoke(runner, "show", str(doc_id)).output
    assert "Pricing is fair for a small cafe like ours." in text


def test_remove_then_stats(runner: CliRunner, notes: Path) -> None:
    invoke(runner, "ingest", str(notes))
    doc_id = json.loads(invoke(runner, "documents", "--json").output)["documents"][0]["id"]
    result = invoke(runner, "remove", str(doc_id))
    assert result.exit_code == 0 and f"removed {doc_id}:" in result.output
    stats = json.loads(invoke(runner, "stats", "--json").output)
    assert stats["documents"] == 2 and stats["passages"] == stats["vectors"] == stats["indexed"]


def test_reindex(runner: CliRunner, notes: Path) -> None:
    invoke(runner, "ingest", str(notes))
    result = invoke(runner, "reindex")
    assert result.exit_code == 0 and "indexed 9 passages with hashing" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["show", "999"], "no document with id 999"),
        (["remove", "999"], "no document with id 999"),
        (["search", "   "], "the question is empty"),
        (["search", "x", "--from", "last tuesday"], "is not a date like 2026-03-14"),
        (["ingest", "no/such/folder"], "no such file or folder"),
    ],
)
def test_user_errors_are_one_line_messages_with_a_nonzero_exit(runner: CliRunner, args: list[str],
                                                              message: str) -> None:
    result = runner.invoke(cli, args)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output and not isinstance(result.exception, (KeyError, TypeError))


def test_another_model_is_refused_with_instructions(runner: CliRunner, notes: Path, data_dir: Path) -> None:
    invoke(runner, "ingest", str(notes))
    result = runner.invoke(cli, ["--model", "/no/such/model", "search", "payroll"])
    assert result.exit_code == 1
    assert "insights reindex --re-embed" in result.output


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(runner: CliRunner, command: str) -> None:
    result = invoke(runner, command, "--help")
    assert result.exit_code == 0
    assert "Example:" in result.output


def test_every_command_is_in_the_readme() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    for command in COMMANDS:
        assert f"insights {command}" in readme or f"`{command}`" in readme, command


def test_every_configuration_key_is_in_the_readme() -> None:
    from dataclasses import fields

    from insights.config import Settings

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    for field in fields(Settings):
        assert f"INSIGHTS_{field.name.upper()}" in readme, field.name


def test_export_csv_to_stdout_cites_every_quote_and_defuses_formulas(runner: CliRunner, notes: Path) -> None:
    (notes / "hostile.csv").write_text("id,text\nH1,=HYPERLINK(\"http://x\") payroll export failed again\n")
    invoke(runner, "ingest", str(notes))
    result = invoke(runner, "export", "payroll export failed", "--mode", "keyword")
    assert result.exit_code == 0, result.output
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(result.stdout.lstrip("\ufeff"))))
    searched = json.loads(invoke(runner, "search", "payroll export failed", "--mode", "keyword", "--limit", "200",
                                 "--json").output)["hits"]
    assert [r["quote"].lstrip("'") for r in rows] == [h["text"] for h in searched]
    assert all(r["citation"] and r["title"] in r["citation"] for r in rows)
    hostile = next(r for r in rows if "HYPERLINK" in r["quote"])
    assert hostile["quote"].startswith("'=")


def test_export_markdown_to_a_file_with_filters(runner: CliRunner, notes: Path, tmp_path: Path) -> None:
    invoke(runner, "ingest", str(notes))
    out = tmp_path / "quotes.md"
    result = invoke(runner, "export", "pricing", "--format", "md", "--out", str(out), "--kind", "note")
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# pricing\n")
    quotes = [line for line in text.splitlines() if line.startswith("> — ")]
    assert quotes and len(quotes) == text.count("\n> —")
    bad = runner.invoke(cli, ["export", "pricing", "--out", str(tmp_path / "missing" / "q.md")])
    assert bad.exit_code == 2 and "no folder" in bad.output and "Traceback" not in bad.output
