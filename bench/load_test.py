"""Load test `insights serve` on loopback: viewers search, contributors upload, an admin deletes, all signed in.

It starts a real server on a fresh repository with accounts, ingests a starter set, times searches from one
client, then runs concurrent users for ``--seconds`` and reports requests by kind, errors, any 5xx, search
p50/p95 under load beside the single-user figures of the same run, and lost documents: every upload whose
job finished must be in the library at the end unless the admin deleted it. Exit status 1 on any 5xx or loss.

    .venv/bin/python bench/load_test.py                          # real model, 20 users, 120 s
    .venv/bin/python bench/load_test.py --model hashing --seconds 15 --corpus examples/demo/interviews
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import random
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from timing import percentile, start_server, stop_server, table

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PASSWORD = "load-test-password"
QUESTIONS = [
    "Why do new admins struggle in the first week?", "Why do workers keep getting logged out of the app?",
    "What is ERR-PAY-214 and who is affected?", "What do customers say about RotaMate's pricing?",
    "Is the Business plan worth the price?", "Why can't warehouse staff clock in?",
    "What does enterprise security need before rollout?", "Why do shift swaps sit in pending?",
    "What do people like about ShiftCraft?", "How does ShiftPilot compare on sync and offline?",
    "Can managers build custom reports?", "Why do payroll teams prefer Clockwise HR?",
    "geofence rejected clock-in", "overtime missing from payroll export", "notifications for swap approvals",
    "offline mode with poor signal", "SSO and SCIM", "labor forecast pricing", "AutoFill saves hours",
]
#: Job states that put a document in the library.
STORED = ("added", "updated", "unchanged")


def loopback_only(url: str) -> str:
    """Return ``url`` when its host is a loopback address; refuse any other (no load test of others' servers)."""
    host = urlsplit(url).hostname or ""
    try:
        ok = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        ok = False
    if not ok:
        sys.exit(f"refusing {url!r}: the load test only runs against loopback (127.0.0.1, ::1, localhost)")
    return url.rstrip("/")


def free_port(host: str) -> int:
    """Return a TCP port free on ``host`` right now."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def cli(data: Path, env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    """Run an ``insights`` command on the test repository and return its output; stop on failure."""
    done = subprocess.run([sys.executable, "-m", "insights", "--data-dir", str(data), *args], cwd=ROOT, env=env,
                          input=stdin, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"insights {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def csrf_token(html: str) -> str:
    """Return the form token a page carries."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    if not found:
        raise RuntimeError("the page has no form token")
    return found[1]


@dataclass
class Stats:
    """What every simulated user saw, shared by all of them."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: Counter[str] = field(default_factory=Counter)
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    #: batch id → the user who uploaded it
    batches: dict[int, str] = field(default_factory=dict)
    deleted: set[int] = field(default_factory=set)

    def note(self, kind: str, status: int, seconds: float, problem: str | None = None) -> None:
        """Count one request, its status and time; keep the first few problems word for word."""
        with self.lock:
            self.requests[kind] += 1
            self.statuses[(kind, status)] += 1
            self.latencies[kind].append(seconds)
            if problem and len(self.errors) < 50:
                self.errors.append(problem)


class User:
    """One signed-in person with their own session, as a browser would have."""

    def __init__(self, base: str, name: str, stats: Stats, pace: float, seed: int) -> None:
        self.base, self.name, self.stats, self.pace = base, name, stats, pace
        self.http = requests.Session()
        self.http.trust_env = False  # no proxy from the environment: requests stay on loopback
        self.rng = random.Random(seed)

    def call(self, kind: str, method: str, path: str, expect: tuple[int, ...] = (200,),
             **kwargs: Any) -> requests.Response | None:
        """Make one request, time it and count it; a refused or failed request is an error, never an exception."""
        start = time.perf_counter()
        try:
            response = self.http.request(method, self.base + path, timeout=120, allow_redirects=False, **kwargs)
        except requests.RequestException as ex:
            self.stats.note(kind, 0, time.perf_counter() - start, f"{self.name} {method} {path}: {ex}")
            return None
        ok = response.status_code in expect
        self.stats.note(kind, response.status_code, time.perf_counter() - start,
                        None if ok else f"{self.name} {method} {path}: {response.status_code} {response.text[:200]}")
        return response if ok else None

    def sign_in(self) -> None:
        """Sign in through the form, with the form token, as a browser does."""
        page = self.call("login", "GET", "/login")
        if page is None or self.call("login", "POST", "/login", (303,), data={
                "name": self.name, "password": PASSWORD, "csrf_token": csrf_token(page.text)}) is None:
            raise RuntimeError(f"{self.name} could not sign in")

    def think(self, low: float, high: float) -> None:
        """Pause as a person would between actions (``--pace 0``: not at all)."""
        time.sleep(self.rng.uniform(low, high) * self.pace)

    def search(self, kind: str = "search") -> None:
        """Ask one question on the search page."""
        self.call(kind, "GET", "/", params={"q": self.rng.choice(QUESTIONS)})

    def upload(self, number: int) -> int | None:
        """Upload one small, unique file, through the page's form or the API by turns; return its batch id."""
        name = f"{self.name}-{number}.md"
        topic = self.rng.choice(["payroll", "swap", "geofence"])
        body = (f"# Note {number} from {self.name}\n\nA customer said the {topic} flow failed on "
                f"{self.rng.randint(1, 28)} March; reference {self.name}-{number}-{time.time_ns()}.\n")
        files = {"files": (name, body.encode(), "text/markdown")}
        if number % 2:
            response = self.call("upload (API)", "POST", "/api/v1/uploads", (202,), files=files)
            batch_id = response.json()["batch"]["id"] if response is not None else None
        else:
            form = self.call("upload (page)", "GET", "/upload")
            if form is None:
                return None
            response = self.call("upload (page)", "POST", "/upload", (302,), files=files,
                                 data={"csrf_token": csrf_token(form.text)})
            found = re.search(r"/upload/batches/(\d+)", response.headers.get("Location", "")) if response else None
            batch_id = int(found[1]) if found else None
        if batch_id is not None:
            with self.stats.lock:
                self.stats.batches[batch_id] = self.name
        return batch_id

    def batch(self, batch_id: int) -> dict[str, Any] | None:
        """Return an upload batch's progress."""
        response = self.call("batch status", "GET", f"/api/v1/batches/{batch_id}")
        return response.json()["batch"] if response is not None else None


def viewer(user: User, until: float) -> None:
    """Search until the time is up."""
    while time.monotonic() < until:
        user.search()
        user.think(0.0, 1.0)


def contributor(user: User, until: float) -> None:
    """Upload small files until the time is up."""
    number = 0
    while time.monotonic() < until:
        number += 1
        user.upload(number)
        user.think(1.0, 3.0)


def admin(user: User, until: float) -> None:
    """Upload files and delete each once ingested (page and API by turns), until the time is up.

    The admin never waits on its own upload: the queue is shared with the contributors, so it deletes
    whichever of its uploads have finished each time round.
    """
    number, pending = 0, []
    while time.monotonic() < until:
        number += 1
        batch_id = user.upload(number)
        if batch_id is not None:
            pending.append(batch_id)
        for batch_id in list(pending):
            found = user.batch(batch_id)
            if found is not None and not found["finished"]:
                continue
            pending.remove(batch_id)
            document_id = found["jobs"][0]["document_id"] if found else None
            if document_id is not None:
                delete(user, document_id, api=len(user.stats.deleted) % 2 == 0)
        user.think(1.0, 2.0)


def delete(user: User, document_id: int, api: bool) -> None:
    """Delete a document through the API or its page's confirmation form, and note it."""
    if api:
        done = user.call("delete (API)", "DELETE", f"/api/v1/documents/{document_id}", (204,))
    else:
        page = user.call("delete (page)", "GET", f"/documents/{document_id}")
        done = page and user.call("delete (page)", "POST", f"/documents/{document_id}/delete", (302,),
                                  data={"csrf_token": csrf_token(page.text)})
    if done is not None:
        with user.stats.lock:
            user.stats.deleted.add(document_id)


def check_documents(admin_user: User, stats: Stats, wait: float) -> dict[str, Any]:
    """Wait for every upload to finish, then check that each stored one is in the library or was deleted."""
    deadline = time.monotonic() + wait
    jobs: list[dict[str, Any]] = []
    for batch_id in sorted(stats.batches):
        while True:
            found = admin_user.batch(batch_id)
            if found is None or found["finished"] or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        jobs += [{**job, "uploader": stats.batches[batch_id], "finished": bool(found and found["finished"])}
                 for job in (found["jobs"] if found else [{"document_id": None, "status": "unknown"}])]
    library = admin_user.call("library", "GET", "/api/v1/documents")
    present = {d["id"] for d in library.json()["documents"]} if library is not None else set()
    stored = [j for j in jobs if j["status"] in STORED]
    lost = [j for j in stored if j["document_id"] not in present and j["document_id"] not in stats.deleted]
    return {"uploads": len(jobs), "stored": len(stored), "failed": sum(j["status"] == "failed" for j in jobs),
            "unfinished": sum(not j["finished"] for j in jobs), "deleted": len(stats.deleted),
            "lost": len(lost), "lost_jobs": lost[:10], "library_at_end": len(present),
            "by_uploader": dict(Counter(j["uploader"] for j in stored))}


def audit_by_actor(data: Path) -> dict[str, int]:
    """Count the document.add entries of the audit log per user (read-only, after the server stopped)."""
    with sqlite3.connect(f"file:{data / 'insights.db'}?mode=ro", uri=True) as db:
        return dict(db.execute("SELECT actor, COUNT(*) FROM audit WHERE action = 'document.add' GROUP BY actor"))


def main() -> int:
    """Set up the server and its people, measure one client, then the crowd; print and return the verdict."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=120, help="how long the crowd runs (default 120)")
    parser.add_argument("--viewers", type=int, default=14)
    parser.add_argument("--contributors", type=int, default=5)
    parser.add_argument("--model", default=None, help="embedding model (default: the configured one; "
                                                      "'hashing' for a fast run without the model)")
    parser.add_argument("--corpus", type=Path, default=ROOT / "examples" / "demo", help="starter set to ingest")
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to serve on")
    parser.add_argument("--threads", type=int, default=8, help="waitress request threads")
    parser.add_argument("--baseline", type=int, default=40, help="single-user searches before the load")
    parser.add_argument("--pace", type=float, default=1.0, help="think-time multiplier (0: no pauses)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    loopback_only(f"http://{'[' + args.host + ']' if ':' in args.host else args.host}/")

    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    if args.model:
        env["INSIGHTS_MODEL"] = args.model
    with tempfile.TemporaryDirectory(prefix="insights-load-") as tmp:
        data = Path(tmp) / "data"
        setup = time.perf_counter()
        cli(data, env, "users", "add", "admin", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
        cli(data, env, "ingest", str(args.corpus))
        port = free_port(args.host)
        server, _ = start_server(data, port, args.threads, Path(tmp) / "server.log", args.host, env)
        try:
            base = loopback_only(f"http://{'[' + args.host + ']' if ':' in args.host else args.host}:{port}")
            stats = Stats()
            boss = User(base, "admin", stats, args.pace, 0)
            boss.sign_in()
            # One CLI process per account would cost seconds each; the admin's page is what a team uses anyway.
            people = ([f"viewer{n}" for n in range(1, args.viewers + 1)]
                      + [f"contributor{n}" for n in range(1, args.contributors + 1)])
            for name in people:
                form = boss.call("add person", "GET", "/admin/users")
                role = "viewer" if name.startswith("viewer") else "contributor"
                if form is None or boss.call("add person", "POST", "/admin/users", (303,), data={
                        "name": name, "password": PASSWORD, "role": role, "csrf_token": csrf_token(form.text)}) is None:
                    sys.exit(f"could not add {name}: {stats.errors}")
            users = [User(base, name, stats, args.pace, seed) for seed, name in enumerate(people, 1)]
            for user in users:
                user.sign_in()
            setup = time.perf_counter() - setup

            # The single-user figure: the same server and search page, one client, nothing else running.
            solo = users[0]
            for _ in range(5):
                solo.search("warm-up")
            for _ in range(args.baseline):
                solo.search("search (alone)")

            until = time.monotonic() + args.seconds
            roles = {"viewer": viewer, "contributor": contributor}
            threads = [threading.Thread(target=roles[u.name.rstrip("0123456789")], args=(u, until), name=u.name)
                       for u in users]
            threads.append(threading.Thread(target=admin, args=(boss, until), name="admin"))
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            ran = time.perf_counter() - started
            documents = check_documents(boss, stats, wait=300)
        finally:
            stop_server(server)
        audited = audit_by_actor(data)

    server_errors = {f"{kind} {status}": n for (kind, status), n in stats.statuses.items() if status >= 500}
    failed = {f"{kind} {status}": n for (kind, status), n in stats.statuses.items()
              if status == 0 or 400 <= status < 500}
    alone, crowd = stats.latencies["search (alone)"], stats.latencies["search"]
    result = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "users": {"viewers": args.viewers, "contributors": args.contributors, "admins": 1},
        "model": args.model or "configured default", "corpus": str(args.corpus), "seconds": round(ran, 1),
        "setup_seconds": round(setup, 1), "cpus": os.cpu_count(), "load_average": os.getloadavg(),
        "requests": dict(stats.requests), "server_errors": server_errors, "other_errors": failed,
        "errors_sample": stats.errors[:10],
        "search_ms": {name: {"n": len(v), "p50": percentile(v, 50) * 1000, "p95": percentile(v, 95) * 1000}
                      for name, v in (("alone", alone), ("under load", crowd))},
        "documents": documents,
        "audited_document_adds": audited,
        # Every stored upload is a document.add under its uploader's name: the audit log kept up with the load.
        "audit_mismatch": {name: [n, audited.get(name, 0)] for name, n in documents["by_uploader"].items()
                           if audited.get(name, 0) != n},
    }
    print(f"$ {result['command']}")
    print(f"{len(threads)} users for {ran:.0f} s on {os.cpu_count()} CPUs (setup {setup:.0f} s), model "
          f"{result['model']}\n")
    print(table(["requests", "count", "p50 ms", "p95 ms"],
                [[kind, n, percentile(stats.latencies[kind], 50) * 1000, percentile(stats.latencies[kind], 95) * 1000]
                 for kind, n in sorted(stats.requests.items())]))
    print()
    print(table(["search page", "n", "p50 ms", "p95 ms"],
                [[name, s["n"], s["p50"], s["p95"]] for name, s in result["search_ms"].items()]))
    print(f"\n5xx: {sum(server_errors.values())} {server_errors or ''}; other errors: {failed or 'none'}")
    print(f"documents: {json.dumps(documents)}")
    print(f"audit log, document.add by user: {json.dumps(audited, sort_keys=True)}; "
          f"mismatches: {result['audit_mismatch'] or 'none'}")
    for problem in stats.errors[:10]:
        print("  " + problem)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, default=str) + "\n")
    return 1 if server_errors or documents["lost"] or documents["unfinished"] or result["audit_mismatch"] else 0


if __name__ == "__main__":
    sys.exit(main())
