"""A durable upload queue in SQLite, worked by one background thread; a restart resumes it."""

from __future__ import annotations

import json
import logging
import shutil
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from ingest.parsers import ParseOptions
from insights.atomic import atomic_write
from insights.repository import Repository

log = logging.getLogger(__name__)

#: Job states; the last four are final.
QUEUED, RUNNING, FINAL = "queued", "running", ("added", "updated", "unchanged", "failed")


def submit(repo: Repository, files: Iterable[tuple[str, IO[bytes]]], metadata: dict[str, Any]) -> int:
    """Store uploaded files durably and queue one job each; return the batch id."""
    store = repo.store
    with store.transaction() as db:
        batch_id = int(db.execute("INSERT INTO batches (metadata) VALUES (?)", (json.dumps(metadata),)).lastrowid or 0)
    folder = repo.data_dir / "uploads" / str(batch_id)
    jobs = []
    for number, (name, stream) in enumerate(files, 1):
        path = folder / str(number) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        data = stream.read()
        atomic_write(path, data)
        jobs.append((batch_id, name, str(path), len(data)))
    # Files first, then their jobs in one transaction: a crash in between leaves only stray files.
    with store.transaction() as db:
        db.executemany("INSERT INTO jobs (batch_id, filename, path, size) VALUES (?, ?, ?, ?)", jobs)
    return batch_id


def batch(repo: Repository, batch_id: int) -> dict[str, Any] | None:
    """Return a batch's metadata, its jobs and counts by state, or None."""
    db = repo.store.db
    row = db.execute("SELECT * FROM batches WHERE id = ?", (batch_id,)).fetchone()
    if row is None:
        return None
    jobs = [dict(r) for r in db.execute(
        "SELECT id, filename, size, status, message, document_id, passages FROM jobs WHERE batch_id = ? ORDER BY id",
        (batch_id,))]
    counts = {state: sum(j["status"] == state for j in jobs) for state in (QUEUED, RUNNING, *FINAL)}
    done = sum(counts[s] for s in FINAL)
    return {"id": batch_id, "created_at": row["created_at"], "metadata": json.loads(row["metadata"]), "jobs": jobs,
            "counts": counts, "total": len(jobs), "done": done, "finished": done == len(jobs)}


def _claim(repo: Repository) -> dict[str, Any] | None:
    """Mark the oldest queued job running and return it with its batch metadata."""
    with repo.store.transaction() as db:
        row = db.execute(
            """UPDATE jobs SET status = 'running', updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
               WHERE id = (SELECT id FROM jobs WHERE status = 'queued' ORDER BY id LIMIT 1)
               RETURNING id, batch_id, filename, path"""
        ).fetchone()
        if row is None:
            return None
        job = dict(row)
        job["metadata"] = json.loads(db.execute("SELECT metadata FROM batches WHERE id = ?",
                                                (job["batch_id"],)).fetchone()[0])
    return job


def _finish(repo: Repository, job_id: int, status: str, message: str | None = None,
            document_id: int | None = None, passages: int | None = None) -> None:
    """Record a job's outcome."""
    with repo.store.transaction() as db:
        db.execute(
            """UPDATE jobs SET status = ?, message = ?, document_id = ?, passages = ?,
                   updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?""",
            (status, message, document_id, passages, job_id),
        )


def run_one(repo: Repository) -> bool:
    """Work the oldest queued job; return False when none was waiting."""
    job = _claim(repo)
    if job is None:
        return False
    metadata = dict(job["metadata"])
    options = ParseOptions(text_column=metadata.pop("text_column", None), text_field=metadata.pop("text_field", None))
    path = Path(job["path"])
    try:
        report = repo.ingest_upload(path, job["filename"], metadata, options)
    except Exception as ex:  # the worker must outlive any one file
        log.exception("upload job %s failed", job["id"])
        _finish(repo, job["id"], "failed", f"internal error: {ex}")
        return True
    if report.failed:
        _finish(repo, job["id"], "failed", report.failed[0].reason)
        return True
    result = report.results[0]
    _finish(repo, job["id"], result.status, "; ".join(result.warnings) or None, result.document_id, result.passages)
    # The repository keeps its own copy of the original; the upload was only a parking place.
    shutil.rmtree(path.parent, ignore_errors=True)
    return True


class Worker(threading.Thread):
    """Work queued uploads one at a time until stopped."""

    def __init__(self, repo: Repository, poll_seconds: float = 1.0) -> None:
        super().__init__(name="insights-worker", daemon=True)
        self.repo = repo
        self.poll_seconds = poll_seconds
        self.wake = threading.Event()
        self.stopping = threading.Event()

    def run(self) -> None:
        """Resume jobs a crash left running, then work the queue."""
        with self.repo.store.transaction() as db:
            db.execute("UPDATE jobs SET status = 'queued' WHERE status = 'running'")
        while not self.stopping.is_set():
            if not run_one(self.repo):
                self.wake.wait(self.poll_seconds)
                self.wake.clear()
        self.repo.close()

    def stop(self) -> None:
        """Ask the worker to finish its current job and exit."""
        self.stopping.set()
        self.wake.set()
