"""Benchmark writes: adding or removing one file until it is searchable both ways, incremental vs full rebuild.

The old path is today's code with its derived indexes rebuilt after every write, as before this change:
the catalog and headings from SQLite, and the keyword index with bm25s (the module as it was at
``OLD``, loaded from git). Both run in the same process on the same data, interleaved per repetition.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from timing import summary_ms, table, write_json

from insights.config import Settings
from insights.repository import Repository
from insights.storage.embedder import make_embedder

EVALDATA = Path("/work/shared/evaldata")
#: The commit whose keyword module (bm25s, rebuilt whole) is the baseline.
OLD = "dfbbaca"
KINDS = ("interview", "note", "survey", "support-ticket", "review")


def old_keyword_module() -> types.ModuleType:
    """Return insights/storage/keyword.py as it was at ``OLD``: bm25s over every passage, rebuilt whole."""
    source = subprocess.run(["git", "show", f"{OLD}:insights/storage/keyword.py"], capture_output=True, text=True,
                            check=True, cwd=Path(__file__).parent).stdout
    module = types.ModuleType("old_keyword")
    exec(compile(source, "old_keyword.py", "exec"), module.__dict__)  # noqa: S102 - our own code, from git
    return module


def passages(seed: int = 11) -> list[tuple[str, str]]:
    """Return (title, text) pairs from the SciFact and StackFAQ corpora, texts cut to ~600 characters."""
    found = []
    for name in ("scifact", "stackfaq"):
        for line in (EVALDATA / name / "corpus.jsonl").open(encoding="utf-8"):
            record = json.loads(line)
            text = record["text"].strip()
            while text:
                found.append((record.get("title") or "untitled", text[:600]))
                text = text[600:]
    random.Random(seed).shuffle(found)
    return found


def perturbed(rng: random.Random, text: str, words: list[str]) -> str:
    """Return ``text`` with about one word in eight swapped for another of the corpus's words."""
    return " ".join(rng.choice(words) if rng.random() < 0.125 else w for w in text.split())


def fill(repo: Repository, size: int, seed: int = 7) -> None:
    """Fill an empty repository with ``size`` passages (10 per document), real text repeated with perturbation."""
    pool = passages()
    words = [w for _, t in pool[:2000] for w in t.split()]
    rng = random.Random(seed)
    embedder = repo.embedder
    with repo.store.transaction():
        for number in range(0, size, 10):
            chosen = [pool[(number + i) % len(pool)] for i in range(min(10, size - number))]
            texts = [t if number + i < len(pool) else perturbed(rng, t, words) for i, (_, t) in enumerate(chosen)]
            text = "\n\n".join(texts)
            digest = hashlib.sha256(f"{number}{text}".encode()).hexdigest()
            fields = {"source": f"/bench/{number:07d}.md", "filename": f"{number:07d}.md", "format": "md",
                      "title": chosen[0][0], "kind": KINDS[number // 10 % len(KINDS)], "date": "2026-03-14",
                      "participant": f"P{number // 30:05d}", "segment": "SMB",
                      "competitor": "RotaMate" if number % 500 == 0 else None, "author": "bench",
                      "fingerprint": digest, "content_hash": digest, "original": digest + ".md", "size": len(text),
                      "text": text, "metadata": "{}"}
            document_id = repo.store.save_document(fields, ["bench"], None)
            rows, start = [], 0
            for passage in texts:
                rows.append({"text": passage, "char_start": start, "char_end": start + len(passage),
                             "locator": {"heading": chosen[0][0]}, "metadata": {}})
                start += len(passage) + 2
            repo.store.insert_passages(document_id, rows, embedder.encode(texts))
        names = sorted({p[0] for p in pool[: min(size, len(pool))]})
        repo.store.add_headings(names, embedder.encode(names))
        repo.store.set_meta("model", embedder.name)
        repo.store.set_meta("dimension", str(embedder.dimension))
        repo.store.bump_generation()


def new_file(folder: Path, number: int, texts: list[str]) -> tuple[Path, str]:
    """Write a JSON Lines file of 20 records (20 passages) holding one word found nowhere else; return both."""
    word = f"zqx{number:05d}marker"
    records = [{"title": f"Ticket {number}-{i}", "text": f"{texts[(number * 20 + i) % len(texts)][:400]} {word}"}
               for i in range(20)]
    path = folder / f"new{number:05d}.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    return path, word


def searchable(repo: Repository, word: str, present: bool) -> None:
    """Ask both sides what a reader would, and check the write shows: the word's passages, and their vectors."""
    found = repo.keywords().search(word, 20)
    catalog, _, index = repo.catalog(), repo.headings(), repo.index()
    assert (len(found) == 20) == present, (word, len(found))
    if present:
        ids = np.asarray([i for i, _ in found])
        assert np.isin(ids, catalog.ids).all()
        vector = repo.embedder.encode([repo.store.hits([int(ids[0])])[int(ids[0])]["text"]])[0]
        assert int(ids[0]) in index.search(vector, 5)[0].tolist()


def use_old_path(repo: Repository, old: types.ModuleType) -> None:
    """Make this repository rebuild its derived indexes after every write, with the old keyword module."""
    indexes = repo.indexes
    indexes._apply_derived = lambda *args: indexes._cache.clear()  # type: ignore[method-assign]
    indexes.keywords = lambda: indexes._derived(  # type: ignore[method-assign]
        "keywords", lambda: old.KeywordIndex(*repo.store.passage_texts(with_titles=True),
                                             sources=indexes.catalog().sources))


def timed(function: Callable[[], Any]) -> float:
    """Return the seconds one call took."""
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def run(size: int, reps: int, old_reps: int, folder: Path, old: types.ModuleType) -> dict[str, Any]:
    """Measure add and remove, new and old, and keyword queries, at one size."""
    build = Repository(Settings(data_dir=folder / f"new{size}", model="hashing"))
    fill(build, size)
    build.close()
    # Each path writes to its own copy, so neither pays for rebuilding after the other's writes.
    shutil.copytree(folder / f"new{size}", folder / f"old{size}")
    pool = passages(seed=99)
    repos = {name: Repository(Settings(data_dir=folder / f"{name}{size}", model="hashing")) for name in ("new", "old")}
    use_old_path(repos["old"], old)
    started = time.perf_counter()
    for repo in repos.values():
        searchable(repo, "zzznothing", False)
    print(f"{size}: both repositories loaded in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    times: dict[str, list[float]] = {f"{w}_{p}": [] for w in ("add", "remove") for p in ("new", "old")}
    for number in range(reps):
        for path_name in ("new", "old") if number < old_reps else ("new",):
            repo = repos[path_name]
            file, word = new_file(folder, number * 2 + (path_name == "old"), [text for _, text in pool])
            # Each lambda is called at once, inside this iteration; the default arguments say so.
            times[f"add_{path_name}"].append(
                timed(lambda repo=repo, file=file, word=word: (repo.ingest([file]), searchable(repo, word, True))))
            document = repo.store.document_by_source(str(file.resolve()))["id"]
            times[f"remove_{path_name}"].append(
                timed(lambda repo=repo, document=document, word=word: (repo.remove(document),
                                                                      searchable(repo, word, False))))
    questions = [json.loads(line)["text"] for name in ("scifact", "stackfaq")
                 for line in (EVALDATA / name / "queries.jsonl").open(encoding="utf-8")][::20][:60]
    query: dict[str, list[float]] = {"new": [], "old": []}
    for question in questions:
        for name, repo in repos.items():
            keywords = repo.keywords()
            query[name].append(timed(lambda keywords=keywords, question=question: keywords._score(question)))
            assert name == "old" or np.allclose(keywords._score(question), repos["old"].keywords()._score(question))
    measured = {**times, **{f"query_{k}": v for k, v in query.items()}}
    out = {name: summary_ms(values) for name, values in measured.items()}
    for repo in repos.values():
        repo.close()
    return out


def main() -> None:
    """Run the benchmark and print a table with ratios of old over new."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--old-reps", type=int, default=20, help="repetitions of the (slow) old path")
    args = parser.parse_args()
    old = old_keyword_module()
    make_embedder("hashing")
    results: dict[str, Any] = {"old_commit": OLD, "reps": args.reps, "old_reps": args.old_reps}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            found = results[str(size)] = run(size, args.reps, args.old_reps, Path(tmp), old)
            for what in ("add", "remove", "query"):
                new, was = found[f"{what}_new"], found[f"{what}_old"]
                rows.append([f"{size:,}", what, new["n"], was["n"], new["p50_ms"], new["p95_ms"], was["p50_ms"],
                             was["p95_ms"], was["p50_ms"] / new["p50_ms"], was["p95_ms"] / new["p95_ms"]])
            print(table(["passages", "operation", "n new", "n old", "new p50 ms", "new p95 ms", "old p50 ms",
                         "old p95 ms", "old/new p50", "old/new p95"], rows), flush=True)
    print(f"results: {write_json('write_latency_' + '_'.join(map(str, args.sizes)), results)}")


if __name__ == "__main__":
    main()
