"""A durable upload queue in SQLite, worked by one background thread; a restart resumes it."""

from __future__ import annotations

import contextlib
import json
import logging
import secrets
import shutil
import threading
import time
from collections.abc import Iterable
from pathlib import Path, PurePath
from typing import IO, Any

from ingest.parsers import ParseOptions
from insights.errors import DocumentNotFound
from insights.repository import Repository
from insights.storage import audit
from insights.storage.atomic import atomic_write

log = logging.getLogger(__name__)

#: Job states; the last four are final.
QUEUED, RUNNING, FINAL = "queued", "running", ("added", "updated", "unchanged", "failed")

#: How many times a job may be started; a file that was being read each time the server died is given up.
MAX_ATTEMPTS = 2

#: Parked upload folders no job refers to are deleted at start once they are this old (seconds):
#: younger ones may belong to a request that is still storing its files.
ORPHAN_AGE = 600


def submit(repo: Repository, files: Iterable[tuple[str, IO[bytes]]], metadata: dict[str, Any],
           actor: str = audit.LOCAL) -> int:
    """Park uploaded files durably, then record the batch, its uploader and its jobs in one transaction.

    Return the batch id.

    A failure or a crash before the transaction leaves no batch, only a parked folder that the
    worker deletes; a batch, once it exists, has every one of its files.
    """
    folder = repo.data_dir / "uploads" / secrets.token_hex(8)
    rows = []
    try:
        folder.mkdir(parents=True)
        for number, (name, stream) in enumerate(files, 1):
            # Parked under a plain name: the user's name may be long, or anything at all.
            path = folder / f"{number}{PurePath(name).suffix.lower()}"
            data = stream.read()
            atomic_write(path, data)
            rows.append((name, str(path), len(data)))
        with repo.store.transaction() as db:
            batch_id = int(db.execute("INSERT INTO batches (metadata, actor) VALUES (?, ?)",
                                      (json.dumps(metadata), actor)).lastrowid or 0)
            db.executemany("INSERT INTO jobs (batch_id, filename, path, size) VALUES (?, ?, ?, ?)",
                           [(batch_id, *row) for row in rows])
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
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
    return {"id": batch_id, "created_at": row["created_at"], "actor": row["actor"],
            "metadata": json.loads(row["metadata"]), "jobs": jobs,
            "counts": counts, "total": len(jobs), "done": done, "finished": bool(jobs) and done == len(jobs)}


def _claim(repo: Repository) -> dict[str, Any] | None:
    """Mark the oldest queued job running, count the attempt, and return it with its batch's metadata and actor."""
    with repo.store.transaction() as db:
        row = db.execute(
            """UPDATE jobs SET status = 'running', attempts = attempts + 1,
                   updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
               WHERE id = (SELECT id FROM jobs WHERE status = 'queued' ORDER BY id LIMIT 1)
               RETURNING id, batch_id, filename, path"""
        ).fetchone()
        if row is None:
            return None
        job = dict(row)
        found = db.execute("SELECT metadata, actor FROM batches WHERE id = ?", (job["batch_id"],)).fetchone()
        job["metadata"], job["actor"] = json.loads(found[0]), found[1]
    return job


def _finish(repo: Repository, job: dict[str, Any], status: str, message: str | None = None,
            document_id: int | None = None, passages: int | None = None) -> None:
    """Record a job's outcome and delete its parked file: the repository keeps its own copy of the original."""
    with repo.store.transaction() as db:
        db.execute(
            """UPDATE jobs SET status = ?, message = ?, document_id = ?, passages = ?,
                   updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?""",
            (status, message, document_id, passages, job["id"]),
        )
    Path(job["path"]).unlink(missing_ok=True)
    _remove_if_empty(Path(job["path"]).parent)


def run_one(repo: Repository) -> bool:
    """Work the oldest queued job; return False when none was waiting."""
    job = _claim(repo)
    if job is None:
        return False
    metadata = dict(job["metadata"])
    options = ParseOptions(text_column=metadata.pop("text_column", None), text_field=metadata.pop("text_field", None),
                           interviewers=tuple(metadata.pop("interviewers", ())))
    replace = metadata.pop("replace", None)
    collection = metadata.pop("collection", None)
    try:
        report = repo.ingest_upload(Path(job["path"]), job["filename"], metadata, options, replace, job["actor"],
                                    collection=collection)
    except DocumentNotFound:
        _finish(repo, job, "failed", f"document {replace} to replace no longer exists; nothing was changed")
        return True
    except Exception as ex:  # the worker must outlive any one file
        log.exception("upload job %s failed", job["id"])
        _finish(repo, job, "failed", f"internal error: {ex}")
        return True
    if report.failed:
        _finish(repo, job, "failed", report.failed[0].reason)
        return True
    result = report.results[0]
    notes = [*result.warnings, *_namesakes(repo, job["filename"], result.document_id)]
    _finish(repo, job, result.status, "; ".join(notes) or None, result.document_id, result.passages)
    return True


def _namesakes(repo: Repository, filename: str, document_id: int | None) -> list[str]:
    """Say so when other documents share an upload's name: each upload is its own document unless replaced."""
    others = [row[0] for row in repo.store.db.execute(
        "SELECT id FROM documents WHERE filename = ? AND id != ? ORDER BY id", (filename, document_id or 0))]
    if not others:
        return []
    listed = ", ".join(f"#{i}" for i in others[:5]) + (" …" if len(others) > 5 else "")
    return [f"kept as a new document beside {len(others)} other{'s' if len(others) != 1 else ''} with this name "
            f"({listed}); to replace one, upload the new version from that document's page"]


def recover(repo: Repository) -> None:
    """After a restart: re-queue jobs a crash interrupted, give up on those tried too often, clear stray files."""
    with repo.store.transaction() as db:
        gave_up = db.execute(
            """UPDATE jobs SET status = 'failed', message = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
               WHERE status = 'running' AND attempts >= ? RETURNING path""",
            (f"gave up: the server stopped while reading this file {MAX_ATTEMPTS} times", MAX_ATTEMPTS),
        ).fetchall()
        db.execute("UPDATE jobs SET status = 'queued' WHERE status = 'running'")
        waiting = {row[0] for row in db.execute("SELECT path FROM jobs WHERE status = 'queued'")}
    for (path,) in gave_up:
        Path(path).unlink(missing_ok=True)
    _clear_orphans(repo.data_dir / "uploads", waiting)


def _clear_orphans(uploads: Path, waiting: set[str]) -> None:
    """Delete parked folders no queued job needs (left by failures, crashes or older versions)."""
    if not uploads.is_dir():
        return
    needed = {Path(p).relative_to(uploads).parts[0] for p in waiting if Path(p).is_relative_to(uploads)}
    cutoff = time.time() - ORPHAN_AGE
    for folder in uploads.iterdir():
        try:
            if folder.name in needed or folder.lstat().st_mtime > cutoff:
                continue  # wanted, or perhaps a request still storing its batch
            if folder.is_dir() and not folder.is_symlink():
                shutil.rmtree(folder)
            else:
                folder.unlink()
        except OSError:
            log.warning("could not remove the stray upload %s", folder)


def _remove_if_empty(folder: Path) -> None:
    """Remove a folder if nothing is left in it."""
    with contextlib.suppress(OSError):
        folder.rmdir()


class Worker(threading.Thread):
    """Work queued uploads one at a time until stopped."""

    def __init__(self, repo: Repository, poll_seconds: float = 1.0) -> None:
        super().__init__(name="insights-worker", daemon=True)
        self.repo = repo
        self.poll_seconds = poll_seconds
        self.wake = threading.Event()
        self.stopping = threading.Event()

    def run(self) -> None:
        """Recover from a crash, then work the queue."""
        recover(self.repo)
        while not self.stopping.is_set():
            if not run_one(self.repo):
                self.wake.wait(self.poll_seconds)
                self.wake.clear()
        self.repo.close()

    def stop(self) -> None:
        """Ask the worker to finish its current job and exit."""
        self.stopping.set()
        self.wake.set()
