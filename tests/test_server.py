"""The real server (``insights serve``, waitress) under abuse: idle connections, writes stuck behind a writer.

The hashing embedder keeps it quick; the browser tests run the same server with the real model.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """Return a TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def call(url: str, method: str = "GET", data: bytes | None = None, headers: dict[str, str] | None = None,
         timeout: float = 30) -> tuple[int, dict[str, str], bytes, float]:
    """Make one request; return status, headers, body and seconds taken (HTTP errors are answers too)."""
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read(), time.monotonic() - started
    except urllib.error.HTTPError as ex:
        with ex:
            return ex.code, dict(ex.headers), ex.read(), time.monotonic() - started


def upload(base: str, name: str, data: bytes) -> dict[str, Any]:
    """Upload one file through the API and wait for its batch to finish."""
    boundary = "insights-test-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n\r\n").encode()
    body += data + f"\r\n--{boundary}--\r\n".encode()
    status, _, answer, _ = call(f"{base}/api/v1/uploads", "POST", body,
                                {"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert status == 202, answer
    batch_id = json.loads(answer)["batch"]["id"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        batch = json.loads(call(f"{base}/api/v1/batches/{batch_id}")[2])["batch"]
        if batch["finished"]:
            return batch
        time.sleep(0.1)
    pytest.fail(f"batch {batch_id} did not finish")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """Start ``insights serve`` with 4 threads on a free port; return its base URL and data folder."""
    port, data = free_port(), tmp_path / "data"
    process = start(data, port, tmp_path / "server.log")
    try:
        yield f"http://127.0.0.1:{port}", data
    finally:
        stop(process)


def test_idle_connections_do_not_lock_anyone_out(server):
    base, _ = server
    port = int(base.rsplit(":", 1)[1])
    idle = []
    try:
        for _ in range(150):  # more than waitress's default limit of 100 connections
            idle.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        status, _, body, seconds = call(base + "/api/v1/documents", timeout=10)
        assert status == 200 and seconds < 5, (status, seconds)
    finally:
        for sock in idle:
            sock.close()


def test_writes_stuck_behind_another_writer_answer_busy_and_searches_keep_answering(server, tmp_path):
    base, data = server
    batch = upload(base, "notes.md", b"The geofence rejected me at the door before my shift.")
    document_id = batch["jobs"][0]["document_id"]
    # Another process writing (a long CLI ingest holds this lock file for the whole of each write).
    lock = (data / "write.lock").open("w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        # Twice the server's threads: if each write held a thread until the lock came free, nothing would answer.
        with ThreadPoolExecutor(12) as pool:
            deletes = [pool.submit(call, f"{base}/api/v1/documents/{document_id}", "DELETE") for _ in range(8)]
            searches = [pool.submit(call, f"{base}/api/v1/search?q=geofence") for _ in range(4)]
            for future in deletes:
                status, headers, body, seconds = future.result()
                assert status == 503 and headers["Retry-After"] == "5", body
                assert b"busy" in body and seconds < 10
            for future in searches:
                status, _, body, seconds = future.result()
                assert status == 200 and json.loads(body)["hits"] and seconds < 10
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()
    assert call(f"{base}/api/v1/documents/{document_id}", "DELETE")[0] == 204


def start(data: Path, port: int, log: Path, model: str | None = "hashing",
          timeout: float = 60) -> subprocess.Popen[bytes]:
    """Start ``insights serve`` (4 threads) on ``data`` and wait until it answers; ``model=None``: the bundled one."""
    # The caller's own settings must not leak in (a real INSIGHTS_MODEL, say).
    env = {k: v for k, v in os.environ.items() if not k.startswith("INSIGHTS_")}
    if model:
        env["INSIGHTS_MODEL"] = model
    with log.open("ab") as out:
        process = subprocess.Popen([sys.executable, "-m", "insights", "--data-dir", str(data), "serve",
                                    "--port", str(port), "--threads", "4"],
                                   stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            call(f"http://127.0.0.1:{port}/api/v1/documents", timeout=2)  # any answer, 401 included: it is up
            return process
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    process.kill()
    pytest.fail(f"the server did not start:\n{log.read_text()}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a server started by ``start``, killing it if it will not go."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def multipart(files: list[tuple[str, bytes]]) -> tuple[bytes, dict[str, str]]:
    """Return a multipart body of ``files`` parts and its Content-Type header."""
    boundary = "insights-test-boundary"
    body = b"".join(f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n\r\n"
                    .encode() + data + b"\r\n" for name, data in files) + f"--{boundary}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def test_sigkill_while_the_server_works_an_upload_batch_loses_nothing(tmp_path):
    data, port, log = tmp_path / "data", free_port(), tmp_path / "server.log"
    base = f"http://127.0.0.1:{port}"
    files = [(f"note {i:03}.md", ("\n\n".join(f"Note {i}, part {j}: the rota export broke at store {i * j}. " * 8
                                               for j in range(6))).encode()) for i in range(150)]
    process = start(data, port, log)
    try:
        status, _, answer, _ = call(f"{base}/api/v1/uploads", "POST", *multipart(files))
        assert status == 202
        batch_id = json.loads(answer)["batch"]["id"]
        deadline = time.monotonic() + 60
        while json.loads(call(f"{base}/api/v1/batches/{batch_id}")[2])["batch"]["done"] < 5:
            assert time.monotonic() < deadline
            time.sleep(0.02)
    finally:
        process.kill()  # SIGKILL: no clean-up of any kind
        process.wait()
    process = start(data, port, log)
    try:
        deadline = time.monotonic() + 120
        while not (batch := json.loads(call(f"{base}/api/v1/batches/{batch_id}")[2])["batch"])["finished"]:
            assert time.monotonic() < deadline, batch["counts"]
            time.sleep(0.2)
        # A file whose write committed just before the kill is found unchanged when its job resumes.
        counts = batch["counts"]
        assert counts["added"] + counts["unchanged"] == len(files) and counts["failed"] == 0, counts
        documents = json.loads(call(f"{base}/api/v1/documents")[2])["documents"]
        assert sorted(d["filename"] for d in documents) == [name for name, _ in files]
        assert all(d["passages"] >= 1 for d in documents)
        hits = json.loads(call(f"{base}/api/v1/search?q=rota+export+broke&mode=keyword&limit=200")[2])["hits"]
        assert {h["filename"] for h in hits} == {name for name, _ in files}
        assert not [p for p in (data / "uploads").rglob("*") if p.is_file()]
    finally:
        process.terminate()
        process.wait(timeout=20)


#: How long the soak below runs; CI keeps it short, INSIGHTS_SOAK_SECONDS=300 runs it for minutes.
SOAK_SECONDS = float(os.environ.get("INSIGHTS_SOAK_SECONDS", "20"))


def test_ingest_uploads_and_searches_together_lose_nothing_and_fail_nothing(server, tmp_path):
    base, data = server
    folder = tmp_path / "cli-study"
    folder.mkdir()
    for i in range(300):
        (folder / f"cli {i:03}.md").write_text(f"CLI note {i}: swap approvals take days at store {i}. " * 5)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("INSIGHTS_")}, "INSIGHTS_MODEL": "hashing",
           "INSIGHTS_INGEST_BATCH": "32"}
    errors: list[str] = []
    uploaded: list[str] = []
    stop = time.monotonic() + SOAK_SECONDS

    def uploads(worker: int) -> None:
        n = 0
        while time.monotonic() < stop:
            name = f"upload {worker}-{n}.md"
            status, _, body, _ = call(f"{base}/api/v1/uploads", "POST",
                                      *multipart([(name, f"Upload {worker}-{n}: geofence fails.".encode())]))
            (uploaded.append(name) if status == 202 else errors.append(f"upload {status} {body[:100]!r}"))
            n += 1

    def searches() -> None:
        while time.monotonic() < stop:
            for query in ("geofence fails", "swap approvals", '"store 7"'):
                status, _, body, _ = call(f"{base}/api/v1/search?q={urllib.request.quote(query)}")
                if status != 200:
                    errors.append(f"search {status} {body[:100]!r}")

    cli_log = tmp_path / "cli.log"
    with cli_log.open("wb") as out:
        cli = subprocess.Popen([sys.executable, "-m", "insights", "--data-dir", str(data), "ingest", str(folder)],
                               env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    with ThreadPoolExecutor(4) as pool:
        running = [pool.submit(uploads, 0), pool.submit(uploads, 1), pool.submit(searches), pool.submit(searches)]
        for future in running:
            future.result()
    assert cli.wait(timeout=300) == 0, cli_log.read_text()
    assert errors == []
    deadline = time.monotonic() + 120
    while True:
        documents = {d["filename"] for d in json.loads(call(f"{base}/api/v1/documents")[2])["documents"]}
        if set(uploaded) <= documents or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert set(uploaded) - documents == set(), "uploads lost"
    assert {f"cli {i:03}.md" for i in range(300)} - documents == set(), "CLI ingest lost"
    assert len(uploaded) > 10
