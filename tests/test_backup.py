"""Backup and restore: consistent while ingesting, refused when damaged, and the restore answers as before."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from insights.cli.main import cli
from insights.config import Settings
from insights.repository import Repository
from insights.storage import backup as backups

QUERIES = ["onboarding checklist buried in settings", "payroll export failed", "pricing for a small cafe",
           "logged out every morning", "schedule export broke for store"]
MODES = ("hybrid", "semantic", "keyword")


def run(runner: CliRunner, *args: str) -> Any:
    """Invoke the CLI, check it succeeded, and return its output."""
    result = runner.invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def answers(runner: CliRunner, data_dir: Path) -> list[list[tuple[int, int, float, str]]]:
    """Return (passage, document, score, text) of every hit of every query in every mode, through the CLI."""
    out = []
    for query in QUERIES:
        for mode in MODES:
            hits = json.loads(run(runner, "--data-dir", str(data_dir), "search", query, "--mode", mode, "--limit",
                                  "20", "--json"))["hits"]
            out.append([(h["passage_id"], h["document_id"], h["score"], h["text"]) for h in hits])
    return out


def test_restored_repository_answers_every_search_exactly_as_before(runner: CliRunner, notes: Path,
                                                                    data_dir: Path, tmp_path: Path) -> None:
    run(runner, "ingest", str(notes))
    before = answers(runner, data_dir)
    assert any(before)
    output = run(runner, "backup", str(tmp_path / "backup"))
    assert "backed up 3 documents" in output
    restored = tmp_path / "restored"
    summary = json.loads(run(runner, "--data-dir", str(restored), "restore", str(tmp_path / "backup"), "--json"))
    assert summary["documents"] == 3
    # The vector index is rebuilt and saved at restore, in step with the database, not at the first search.
    with sqlite3.connect(restored / "insights.db") as db:
        generation = int(db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0])
    assert json.loads((restored / "index.json").read_text())["generation"] == generation

    assert answers(runner, restored) == before
    source = json.loads(run(runner, "documents", "--json"))["documents"]
    assert json.loads(run(runner, "--data-dir", str(restored), "documents", "--json"))["documents"] == source
    for doc in source:
        assert (json.loads(run(runner, "--data-dir", str(restored), "show", str(doc["id"]), "--json"))
                == json.loads(run(runner, "show", str(doc["id"]), "--json")))
    assert sorted(p.read_bytes() for p in (restored / "originals").iterdir()) == sorted(
        p.read_bytes() for p in (data_dir / "originals").iterdir())
    stats = json.loads(run(runner, "--data-dir", str(restored), "stats", "--json"))
    assert stats["indexed"] == stats["passages"] == stats["vectors"]


def test_backup_refuses_a_destination_that_is_not_empty(runner: CliRunner, notes: Path, tmp_path: Path) -> None:
    run(runner, "ingest", str(notes))
    dest = tmp_path / "full"
    dest.mkdir()
    (dest / "keep.txt").write_text("mine")
    result = runner.invoke(cli, ["backup", str(dest)])
    assert result.exit_code == 1
    assert "already exists and is not empty; choose a new folder" in result.output
    assert os.listdir(dest) == ["keep.txt"]
    empty = tmp_path / "empty"
    empty.mkdir()
    run(runner, "backup", str(empty))  # an empty folder is taken over
    assert (empty / "manifest.json").is_file()


def test_backup_of_no_repository_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["--data-dir", str(tmp_path / "nothing"), "backup", str(tmp_path / "b")])
    assert result.exit_code == 1
    assert "no repository" in result.output
    assert not (tmp_path / "nothing").exists() and not (tmp_path / "b").exists()


# -- a backup taken while an ingest runs -------------------------------------------------------------

FILES = 300


def documents_committed(db: Path) -> int:
    """Return how many documents a separate reader sees."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return conn.execute("SELECT count(*) FROM documents").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def test_backup_during_a_running_ingest_restores_to_a_repository_that_passes_the_same_searches(
        tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    for i in range(FILES):
        paragraphs = [f"Note {i}, paragraph {j}: the schedule export broke for store {i * j}. " * 6 for j in range(4)]
        (folder / f"note{i:04}.md").write_text("\n\n".join(paragraphs))
    data_dir = tmp_path / "data"
    env = {**os.environ, "INSIGHTS_MODEL": "hashing", "INSIGHTS_INGEST_BATCH": "16"}
    ingest = subprocess.Popen([sys.executable, "-m", "insights", "--data-dir", str(data_dir), "ingest", str(folder)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while documents_committed(data_dir / "insights.db") < 20 and time.monotonic() < deadline:
        time.sleep(0.01)
    summary = backups.backup(data_dir, tmp_path / "backup")
    assert ingest.wait(timeout=120) == 0
    assert 20 <= summary["documents"] < FILES, "the backup must land mid-ingest"
    assert documents_committed(data_dir / "insights.db") == FILES

    backups.restore(tmp_path / "backup", tmp_path / "restored", model="hashing")
    restored = Repository(Settings(data_dir=tmp_path / "restored", model="hashing"))
    counts = restored.store.counts()
    assert counts["documents"] == summary["documents"]
    assert counts["passages"] == counts["vectors"] == len(restored.index())
    for doc in restored.documents():
        original = restored.original_path(doc["id"]).read_bytes()
        assert hashlib.sha256(original).hexdigest() == restored.document(doc["id"], False)["content_hash"]
    assert {p.name for p in restored.originals.iterdir()} == restored.store.originals_in_use()

    # The same searches as a repository holding exactly the snapshot's documents, ingested the same way.
    reference = Repository(Settings(data_dir=tmp_path / "reference", model="hashing", ingest_batch=16))
    reference.ingest(sorted(folder / d["filename"] for d in restored.documents()))
    for query in ("schedule export broke for store 12", "paragraph 3", "Note 7"):
        for mode in MODES:
            got = [(h.passage_id, h.document_id, h.score, h.text) for h in restored.search(query, mode, limit=20)]
            assert got == [(h.passage_id, h.document_id, h.score, h.text)
                           for h in reference.search(query, mode, limit=20)]
            assert got


def test_an_original_collected_during_the_backup_makes_it_start_over(repo: Repository, notes: Path, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    repo.ingest([notes])
    doomed = next(d for d in repo.documents() if d["filename"] == "survey.csv")
    real_copy = backups.shutil.copyfile
    calls = []

    def copy_while_a_writer_removes(source: Path, target: Path) -> Any:
        """Copy, but first remove a document (and so collect its original) once the snapshot is taken."""
        if not calls:
            repo.remove(doomed["id"])
        calls.append(source)
        return real_copy(source, target)

    monkeypatch.setattr(backups.shutil, "copyfile", copy_while_a_writer_removes)
    summary = backups.backup(repo.data_dir, tmp_path / "backup")
    assert summary["documents"] == 2  # the newer snapshot, without the removed document
    backups.restore(tmp_path / "backup", tmp_path / "restored")


def test_a_lost_original_is_reported_not_retried_forever(repo: Repository, notes: Path, tmp_path: Path) -> None:
    repo.ingest([notes])
    lost = next(repo.originals.iterdir())
    lost.unlink()
    with pytest.raises(backups.BackupError, match=f"damaged: .*{lost.name} is missing"):
        backups.backup(repo.data_dir, tmp_path / "backup")
    assert not (tmp_path / "backup").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".backup")]


def test_an_unfinished_upload_is_marked_failed_in_the_backup(repo: Repository, tmp_path: Path) -> None:
    import io

    from insights.web import jobs

    batch = jobs.submit(repo, [("late.md", io.BytesIO(b"# Late\n\nStill waiting in the queue."))], {})
    backups.backup(repo.data_dir, tmp_path / "backup")
    backups.restore(tmp_path / "backup", tmp_path / "restored")
    restored = Repository(Settings(data_dir=tmp_path / "restored", model="hashing"))
    job = jobs.batch(restored, batch)["jobs"][0]  # type: ignore[index]
    assert job["status"] == "failed" and "upload it again" in job["message"]
    assert not jobs.run_one(restored)  # nothing points at a parked file that is not there
    assert jobs.batch(repo, batch)["jobs"][0]["status"] == "queued"  # type: ignore[index]  # the source is untouched


# -- damaged, incomplete or mismatched backups ---------------------------------------------------------


@pytest.fixture
def made(repo: Repository, notes: Path, tmp_path: Path) -> Path:
    """Return a good backup of the three notes."""
    repo.ingest([notes])
    backups.backup(repo.data_dir, tmp_path / "backup")
    return tmp_path / "backup"


def flip_byte(path: Path, at: int | None = None) -> None:
    """Invert one byte of a file, in the middle unless ``at`` says where."""
    data = bytearray(path.read_bytes())
    at = len(data) // 2 if at is None else at
    data[at] ^= 0xFF
    path.write_bytes(bytes(data))


def manifest_of(backup: Path) -> dict[str, Any]:
    """Return a backup's manifest."""
    return json.loads((backup / "manifest.json").read_text())


def forge(backup: Path, manifest: dict[str, Any]) -> None:
    """Write a manifest with a valid checksum of its own, as a careful forger (or a buggy tool) would."""
    body = {k: v for k, v in manifest.items() if k != "checksum"}
    (backup / "manifest.json").write_text(json.dumps({**body, "checksum": backups._digest(body)}))


def relist(backup: Path, manifest: dict[str, Any], name: str) -> None:
    """Update the manifest entry of ``name`` to the file as it now is."""
    for entry in manifest["files"]:
        if entry["path"] == name:
            entry.update(bytes=(backup / name).stat().st_size,
                         sha256=hashlib.sha256((backup / name).read_bytes()).hexdigest())


def flipped_database(backup: Path) -> None:
    flip_byte(backup / "insights.db")


def flipped_original(backup: Path) -> None:
    flip_byte(next((backup / "originals").iterdir()))


def missing_manifest(backup: Path) -> None:
    (backup / "manifest.json").unlink()


def edited_manifest(backup: Path) -> None:
    manifest = manifest_of(backup)
    manifest["counts"]["documents"] += 1
    (backup / "manifest.json").write_text(json.dumps(manifest))


def unreadable_manifest(backup: Path) -> None:
    (backup / "manifest.json").write_text('{"format": 1, "files": [')


def truncated_database(backup: Path) -> None:
    with open(backup / "insights.db", "r+b") as f:
        f.truncate(4096)


def missing_original(backup: Path) -> None:
    next((backup / "originals").iterdir()).unlink()


def newer_format(backup: Path) -> None:
    forge(backup, {**manifest_of(backup), "format": 2})


def forged_counts(backup: Path) -> None:
    manifest = manifest_of(backup)
    manifest["counts"]["passages"] -= 1
    forge(backup, manifest)


def forged_model(backup: Path) -> list[str]:
    forge(backup, {**manifest_of(backup), "model": "all-MiniLM-L6-v2"})
    return ["--model", "all-MiniLM-L6-v2"]  # so that only the database can tell the model is not the one it says


def forged_damaged_database(backup: Path) -> None:
    # Scribble over the middle of the file (table and index pages), then list the damaged file as if it were whole.
    database = backup / "insights.db"
    data = bytearray(database.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 4096] = b"\x07" * 4096
    database.write_bytes(bytes(data))
    manifest = manifest_of(backup)
    relist(backup, manifest, "insights.db")
    forge(backup, manifest)


def forged_inconsistent_index(backup: Path) -> None:
    # Damage only an index, which no count reads: its entries no longer match its table's rows.
    database = backup / "insights.db"
    with sqlite3.connect(database) as db:
        db.execute("PRAGMA writable_schema = ON")
        db.execute("UPDATE sqlite_master SET sql = 'CREATE INDEX tags_tag ON tags(document_id)' "
                   "WHERE name = 'tags_tag'")
    db.close()
    manifest = manifest_of(backup)
    relist(backup, manifest, "insights.db")
    forge(backup, manifest)


def forged_without_database(backup: Path) -> None:
    manifest = manifest_of(backup)
    manifest["files"] = [f for f in manifest["files"] if f["path"] != "insights.db"]
    forge(backup, manifest)


def forged_shapeless(backup: Path) -> None:
    forge(backup, {**manifest_of(backup), "files": "insights.db"})


def forged_unlisted_original(backup: Path) -> None:
    manifest = manifest_of(backup)
    dropped = next(f for f in manifest["files"] if f["path"].startswith("originals/"))
    manifest["files"].remove(dropped)
    (backup / dropped["path"]).unlink()
    forge(backup, manifest)


def forged_escaping_path(backup: Path) -> None:
    manifest = manifest_of(backup)
    (backup.parent / "evil.txt").write_text("outside")
    manifest["files"].append({"path": "originals/../../evil.txt", "bytes": 7,
                              "sha256": hashlib.sha256(b"outside").hexdigest()})
    forge(backup, manifest)


@pytest.mark.parametrize(("damage", "message"), [
    (flipped_database, "checksum mismatch: insights.db"),
    (flipped_original, "checksum mismatch: originals/"),
    (missing_manifest, "not a complete backup: it has no manifest.json"),
    (edited_manifest, "manifest.json was edited or damaged"),
    (unreadable_manifest, "manifest.json is damaged: it is not a JSON object"),
    (truncated_database, "insights.db is 4,096 bytes but the manifest says"),
    (missing_original, "the backup is incomplete: originals/"),
    (newer_format, "backup format 2; this version of insights reads format 1"),
    (forged_counts, "the manifest does not describe insights.db"),
    (forged_model, "the manifest does not describe insights.db"),
    (forged_damaged_database, "insights.db in the backup is damaged"),
    (forged_inconsistent_index, "insights.db in the backup is damaged"),
    (forged_without_database, "is not a backup manifest: it must list insights.db"),
    (forged_shapeless, "is not a backup manifest"),
    (forged_unlisted_original, "1 original file(s) the database refers to are not in it"),
    (forged_escaping_path, "which is not a file of a backup"),
])
def test_a_damaged_backup_is_refused_and_nothing_is_restored(runner: CliRunner, made: Path, tmp_path: Path,
                                                             damage: Any, message: str) -> None:
    options = damage(made) or []
    target = tmp_path / "restored"
    result = runner.invoke(cli, [*options, "--data-dir", str(target), "restore", str(made)])
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert not target.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".restored")]  # no staging folder left


def test_a_backup_of_another_model_is_refused_with_the_way_forward(runner: CliRunner, made: Path,
                                                                   tmp_path: Path) -> None:
    target = tmp_path / "restored"
    result = runner.invoke(cli, ["--data-dir", str(target), "--model", "all-MiniLM-L6-v2", "restore", str(made)])
    assert result.exit_code == 1
    assert "embedded with 'hashing'" in result.output and "insights reindex --re-embed" in result.output
    assert not target.exists()


def test_restore_refuses_a_folder_that_is_not_empty(runner: CliRunner, made: Path, tmp_path: Path) -> None:
    target = tmp_path / "busy"
    target.mkdir()
    (target / "insights.db").write_text("someone else's")
    result = runner.invoke(cli, ["--data-dir", str(target), "restore", str(made)])
    assert result.exit_code == 1
    assert "already exists and is not empty; choose a new folder" in result.output
    assert (target / "insights.db").read_text() == "someone else's"


@pytest.mark.slow
def test_round_trip_with_the_real_model(notes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INSIGHTS_MODEL", raising=False)
    runner = CliRunner()
    source = tmp_path / "source"
    run(runner, "--data-dir", str(source), "ingest", str(notes))
    before = answers(runner, source)
    run(runner, "--data-dir", str(source), "backup", str(tmp_path / "backup"))
    assert manifest_of(tmp_path / "backup")["model"] == "all-MiniLM-L6-v2"
    run(runner, "--data-dir", str(tmp_path / "restored"), "restore", str(tmp_path / "backup"))
    assert answers(runner, tmp_path / "restored") == before
