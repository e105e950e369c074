"""The audit log: an entry for each action, written with the change, never altered, read back by filter."""

from __future__ import annotations

import io
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask

from insights import create_app
from insights.cli.main import cli
from insights.errors import InsightsError
from insights.repository import Repository
from insights.storage import audit
from insights.web import jobs


def run(runner: CliRunner, *args: str) -> str:
    """Invoke the CLI, check it succeeded, and return its output."""
    result = runner.invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def logged(runner: CliRunner, *options: str, data_dir: Path | None = None) -> list[dict[str, Any]]:
    """Return the entries ``insights audit --json`` prints."""
    where = ["--data-dir", str(data_dir)] if data_dir else []
    return json.loads(run(runner, *where, "audit", "--json", *options))["entries"]


def test_audit_entries_appear_for_each_cli_action(runner: CliRunner, notes: Path, data_dir: Path,
                                                  tmp_path: Path) -> None:
    run(runner, "ingest", str(notes))
    dana = notes / "dana.md"
    dana.write_text(dana.read_text() + "\nOne more thing: the export button is hidden.\n")
    run(runner, "ingest", str(notes))
    run(runner, "export", "payroll export failed", "--format", "md")
    hits = json.loads(run(runner, "search", "payroll export failed", "--json", "--limit", "2"))["hits"]
    created = json.loads(run(runner, "insight", "new", "Payroll pain", "--passage", str(hits[0]["passage_id"]),
                             "--json"))
    run(runner, "insight", "edit", str(created["id"]), "--title", "Payroll export pain")
    run(runner, "insight", "add-evidence", str(created["id"]), "--passage", str(hits[1]["passage_id"]))
    run(runner, "insight", "remove-evidence", str(created["id"]), str(created["evidence"][0]["id"]))
    run(runner, "insight", "export", str(created["id"]))
    run(runner, "insight", "delete", str(created["id"]), "--yes")
    survey = next(d for d in json.loads(run(runner, "documents", "--json"))["documents"]
                  if d["filename"] == "survey.csv")
    run(runner, "remove", str(survey["id"]))
    run(runner, "reindex")
    run(runner, "backup", str(tmp_path / "backup"))
    run(runner, "--data-dir", str(tmp_path / "restored"), "restore", str(tmp_path / "backup"))

    entries = logged(runner)
    assert [e["action"] for e in entries] == [
        "document.add", "document.add", "document.add", "document.update", "export", "insight.create",
        "insight.update", "insight.evidence.add", "insight.evidence.remove", "export", "insight.delete",
        "document.delete", "reindex", "backup"]
    assert {e["actor"] for e in entries} == {audit.LOCAL}
    by_action = {e["action"]: e for e in entries}
    assert by_action["document.update"]["detail"]["filename"] == "dana.md"
    assert by_action["document.delete"]["target"] == f"document:{survey['id']}"
    assert by_action["document.delete"]["detail"]["title"] == "survey"
    assert entries[4]["target"] == "search" and entries[4]["detail"]["query"] == "payroll export failed"
    assert entries[9]["target"] == f"insight:{created['id']}"
    assert by_action["insight.update"]["detail"] == {"title": "Payroll export pain", "changed": ["title"]}
    assert by_action["backup"]["target"] == str((tmp_path / "backup").resolve())
    now = datetime.now(UTC)
    for entry in entries:
        assert abs((datetime.fromisoformat(entry["at"]) - now).total_seconds()) < 120

    # The restored repository keeps the history up to its backup, and says it was restored.
    restored = logged(runner, data_dir=tmp_path / "restored")
    assert [e["action"] for e in restored] == [e["action"] for e in entries[:-1]] + ["restore"]


def test_audit_entries_appear_for_web_uploads_tags_deletes_and_exports(tmp_path: Path) -> None:
    app: Flask = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "data"), "MODEL": "hashing"})
    client = app.test_client()
    repo: Repository = app.extensions["insights"]
    response = client.post("/api/v1/uploads", content_type="multipart/form-data", data={"files": [
        (io.BytesIO(b"# Payroll\n\nThe payroll export failed twice last month."), "pay.md"),
        (io.BytesIO(b"# Pricing\n\nPricing is fair for a small cafe like ours."), "price.md")]})
    assert response.status_code == 202
    while jobs.run_one(repo):
        pass
    ids = {d["filename"]: d["id"] for d in repo.documents()}
    assert client.put(f"/api/v1/documents/{ids['pay.md']}/tags", json={"tags": ["payroll"]}).status_code == 200
    assert client.get("/export.csv", query_string={"q": "payroll export"}).status_code == 200
    passage = repo.document(ids["pay.md"])["passages"][0]["id"]
    insight = client.post("/api/v1/insights", json={"title": "Exports fail", "evidence": [{"passage_id": passage}]})
    assert insight.status_code == 201, insight.get_data(as_text=True)
    insight_id = insight.json["insight"]["id"]
    assert client.get(f"/insights/{insight_id}/export.md").status_code == 200
    assert client.get(f"/api/v1/insights/{insight_id}/export.md").status_code == 200
    assert client.get("/insights/999/export.md").status_code == 404
    assert client.delete(f"/api/v1/documents/{ids['price.md']}").status_code in (200, 204)

    entries = repo.audit_log()
    assert [(e.action, e.target) for e in entries] == [
        ("document.add", f"document:{ids['pay.md']}"), ("document.add", f"document:{ids['price.md']}"),
        ("document.tags", f"document:{ids['pay.md']}"), ("export", "search"),
        ("insight.create", f"insight:{insight_id}"), ("export", f"insight:{insight_id}"),
        ("export", f"insight:{insight_id}"), ("document.delete", f"document:{ids['price.md']}")]
    assert entries[2].detail == {"before": [], "tags": ["payroll"]}
    assert entries[3].detail["format"] == "csv" and entries[3].detail["quotes"] >= 1
    repo.close()


def test_the_audit_log_is_append_only(repo: Repository, notes: Path) -> None:
    repo.ingest([notes])
    # Any connection, not only the library's: the triggers live in the database.
    with sqlite3.connect(repo.data_dir / "insights.db") as db:
        for statement in ("UPDATE audit SET actor = 'someone else'", "DELETE FROM audit",
                          "UPDATE audit SET detail = '{}' WHERE id = 1"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                db.execute(statement)
    assert [e.actor for e in repo.audit_log()] == [audit.LOCAL] * 3


def test_an_action_and_its_entry_commit_together(repo: Repository, notes: Path) -> None:
    repo.ingest([notes])
    doc = repo.documents()[0]
    # Make writing the entry fail: the removal it records must roll back with it.
    repo.store.db.execute("CREATE TEMP TRIGGER refuse BEFORE INSERT ON audit "
                          "BEGIN SELECT RAISE(ABORT, 'audit is full'); END")
    with pytest.raises(sqlite3.IntegrityError, match="audit is full"):
        repo.remove(doc["id"])
    repo.store.db.execute("DROP TRIGGER refuse")
    assert repo.document(doc["id"], with_passages=False)["title"] == doc["title"]
    assert len(repo.index()) == repo.store.counts()["passages"]
    with pytest.raises(sqlite3.IntegrityError):
        repo.store.db.execute("CREATE TEMP TRIGGER refuse BEFORE INSERT ON audit "
                              "BEGIN SELECT RAISE(ABORT, 'audit is full'); END")
        repo.saved.create("Never saved")
    assert repo.saved.count() == 0


def test_audit_filters_by_time_user_and_action(runner: CliRunner, repo: Repository, notes: Path) -> None:
    repo.ingest([notes])
    audit.record(repo.store, "maria", "export", "search", {"query": "pricing"})
    audit.record(repo.store, "maria", "login.failed", "maria")
    assert [e["action"] for e in logged(runner, "--user", "maria")] == ["export", "login.failed"]
    assert [e["actor"] for e in logged(runner, "--action", "document")] == [audit.LOCAL] * 3
    assert [e["action"] for e in logged(runner, "--action", "login.failed")] == ["login.failed"]
    assert logged(runner, "--action", "login.fail") == []  # a prefix matches whole parts only
    assert len(logged(runner, "--since", "1h")) == 5
    assert len(logged(runner, "--since", "2000-01-01")) == 5
    assert logged(runner, "--since", "2999-01-01T00:00:00+02:00") == []
    assert [e["action"] for e in logged(runner, "--limit", "1")] == ["login.failed"]
    text = run(runner, "audit", "--user", "maria")
    assert "maria" in text and "login.failed" in text and '"query":"pricing"' in text
    assert "No audit entries match." in run(runner, "audit", "--user", "nobody")


@pytest.mark.parametrize(("value", "expected"), [
    ("7d", "2026-03-07T12:00:00Z"), ("12h", "2026-03-14T00:00:00Z"), ("30m", "2026-03-14T11:30:00Z"),
    ("2w", "2026-02-28T12:00:00Z"), ("2026-03-01", "2026-03-01T00:00:00Z"),
    ("2026-03-01T09:30:00+01:00", "2026-03-01T08:30:00Z"), ("2026-03-01T09:30:00Z", "2026-03-01T09:30:00Z"),
])
def test_since_takes_durations_and_iso_times(value: str, expected: str) -> None:
    assert audit.parse_since(value, now=datetime(2026, 3, 14, 12, tzinfo=UTC)) == expected


@pytest.mark.parametrize("value", ["yesterday", "7 days", "-3d", "2026-13-01"])
def test_a_bad_since_is_refused_with_the_forms_it_takes(runner: CliRunner, repo: Repository, value: str) -> None:
    with pytest.raises(InsightsError):
        audit.parse_since(value)
    result = runner.invoke(cli, ["audit", "--since", value])
    assert result.exit_code == 1
    assert "like 7d" in result.output
