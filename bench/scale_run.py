"""The whole repository at 10k, 100k and 1M passages: build, writes until searchable, hybrid search, startup, memory.

Repositories are made without embedding anything: each passage is a real one of the SciFact and
StackFAQ evaluation repositories (its text with one word in eight swapped for another of the
corpus's, its stored MiniLM vector plus Gaussian noise, renormalised), ten to a document, with
kinds, participants, dates and a rare competitor to filter on. Queries are 200 real BEIR questions
encoded once with the bundled model (bench/scale.py's cache); the repository's embedder is replaced
by one that answers those questions from the cache and anything else (a new file's passages) with
perturbed stored vectors, so encoding is not timed here (bench/search_latency.py times it).

Steps per size, each in the same run against its own baseline where one exists:
  make      the SQLite repository (not timed as a product figure)
  build     every derived index from SQLite, first open (cold), then the same in a fresh process (warm start)
  writes    add one 20-passage file / remove it, until keyword and vector search both see it (p50/p95)
  search    hybrid p50/p95 in-process, without a filter and with a kind filter (20 %) and a
            participant-range filter (~1 %); vector recall@10 of the index in use against exact search
  serve     `insights serve` in a subprocess: seconds until it answers /healthz... (first byte) and its RSS
  disk      the database and the derived files
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np
from timing import machine_info, summary_ms, table, write_json
from write_latency import new_file

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("/tmp/ev-scifact/insights.db", "/tmp/ev-stackfaq/insights.db")
QUERIES = ("../shared/evaldata/scifact/queries.jsonl", "../shared/evaldata/stackfaq/queries.jsonl")
MODEL = "all-MiniLM-L6-v2"
KINDS = ("interview", "note", "survey", "support-ticket", "review")
SIGMA = 0.03


def rss_mb(pid: int | None = None) -> float:
    """Return a process's resident memory in MiB (this one by default)."""
    status = Path(f"/proc/{pid or 'self'}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmRSS")).split()[1]) / 1024


def real_passages() -> tuple[list[str], list[str], np.ndarray]:
    """Return the titles, texts and stored MiniLM vectors of the evaluation repositories' passages."""
    titles, texts, blocks = [], [], []
    for path in SOURCES:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        for metadata, text, vector in db.execute(
                "SELECT p.metadata, p.text, e.vector FROM passages p JOIN embeddings e ON e.passage_id = p.id"):
            titles.append(json.loads(metadata).get("title") or "untitled")
            texts.append(text)
            blocks.append(np.frombuffer(vector, dtype=np.float32))
        db.close()
    if not texts:
        sys.exit(f"no stored passages in {SOURCES}: build them with `insights eval DIR --data-dir /tmp/ev-NAME`")
    return titles, texts, np.vstack(blocks)


def perturb(vectors: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Return unit vectors near these: Gaussian noise (σ 0.03 per dimension, cosine ≈ 0.86), renormalised."""
    noisy = vectors + SIGMA * rng.standard_normal(vectors.shape, dtype=np.float32)
    return (noisy / np.linalg.norm(noisy, axis=1, keepdims=True)).astype(np.float32)


def swapped(rng: random.Random, text: str, words: list[str]) -> str:
    """Return ``text`` with about one word in eight swapped for another of the corpus's words."""
    return " ".join(rng.choice(words) if rng.random() < 0.125 else w for w in text.split())


def make(data_dir: Path, size: int, pool: tuple[list[str], list[str], np.ndarray], seed: int = 7) -> None:
    """Write a repository of ``size`` passages (ten a document) straight into SQLite, with headings and meta."""
    from insights.storage.store import Store

    titles, texts, vectors = pool
    data_dir.mkdir(parents=True)
    (data_dir / "originals").mkdir()
    store = Store(data_dir / "insights.db")
    db = store.db
    rng, nrng = random.Random(seed), np.random.default_rng(seed)
    words = [w for t in texts[:3000] for w in t.split()]
    passage_id = 0
    db.execute("PRAGMA synchronous=OFF")
    db.execute("BEGIN")
    for number in range(0, size, 10):
        count = min(10, size - number)
        chosen = [rng.randrange(len(texts)) for _ in range(count)]
        body = [swapped(rng, texts[i], words) for i in chosen]
        text = "\n\n".join(body)
        date = f"202{4 + number // 10 % 3}-{1 + number // 10 % 12:02d}-{1 + number // 10 % 28:02d}"
        document = (number // 10 + 1, f"/bench/{number:07d}.md", f"{number:07d}.md", "md", titles[chosen[0]],
                    KINDS[number // 10 % len(KINDS)], date, f"P{number // 30:05d}", "SMB",
                    "RotaMate" if number % 5000 == 0 else None, "bench", f"f{number}", f"h{number}",
                    f"o{number}.md", len(text), text, "{}")
        db.execute("""INSERT INTO documents (id, source, filename, format, title, kind, date, participant, segment,
                      competitor, author, fingerprint, content_hash, original, size, text, metadata)
                      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", document)
        db.execute("INSERT INTO tags (document_id, tag) VALUES (?, 'bench')", (document[0],))
        rows, start = [], 0
        noisy = perturb(vectors[chosen], nrng)
        for seq, (i, passage) in enumerate(zip(chosen, body, strict=True)):
            passage_id += 1
            rows.append((passage_id, document[0], seq, passage, start, start + len(passage), "{}",
                         json.dumps({"title": titles[i]}), noisy[seq].tobytes()))
            start += len(passage) + 2
        db.executemany("""INSERT INTO passages (id, document_id, seq, text, char_start, char_end, locator, metadata)
                          VALUES (?, ?, ?, ?, ?, ?, ?, ?)""", [r[:8] for r in rows])
        db.executemany("INSERT INTO embeddings (passage_id, vector) VALUES (?, ?)", [(r[0], r[8]) for r in rows])
        if number % 100_000 == 99_990:
            db.execute("COMMIT")
            db.execute("BEGIN")
    first = {}
    for i, title in enumerate(titles):
        first.setdefault(title, i)
    db.executemany("INSERT OR IGNORE INTO headings (text, vector) VALUES (?, ?)",
                   [(title, vectors[i].tobytes()) for title, i in first.items()])
    for key, value in (("model", MODEL), ("dimension", str(vectors.shape[1])), ("generation", "1")):
        db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()


class CachedEmbedder:
    """The bundled model's name and size, answering cached real questions and perturbed stored vectors otherwise."""

    def __init__(self, queries: dict[str, np.ndarray], vectors: np.ndarray, seed: int = 5) -> None:
        self.name, self.dimension = MODEL, vectors.shape[1]
        self.queries, self.vectors, self.rng = queries, vectors, np.random.default_rng(seed)

    def encode(self, texts: list[str]) -> np.ndarray:
        """Return each text's cached question vector, else a perturbed stored passage vector."""
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for i, text in enumerate(texts):
            cached = self.queries.get(text)
            out[i] = cached if cached is not None else perturb(
                self.vectors[self.rng.integers(len(self.vectors))][None], self.rng)[0]
        return out


def questions(count: int) -> tuple[list[str], np.ndarray]:
    """Return the real questions and their MiniLM vectors, as bench/scale.py encoded and cached them."""
    texts = [json.loads(line)["text"] for path in QUERIES for line in (ROOT / path).read_text().splitlines()
             if line]
    order = np.random.default_rng(11).permutation(len(texts))[:count]
    cache = Path(tempfile.gettempdir()) / "insights-scale-queries.npy"
    if cache.exists() and len(np.load(cache)) >= count:
        vectors = np.load(cache)[:count]
    else:
        from insights.storage.embedder import make_embedder
        vectors = make_embedder(MODEL).encode([texts[i] for i in order]).astype(np.float32)
        np.save(cache, vectors)
    return [texts[i] for i in order], vectors


def open_repo(data_dir: Path, embedder: CachedEmbedder) -> Any:
    """Return a Repository on ``data_dir`` whose embedder is the cached one."""
    from insights.config import Settings
    from insights.repository import Repository

    return Repository(Settings(data_dir=data_dir, model=MODEL), embedder=embedder)  # type: ignore[arg-type]


def timed(function: Any) -> tuple[float, Any]:
    """Return the seconds one call took and its result."""
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def warm_all(repo: Any) -> dict[str, float]:
    """Bring every derived index in step, timing each."""
    return {name: timed(getattr(repo, name))[0] for name in ("index", "catalog", "keywords", "headings")}


def searchable(repo: Any, word: str, present: bool) -> None:
    """Check both sides see the write: the word's passages by keyword, and the first one's vector by vector search."""
    found = repo.keywords().search(word, 20)
    assert (len(found) == 20) == present, (word, len(found))
    index, catalog = repo.index(), repo.catalog()
    repo.headings()
    if present:
        ids = np.asarray([i for i, _ in found])
        assert np.isin(ids, catalog.ids).all()
        first = int(ids.min())
        vector = index.index.reconstruct(first)
        assert first in index.search(vector, 10)[0].tolist()


def writes(repo: Any, reps: int, texts: list[str], scratch: Path) -> dict[str, Any]:
    """Add one 20-passage file and remove it again, ``reps`` times, each timed until searchable."""
    folder = scratch / "new"
    folder.mkdir()
    added, removed = [], []
    for number in range(reps):
        path, word = new_file(folder, number, texts)
        seconds, report = timed(lambda p=path, w=word: (repo.ingest([p]), searchable(repo, w, True))[0])
        added.append(seconds)
        document = report.results[0].document_id
        seconds, _ = timed(lambda d=document, w=word: (repo.remove(d), searchable(repo, w, False)))
        removed.append(seconds)
    return {"add": summary_ms(added), "remove": summary_ms(removed)}


def hybrid(repo: Any, queries: list[str], filters: dict[str, Any]) -> dict[str, Any]:
    """Time hybrid search of every question under each filter (interleaved), and report how many hits."""
    times: dict[str, list[float]] = {name: [] for name in filters}
    for query in queries:
        for name, where in filters.items():
            # Each search scores its question afresh: the index remembers its last questions' scores.
            repo.keywords()._scores.cache_clear()
            seconds, hits = timed(lambda q=query, f=where: repo.search(q, mode="hybrid", limit=10, filters=f))
            times[name].append(seconds)
    return {name: summary_ms(values) for name, values in times.items()}


def recall(repo: Any, vectors: np.ndarray, allowed: np.ndarray | None) -> tuple[float, dict[str, Any]]:
    """Return the index's recall@10 against an exact scan of the same stored vectors, and the exact scan's times."""
    from insights.storage.vectors import VectorIndex

    index = repo.index()
    if not index.approximate:
        return 1.0, {}
    ids, matrix = repo.store.search_vectors()
    exact = VectorIndex.build(ids, matrix)
    del matrix
    found, times = [], []
    for query in vectors:
        seconds, (top, _) = timed(lambda q=query: exact.search(q, 10, allowed))
        times.append(seconds)
        got = index.search(query, 10, allowed)[0]
        found.append(len(set(top.tolist()) & set(got.tolist())) / max(1, len(top)))
    return float(np.mean(found)), summary_ms(times)


def free_port() -> int:
    """Return a free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(data_dir: Path, timeout: float = 900) -> dict[str, float]:
    """Start `insights serve` on the repository and poll until it answers; return seconds to ready and its RSS."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "-m", "insights", "--data-dir", str(data_dir), "serve", "--port", str(port)]
    with tempfile.TemporaryFile() as log:
        start = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log)
        try:
            while time.perf_counter() - start < timeout:
                if process.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(f"serve exited: {log.read().decode()[-2000:]}")
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as answer:
                        answer.read()
                    break
                except OSError:
                    time.sleep(0.1)
            ready = time.perf_counter() - start
            resident = rss_mb(process.pid)
            question = f"http://127.0.0.1:{port}/api/v1/search?q=vitamin+d+and+bone+density"
            with urllib.request.urlopen(question, timeout=120) as answer:
                answer.read()
            return {"ready_s": ready, "rss_mb": resident, "rss_after_search_mb": rss_mb(process.pid)}
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()


def disk(data_dir: Path) -> dict[str, float]:
    """Return the database's and the derived files' sizes in MiB."""
    sizes: dict[str, float] = {"database": 0.0, "derived": 0.0}
    for path in data_dir.rglob("*"):
        if path.is_file():
            key = "database" if path.name.startswith("insights.db") else \
                "originals" if "originals" in path.parts else "derived"
            sizes[key] = sizes.get(key, 0.0) + path.stat().st_size / 2**20
    return sizes


def run(size: int, pool: tuple[list[str], list[str], np.ndarray], queries: list[str], query_vectors: np.ndarray,
        reps: int, keep: Path | None, reuse: bool = False) -> dict[str, Any]:
    """Measure one size."""
    from insights.filters import Filters

    embedder = CachedEmbedder(dict(zip(queries, query_vectors, strict=True)), pool[2])
    scratch = Path(tempfile.mkdtemp(prefix=f"insights-scale-run-{size}-"))
    data_dir = (keep / f"repo-{size}") if keep else scratch / "repo"
    out: dict[str, Any] = {"passages": size}
    if not (data_dir / "insights.db").exists():
        out["make_s"], _ = timed(lambda: make(data_dir, size, pool))
        print(f"{size:,}: made in {out['make_s']:.0f} s", flush=True)
    if not reuse:
        for stale in data_dir.glob("index*"):
            stale.unlink()
        for stale in data_dir.glob("keywords*"):
            if stale.is_dir():
                for f in stale.iterdir():
                    f.unlink()
                stale.rmdir()
    before = rss_mb()
    repo = open_repo(data_dir, embedder)
    out["load_s" if reuse else "build_s"] = warm_all(repo)
    print(f"{size:,}: {'loaded' if reuse else 'built'} {out['load_s' if reuse else 'build_s']}", flush=True)
    repo.indexes.save()
    out["rss_in_process_mb"] = rss_mb() - before
    out["approximate"] = repo.index().approximate
    log_before = json.loads((data_dir / "index.json").read_text()).get("log_bytes", 0)
    out["writes"] = writes(repo, reps, pool[1], scratch)
    # What the writes cost on disk for the vector index: its log's growth per write (a base rewrite resets it).
    out["vector_log_bytes_per_write"] = (json.loads((data_dir / "index.json").read_text()).get("log_bytes", 0)
                                         - log_before) / (2 * reps)
    out["keyword_segments"] = len(repo.keywords().segments)
    print(f"{size:,}: writes {out['writes']}", flush=True)
    participants = [f"p{n:05d}" for n in range(0, max(1, size // 30), 100)]  # ~1 % of the passages
    filters = {"no filter": None, "kind (20 %)": Filters(kind=("interview",)),
               "participants (~1 %)": Filters(participant=tuple(participants))}
    allowed = {name: (repo.catalog().allowed(where) if where else None) for name, where in filters.items()}
    out["filter_share"] = {name: (len(a) / size if a is not None else 1.0) for name, a in allowed.items()}
    hybrid(repo, queries[:10], filters)  # warm-up: the first questions pay for lazily built parts
    out["hybrid"] = hybrid(repo, queries, filters)
    print(f"{size:,}: hybrid {out['hybrid']}", flush=True)
    out["recall@10"], out["exact_vector_ms"] = {}, {}
    for name, a in allowed.items():
        out["recall@10"][name], out["exact_vector_ms"][name] = recall(repo, query_vectors, a)
    print(f"{size:,}: recall {out['recall@10']}", flush=True)
    repo.indexes.save()
    repo.close()
    del repo
    out["disk_mb"] = disk(data_dir)
    out["serve"] = serve(data_dir)
    print(f"{size:,}: serve {out['serve']}", flush=True)
    return out


def report(run_: dict[str, Any]) -> None:
    """Print one size's figures."""
    phase = "build" if "build_s" in run_ else "load"
    rows = [[f"{phase} {k} (s)", v] for k, v in run_[f"{phase}_s"].items()]
    for op in ("add", "remove"):
        rows.append([f"{op} one 20-passage file until searchable p50 / p95 (ms)",
                     f"{run_['writes'][op]['p50_ms']:.0f} / {run_['writes'][op]['p95_ms']:.0f}"])
    for name, figures in run_["hybrid"].items():
        rows.append([f"hybrid, {name} ({run_['filter_share'][name]:.1%}) p50 / p95 (ms)",
                     f"{figures['p50_ms']:.1f} / {figures['p95_ms']:.1f}"])
    for name, value in run_["recall@10"].items():
        rows.append([f"vector recall@10 vs exact, {name}", f"{value:.3f}"])
    if "vector_log_bytes_per_write" in run_:
        rows += [["vector index bytes written per write (log)", f"{run_['vector_log_bytes_per_write']:,.0f}"],
                 ["keyword segments after the writes", run_["keyword_segments"]]]
    rows += [["serve: start to first answer (s)", run_["serve"]["ready_s"]],
             ["serve, empty repository, same run (s) / resident (MiB)",
              f"{run_['serve_empty']['ready_s']:.1f} / {run_['serve_empty']['rss_mb']:.0f}"],
             ["serve: resident at ready / after a search (MiB)",
              f"{run_['serve']['rss_mb']:.0f} / {run_['serve']['rss_after_search_mb']:.0f}"],
             ["disk: database / derived (MiB)",
              f"{run_['disk_mb']['database']:.0f} / {run_['disk_mb']['derived']:.0f}"]]
    print(f"\n### {run_['passages']:,} passages ({'IVF' if run_['approximate'] else 'exact'} vector index)\n")
    print(table(["measure", "value"], rows), flush=True)


def profile_write(data_dir: Path, pool: tuple[list[str], list[str], np.ndarray], embedder: CachedEmbedder) -> None:
    """Open a kept repository on its saved indexes, then profile one add and one remove (cProfile, by own time)."""
    import cProfile
    import pstats

    repo = open_repo(data_dir, embedder)
    print(f"loaded in {sum(warm_all(repo).values()):.1f} s", flush=True)
    scratch = Path(tempfile.mkdtemp(prefix="insights-profile-"))
    path, word = new_file(scratch, 999, pool[1])
    profile = cProfile.Profile()
    profile.enable()
    seconds, report = timed(lambda: (repo.ingest([path]), searchable(repo, word, True))[0])
    removal, _ = timed(lambda: (repo.remove(report.results[0].document_id), searchable(repo, word, False)))
    profile.disable()
    print(f"add {seconds:.2f} s, remove {removal:.2f} s")
    pstats.Stats(profile).sort_stats("tottime").print_stats(25)


def main() -> None:
    """Run the scale benchmark and write bench/results/scale_run.json."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated passage counts (add 1000000)")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--reps", type=int, default=20, help="adds and removes timed per size")
    parser.add_argument("--keep", type=Path, help="keep the made repositories here and reuse them")
    parser.add_argument("--reuse", action="store_true",
                        help="open the kept repositories with the indexes they saved (times loading, not building)")
    parser.add_argument("--profile-write", type=Path, metavar="DATA_DIR",
                        help="only profile one add and one remove on this kept repository")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    pool = real_passages()
    queries, query_vectors = questions(args.queries)
    if args.profile_write:
        profile_write(args.profile_write, pool, CachedEmbedder(dict(zip(queries, query_vectors, strict=True)), pool[2]))
        return
    print(f"{len(pool[1]):,} real passages, {len(queries)} real questions; load {os.getloadavg()}", flush=True)
    results: dict[str, Any] = {"queries": len(queries), "sigma": SIGMA, "sizes": {}}
    with tempfile.TemporaryDirectory(prefix="insights-empty-") as empty:
        # The baseline for start-up: the same server on an empty repository pays for Python, Flask and the model.
        results["serve_empty"] = serve(Path(empty) / "data")
    print(f"serve, empty repository: {results['serve_empty']}", flush=True)
    for size in (int(s) for s in args.sizes.split(",")):
        results["sizes"][str(size)] = run(size, pool, queries, query_vectors, args.reps, args.keep,
                                           args.reuse)
        results["sizes"][str(size)]["load"] = os.getloadavg()
        results["sizes"][str(size)]["serve_empty"] = results["serve_empty"]
        report(results["sizes"][str(size)])
    results["machine"] = machine_info()
    print(f"written {write_json('scale_run', results)}")


if __name__ == "__main__":
    main()
