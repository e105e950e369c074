"""SIGKILL an ingest half-way; the repository must open consistent and the re-run must finish the batch."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

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
    deadline = time.monotonic() + 180  # a busy machine starts Python and the first batch slowly
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


def test_a_half_written_original_a_kill_left_is_cleared_by_the_next_write(tmp_path: Path) -> None:
    repo = Repository(Settings(data_dir=tmp_path / "data", model="hashing"))
    # What atomic_write leaves when its process is killed before the rename: a hidden temporary file.
    unfinished = repo.originals / ".1ab755db2106f49b.md.9mlvf46d.tmp"
    unfinished.write_bytes(b"half an orig")
    note = tmp_path / "note.md"
    note.write_text("The schedule export broke again.\n")
    repo.ingest([note])
    assert not unfinished.exists()
    [kept] = repo.originals.iterdir()
    assert kept.read_bytes() == note.read_bytes()


# -- the derived indexes' own files: killed mid-write, mid-merge, mid-rebuild ----------------------

WRITER = """
import random, sys
from pathlib import Path
import insights.storage.indexes as indexes
import insights.storage.keyword as keyword
import insights.storage.vectors as vectors
from insights.config import Settings
from insights.repository import Repository

# Make the rare paths common: every kind change rebuilds in the background, the log is folded into a
# new base file every few writes, and keyword segments merge at once.
indexes.BACKGROUND_FROM = 0
vectors.COMPACT_MIN_BYTES, vectors.COMPACT_SHARE = 0, 0.2
data_dir, folder, seed = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
repo = Repository(Settings(data_dir=data_dir, model="hashing", ann_threshold=int(sys.argv[4])))
rng = random.Random(seed)
for number in range(10_000):
    documents = repo.documents()
    if len(documents) > 3 and rng.random() < 0.4:
        repo.remove(rng.choice(documents)["id"])
    else:
        path = folder / f"w{seed}-{number}.md"
        path.write_text("\\n\\n".join(f"Shift {number} note {j}: the mark{seed}x{number} schedule broke. " * 3
                                      for j in range(rng.randint(1, 40))))
        repo.ingest([path])
    repo.search("schedule broke", limit=3)  # a reader between writes, as the server has
    print(number, flush=True)
"""


def _consistent(data_dir: Path, threshold: int) -> int:
    """Open the repository as a restart would; assert every index holds exactly the database's passages."""
    from insights.storage.keyword import KeywordIndex

    repo = Repository(Settings(data_dir=data_dir, model="hashing", ann_threshold=threshold))
    try:
        stored = repo.store.vector_ids()
        index = repo.index()
        assert index.held_ids().tolist() == stored.tolist(), "lost or ghost vectors"
        ids, vectors = repo.store.search_vectors()
        assert np.allclose(index.index.reconstruct_batch(ids), vectors, atol=1e-2), "a vector from another passage"
        keywords = repo.keywords()
        assert sorted(keywords.ids.tolist()) == stored.tolist(), "lost or ghost keyword passages"
        texts_ids, texts = repo.store.passage_texts(with_titles=True)
        fresh = KeywordIndex(texts_ids, texts, repo.catalog().sources)
        for query in ("schedule broke", "mark1x3", "mark2x5 shift", "note"):
            assert np.array_equal(keywords.score_of(keywords.scores(query), np.asarray(texts_ids)),
                                  fresh.score_of(fresh.scores(query), np.asarray(texts_ids))), query
        if len(stored):
            assert repo.search("schedule broke", limit=3)
        return len(stored)
    finally:
        repo.close()


def test_sigkill_mid_index_write_merge_or_rebuild_restarts_consistent(tmp_path: Path) -> None:
    """Kill a writer at random points of its index writes, many times; each restart is exact, nothing lost or ghost."""
    data_dir, folder = tmp_path / "data", tmp_path / "files"
    folder.mkdir()
    threshold = 300  # passages hover around it, so the vector index changes kind (a background rebuild) often
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    rng = random.Random(9)
    for seed in range(1, 7):
        process = subprocess.Popen([sys.executable, "-c", WRITER, str(data_dir), str(folder), str(seed),
                                    str(threshold)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True)
        assert process.stdout is not None
        for _ in range(rng.randint(3, 12)):  # let it write a few times, then kill it wherever it is
            if not process.stdout.readline():
                raise AssertionError(process.stderr.read())  # type: ignore[union-attr]
        time.sleep(rng.random() * 0.3)
        process.send_signal(signal.SIGKILL)
        process.communicate()
        _consistent(data_dir, threshold)
    assert _consistent(data_dir, threshold)
