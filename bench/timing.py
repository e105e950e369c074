"""Small helpers shared by the benchmarks: percentiles, Markdown tables, machine facts, JSON output."""

from __future__ import annotations

import json
import os
import platform
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def percentile(values: Sequence[float], q: float) -> float:
    """Return the ``q``-th percentile (0-100) by linear interpolation."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary_ms(seconds: Sequence[float]) -> dict[str, float]:
    """Return n, p50, p95, mean and max of timings given in seconds, in milliseconds."""
    ms = [s * 1000 for s in seconds]
    return {"n": len(ms), "p50_ms": percentile(ms, 50), "p95_ms": percentile(ms, 95),
            "mean_ms": statistics.fmean(ms), "max_ms": max(ms)}


def median(values: Sequence[float]) -> float:
    """Return the median."""
    return statistics.median(values)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Return a Markdown table; floats are shown with 3 significant decimals."""
    def cell(value: Any) -> str:
        if isinstance(value, float):
            return f"{value:,.1f}" if abs(value) >= 100 else f"{value:.3g}" if abs(value) < 1 else f"{value:.2f}"
        return str(value)

    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def machine_info() -> dict[str, Any]:
    """Return the facts that make a timing comparable: CPU, threads, load and library versions."""
    import faiss
    import numpy
    import sentence_transformers
    import torch
    import transformers

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return {
        "cpu": cpu, "cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads(),
        "load_average": os.getloadavg(), "python": sys.version.split()[0], "platform": platform.platform(),
        "torch": torch.__version__, "sentence_transformers": sentence_transformers.__version__,
        "transformers": transformers.__version__, "faiss": faiss.__version__, "numpy": numpy.__version__,
        "sqlite": sqlite3.sqlite_version, "git": git_state(),
        "env": {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
                if k in os.environ},
    }


def git_state() -> str:
    """Return the commit the code under test is at, marked ``-dirty`` when insights/ or ingest/ has edits."""
    root = Path(__file__).resolve().parent.parent

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
        return done.stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return commit + ("-dirty" if git("status", "--porcelain", "--", "insights", "ingest") else "")


def write_json(name: str, data: dict[str, Any]) -> Path:
    """Write results to ``bench/results/<name>.json`` and return the path."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
    return path


def start_server(data: Path, port: int, threads: int, log: Path, host: str = "127.0.0.1",
                 env: dict[str, str] | None = None) -> tuple[subprocess.Popen[bytes], float]:
    """Start ``insights serve``; return it and the seconds until it answered (exit with its log if it never does)."""
    root = Path(__file__).resolve().parent.parent
    command = [sys.executable, "-m", "insights", "--data-dir", str(data), "serve", "--host", host, "--port",
               str(port), "--threads", str(threads)]
    started = time.perf_counter()
    with log.open("wb") as out:
        server = subprocess.Popen(command, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://{'[' + host + ']' if ':' in host else host}:{port}/api/v1/openapi.json"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never through a proxy
    while time.perf_counter() - started < 300:
        if server.poll() is not None:
            sys.exit(f"the server exited with {server.returncode}:\n{log.read_text()}")
        try:
            with opener.open(url, timeout=2) as response:
                if response.status == 200:
                    return server, time.perf_counter() - started
        except OSError:
            time.sleep(0.25)
    stop_server(server)
    sys.exit(f"the server did not answer within 300 s:\n{log.read_text()}")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    """Stop the server as Ctrl+C would, killing it if it lingers."""
    server.send_signal(signal.SIGINT)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
