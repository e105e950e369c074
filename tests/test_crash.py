"""SIGKILL an ingest half-way; the repository must open consistent and the re-run must finish the batch."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from insights.config import Settings
from insights.repository import Repository

FILES = 600


def write_batch(folder: Path) -> None:
    """Write many multi-passage notes."""
    folder.mkdir()
    for i in range(FILES):
        paragraphs = [f"Note {i}, paragraph {j}: the schedule export broke for store {i * j}. " * 6 for j in range(4)]
        (folder / f"note{i:04}.md").write_text("\n\n".join(paragraphs))


def ingest_command(data_dir: Path, folder: Path) -> list[str]:
    """Return the CLI command that ingests ``folder``."""
    return [sys.executable, "-m", "insights", "--data-dir", str(data_dir), "ingest", str(folder), "--json"]


def documents_committed(db: Path) -> int:
    """Return how many documents a separate reader sees."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return conn.execute("SELECT count(*) FROM documents").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def test_sigkill_mid_ingest_leaves_a_consistent_repository(tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    write_batch(folder)
    data_dir = tmp_path / "data"
    env = {**os.environ, "INSIGHTS_MODEL": "hashing", "INSIGHTS_INGEST_BATCH": "16"}
    process = subprocess.Popen(ingest_command(data_dir, folder), env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while documents_committed(data_dir / "insights.db") < 20 and time.monotonic() < deadline:
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    committed = documents_committed(data_dir / "insights.db")
    assert 0 < committed < FILES, "the kill must land mid-batch"

    # Reference: the same files ingested without interruption.
    reference = Repository(Settings(data_dir=tmp_path / "reference", model="hashing"))
    reference.ingest([folder])
    expected = {d["filename"]: reference.document(d["id"])["passages"] for d in reference.documents()}

    repo = Repository(Settings(data_dir=data_dir, model="hashing"))
    counts = repo.store.counts()
    assert counts["passages"] == counts["vectors"] == len(repo.index())
    for summary in repo.documents():
        passages = repo.document(summary["id"])["passages"]
        assert [p["text"] for p in passages] == [p["text"] for p in expected[summary["filename"]]]
    assert repo.search("schedule export broke", limit=5)

    rerun = subprocess.run(ingest_command(data_dir, folder), env=env, capture_output=True, text=True, check=True)
    report = json.loads(rerun.stdout)
    assert report["unchanged"] == counts["documents"]
    assert report["added"] == FILES - counts["documents"]
    final = Repository(Settings(data_dir=data_dir, model="hashing"))
    assert final.store.counts() == reference.store.counts()
    assert len(final.index()) == final.store.counts()["passages"]
    assert sorted(p.name for p in (data_dir / "originals").iterdir()) == sorted(
        p.name for p in (tmp_path / "reference" / "originals").iterdir())
