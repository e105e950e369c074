"""The upload queue: durable jobs, one worker, and a restart that resumes what a crash interrupted."""

from __future__ import annotations

import io
import time
from pathlib import Path

from insights.config import Settings
from insights.repository import Repository
from insights.web import jobs


def wait_until_finished(repo: Repository, batch_id: int, seconds: float = 30) -> dict:
    """Poll a batch until every job is final."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = jobs.batch(repo, batch_id)
        if status and status["finished"]:
            return status
        time.sleep(0.05)
    raise AssertionError(f"batch {batch_id} did not finish: {jobs.batch(repo, batch_id)}")


def test_a_restarted_worker_resumes_jobs_a_crash_left_running(data_dir: Path) -> None:
    repo = Repository(Settings(data_dir=data_dir, model="hashing"))
    batch_id = jobs.submit(repo, [("a.md", io.BytesIO(b"Swap approvals take days.")),
                                  ("b.md", io.BytesIO(b"The geofence rejects me at the door."))], {"kind": "interview"})
    # A crash mid-job leaves it marked running; nothing else knows it died.
    with repo.store.transaction() as db:
        db.execute("UPDATE jobs SET status = 'running' WHERE id = (SELECT min(id) FROM jobs)")

    restarted = Repository(Settings(data_dir=data_dir, model="hashing"))
    worker = jobs.Worker(restarted, poll_seconds=0.05)
    worker.start()
    try:
        status = wait_until_finished(restarted, batch_id)
    finally:
        worker.stop()
        worker.join(10)
    assert [j["status"] for j in status["jobs"]] == ["added", "added"]
    assert {d["kind"] for d in restarted.documents()} == {"interview"}
    assert not (data_dir / "uploads" / str(batch_id) / "1").exists(), "parked uploads are cleared once ingested"


def test_an_upload_is_known_by_name_and_content_and_replaces_only_on_purpose(data_dir: Path) -> None:
    repo = Repository(Settings(data_dir=data_dir, model="hashing"))
    first = jobs.submit(repo, [("notes.md", io.BytesIO(b"First version."))], {})
    again = jobs.submit(repo, [("notes.md", io.BytesIO(b"First version."))], {})
    edited = jobs.submit(repo, [("notes.md", io.BytesIO(b"Second version."))], {})
    while jobs.run_one(repo):
        pass
    outcomes = [jobs.batch(repo, b)["jobs"][0] for b in (first, again, edited)]
    assert [j["status"] for j in outcomes] == ["added", "unchanged", "added"]
    # Same name, other content: a document of its own, and the batch says how to replace on purpose.
    assert "replace" in outcomes[2]["message"] and f"#{outcomes[0]['document_id']}" in outcomes[2]["message"]
    assert sorted(repo.document(d["id"])["text"] for d in repo.documents()) == ["First version.", "Second version."]

    replaced = jobs.submit(repo, [("notes v3.md", io.BytesIO(b"Third version."))],
                           {"replace": outcomes[0]["document_id"]})
    while jobs.run_one(repo):
        pass
    job = jobs.batch(repo, replaced)["jobs"][0]
    assert (job["status"], job["document_id"]) == ("updated", outcomes[0]["document_id"])
    assert sorted(repo.document(d["id"])["text"] for d in repo.documents()) == ["Second version.", "Third version."]
