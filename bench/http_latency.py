"""Benchmark HTTP search latency of `insights serve` under wrk, beside in-process search latency on the same data."""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from corpus import questions
from search_latency import build, timed
from timing import machine_info, percentile, start_server, stop_server, summary_ms, table, write_json

from insights.config import DEFAULT_MODEL, Settings
from insights.repository import Repository

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
SCRIPT = BENCH / "wrk_search.lua"
#: ``corpus.questions`` can make only ~520 distinct questions, and never returns if asked for more.
MAX_QUESTIONS = 500


def free_port() -> int:
    """Return a TCP port that is free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, timeout: float = 30) -> tuple[int, bytes]:
    """Return the status and body of a GET."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, response.read()


def search_url(base: str, question: str, limit: int) -> str:
    """Return the JSON API URL that asks ``question``."""
    return f"{base}/api/v1/search?{urllib.parse.urlencode({'q': question, 'limit': limit})}"


def cpu_seconds(pid: int) -> float:
    """Return the user + system CPU seconds a process has used so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu_seconds() -> float:
    """Return the busy (non-idle, non-iowait) CPU seconds of the whole machine so far, over all cores."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds() -> float:
    """Return the user + system CPU seconds of this process's finished children (wrk, here)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def warm_up(base: str, asked: list[str], limit: int) -> None:
    """Ask a few questions one at a time and check the answers are real pages of hits."""
    for question in asked:
        status, body = get(search_url(base, question, limit))
        hits = json.loads(body)["hits"]
        if status != 200 or len(hits) != limit:
            sys.exit(f"warm-up: {question!r} gave status {status} and {len(hits)} hits, expected {limit}")
    status, body = get(f"{base}/?{urllib.parse.urlencode({'q': asked[0]})}")
    if status != 200 or b"<html" not in body.lower():
        sys.exit(f"warm-up: the HTML search page gave status {status}")


def run_wrk(base: str, args: argparse.Namespace, bank: Path) -> dict[str, Any]:
    """Run wrk with the Lua script and return its JSON summary, plus the command line."""
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s", "--timeout",
               f"{args.timeout}s", "--latency", "-s", str(SCRIPT), base, "--", str(bank), str(args.html_share),
               str(args.limit)]
    print("$ " + " ".join(command), flush=True)
    done = subprocess.run(command, capture_output=True, text=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith("WRK_JSON ")]
    if done.returncode != 0 or not lines:
        sys.exit(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    print("\n".join(line for line in done.stdout.splitlines() if not line.startswith("WRK_JSON ")), flush=True)
    return {"command": " ".join(command), **json.loads(lines[-1].removeprefix("WRK_JSON "))}


def in_process(repo: Repository, asked: list[str], warmup: list[str], limit: int) -> dict[str, list[float]]:
    """Time ``repo.search`` and ``repo.search_page`` (what the endpoint calls), alternating which goes first."""
    calls = {
        "in-process repo.search (hybrid)": lambda q: repo.search(q, mode="hybrid", limit=limit),
        "in-process repo.search_page (hybrid)": lambda q: repo.search_page(q, mode="hybrid", limit=limit),
    }
    for question in warmup:
        for call in calls.values():
            call(question)
    times: dict[str, list[float]] = {name: [] for name in calls}
    for number, question in enumerate(asked):
        names = list(calls) if number % 2 == 0 else list(reversed(calls))
        for name in names:
            times[name].append(timed(lambda q=question, name=name: calls[name](q))[0])
    return times


def main() -> None:
    """Build a repository, load it with wrk through `insights serve`, then time the same searches in-process."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--passages", type=int, default=10_000, help="passages in the repository")
    parser.add_argument("--duration", type=int, default=30, help="seconds of wrk load")
    parser.add_argument("--connections", type=int, default=8, help="concurrent wrk connections (clients)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--server-threads", type=int, default=8, help="waitress request threads")
    parser.add_argument("--timeout", type=int, default=10, help="wrk per-request timeout in seconds")
    parser.add_argument("--html-share", type=float, default=0.0,
                        help="share of requests (0-1) sent to the HTML page / instead of the JSON API")
    parser.add_argument("--limit", type=int, default=10, help="hits per search")
    parser.add_argument("--questions", type=int, default=MAX_QUESTIONS, help="distinct questions wrk rotates through")
    parser.add_argument("--queries", type=int, default=150, help="timed in-process questions")
    parser.add_argument("--warmup", type=int, default=20, help="untimed questions first, over HTTP and in-process")
    parser.add_argument("--quick", action="store_true", help="5 s of load and 30 in-process questions")
    args = parser.parse_args()
    if args.quick:
        args.duration, args.queries = 5, 30
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    count = min(MAX_QUESTIONS, max(args.questions, args.warmup + args.queries))
    bank = questions(count)
    warmup, asked = bank[: args.warmup], bank[args.warmup : args.warmup + args.queries]

    with tempfile.TemporaryDirectory(prefix="insights-bench-") as tmp:
        data, bank_file = Path(tmp) / "data", Path(tmp) / "questions.txt"
        repo = Repository(Settings(data_dir=data, model=DEFAULT_MODEL))
        build_s, _ = timed(lambda: build(repo.store, args.passages))
        index_s, _ = timed(repo.index)
        repo.close()
        bank_file.write_text("\n".join(bank) + "\n", encoding="utf-8")
        print(f"{args.passages:,} passages: database built in {build_s:.1f} s, FAISS index in {index_s:.1f} s",
              flush=True)

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server, ready_s = start_server(data, port, args.server_threads, Path(tmp) / "server.log")
        try:
            print(f"insights serve answered after {ready_s:.1f} s", flush=True)
            warm_up(base, warmup, args.limit)
            before = cpu_seconds(server.pid), machine_cpu_seconds(), children_cpu_seconds()
            wrk = run_wrk(base, args, bank_file)
            wrk["server_cpu_s"] = cpu_seconds(server.pid) - before[0]
            wrk["wrk_cpu_s"] = children_cpu_seconds() - before[2]
            wrk["other_cpu_s"] = machine_cpu_seconds() - before[1] - wrk["server_cpu_s"] - wrk["wrk_cpu_s"]
        finally:
            stop_server(server)

        repo = Repository(Settings(data_dir=data, model=DEFAULT_MODEL))
        load_s, _ = timed(lambda: repo.search(warmup[0]))
        print(f"in-process: model and indexes loaded in {load_s:.1f} s", flush=True)
        times = in_process(repo, asked, warmup, args.limit)
        repo.close()

    http = {p: wrk["latency_us"][p] / 1000 for p in ("p50", "p95", "p99", "mean")}
    seconds = wrk["duration_us"] / 1e6
    throughput = wrk["requests"] / seconds
    errors = sum(v for k, v in wrk["errors"].items() if k != "status")  # status (>= 400) is within non2xx
    stats = {name: {**summary_ms(values), "p99_ms": percentile([v * 1000 for v in values], 99)}
             for name, values in times.items()}
    target = "GET /api/v1/search" + (f" + {args.html_share:.0%} GET /" if args.html_share else "")
    rows = [[f"HTTP {target} (wrk, {args.connections} connections)", http["p50"], http["p95"], http["p99"],
             http["mean"]]]
    rows += [[name, s["p50_ms"], s["p95_ms"], s["p99_ms"], s["mean_ms"]] for name, s in stats.items()]
    ratios = {}
    for name, s in stats.items():
        short = name.removeprefix("in-process ").removesuffix(" (hybrid)")
        ratios[short] = {"p50": http["p50"] / s["p50_ms"], "p95": http["p95"] / s["p95_ms"]}
        rows.append([f"ratio HTTP / {short}", ratios[short]["p50"], ratios[short]["p95"], "", ""])

    print(f"\n### HTTP vs in-process search, {args.passages:,} passages ({wrk['requests']:,} HTTP requests over "
          f"{seconds:.1f} s with {args.connections} connections on {args.threads} wrk threads, waitress "
          f"{args.server_threads} threads; {len(asked)} in-process questions)\n")
    print(table(["measure", "p50 ms", "p95 ms", "p99 ms", "mean ms"], rows))
    print(f"\nthroughput {throughput:.1f} requests/s; errors {errors} ({wrk['errors']}); "
          f"server CPU {wrk['server_cpu_s'] * 1000 / max(wrk['requests'], 1):.0f} ms per request "
          f"({wrk['server_cpu_s'] / seconds:.2f} of {os.cpu_count()} cores busy); wrk used "
          f"{wrk['wrk_cpu_s'] / seconds:.2f} cores, other processes {max(wrk['other_cpu_s'], 0) / seconds:.2f}")

    results = {
        "passages": args.passages, "build_s": build_s, "index_s": index_s, "server_ready_s": ready_s,
        "in_process_load_s": load_s, "connections": args.connections, "wrk_threads": args.threads,
        "server_threads": args.server_threads, "duration_s": args.duration, "html_share": args.html_share,
        "limit": args.limit, "distinct_questions": len(bank), "in_process_queries": len(asked),
        "warmup": len(warmup), "wrk": wrk,
        "http_ms": http, "requests_per_s": throughput, "errors": errors,
        "in_process": stats, "ratio_http_over_in_process": ratios,
        "samples_ms": {name: [round(v * 1000, 3) for v in values] for name, values in times.items()},
        "machine": machine_info(),
    }
    print(f"written {write_json('http_latency', results)}")
    if errors:
        sys.exit(f"{errors} HTTP errors: the run is invalid")


if __name__ == "__main__":
    main()
