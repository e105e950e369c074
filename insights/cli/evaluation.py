"""Retrieval evaluation on a BEIR-format folder, through the same ingest and search code users hit."""

from __future__ import annotations

import csv
import json
import statistics
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from insights.config import Settings
from insights.errors import InsightsError
from insights.repository import Repository
from insights.search import metrics
from insights.search.engine import MODES

#: Passages ranked per query: deep enough to fill Recall@100 with distinct documents.
DEPTH = 300


class EvalDataError(InsightsError):
    """A BEIR folder is missing a file or holds a malformed line."""


@dataclass(frozen=True)
class Dataset:
    """A BEIR collection: the corpus file, the questions, and the judged documents per question."""

    name: str
    corpus: Path
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]

    @property
    def judged_queries(self) -> list[str]:
        """Return the ids of queries with at least one relevant document, in file order."""
        return [q for q in self.queries if any(g > 0 for g in self.qrels.get(q, {}).values())]


def load_beir(directory: Path) -> Dataset:
    """Read ``corpus.jsonl``, ``queries.jsonl`` and ``qrels.tsv`` (or ``qrels/test.tsv``) from a folder.

    :raises EvalDataError: when a file is missing or a line cannot be read.
    """
    directory = Path(directory)
    corpus = directory / "corpus.jsonl"
    qrels_path = next((p for p in (directory / "qrels.tsv", directory / "qrels" / "test.tsv") if p.is_file()), None)
    for needed in (corpus, directory / "queries.jsonl"):
        if not needed.is_file():
            raise EvalDataError(f"{directory}: no {needed.name} (a BEIR folder holds corpus.jsonl, queries.jsonl "
                                "and qrels.tsv)")
    if qrels_path is None:
        raise EvalDataError(f"{directory}: no qrels.tsv or qrels/test.tsv")
    queries = {}
    for number, record in _jsonl(directory / "queries.jsonl"):
        if not isinstance(record.get("_id"), (str, int)) or not isinstance(record.get("text"), str):
            raise EvalDataError(f"queries.jsonl line {number}: needs string fields _id and text")
        queries[str(record["_id"])] = record["text"]
    return Dataset(directory.resolve().name, corpus, queries, _qrels(qrels_path))


def _jsonl(path: Path) -> Iterable[tuple[int, dict[str, Any]]]:
    """Yield (line number, object) for each non-blank line."""
    with path.open(encoding="utf-8-sig") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as ex:
                raise EvalDataError(f"{path.name} line {number}: not valid JSON ({ex.msg})") from None
            if not isinstance(record, dict):
                raise EvalDataError(f"{path.name} line {number}: not a JSON object")
            yield number, record


def _qrels(path: Path) -> dict[str, dict[str, int]]:
    """Read a judgments file: a header row, then query id, document id, grade (tab-separated)."""
    judged: dict[str, dict[str, int]] = {}
    with path.open(encoding="utf-8-sig", newline="") as rows:
        reader = csv.reader(rows, delimiter="\t")
        next(reader, None)  # header
        for row in reader:
            if not row or not "".join(row).strip():
                continue
            try:
                query, doc, grade = row[0], row[1], int(row[2])
            except (IndexError, ValueError):
                raise EvalDataError(f"{path.name} line {reader.line_num}: expected query-id, corpus-id, "
                                    f"score; got {row!r}") from None
            judged.setdefault(query, {})[doc] = grade
    return judged


def settings_for(settings: Settings, dataset: Dataset, data_dir: Path) -> Settings:
    """Return settings for an evaluation repository in ``data_dir`` that accept the whole corpus file."""
    size = dataset.corpus.stat().st_size
    megabytes = size / 1e6 + 1
    # The per-file limits guard a server against one hostile upload; a corpus is one file of a whole
    # collection. A passage holds at least one character, so the file's size bounds their number, and
    # a minute per megabyte is far more than reading it takes.
    return replace(settings, data_dir=data_dir, max_file_mb=max(settings.max_file_mb, megabytes),
                   max_passages=max(settings.max_passages, size),
                   max_parse_seconds=max(settings.max_parse_seconds, 60 * megabytes))


def half(query_id: str) -> str:
    """Return the query's fixed half, "a" or "b": tune on one, report both."""
    return "ab"[zlib.crc32(query_id.encode()) % 2]


def document_ids(repo: Repository) -> dict[int, str]:
    """Map each passage to the corpus ``_id`` of the record it came from."""
    rows = repo.store.db.execute("SELECT id, json_extract(metadata, '$._id') FROM passages")
    return {passage: str(doc) for passage, doc in rows if doc is not None}


def rank_documents(repo: Repository, query: str, mode: str, owners: dict[int, str],
                   fusion: str = "confidence") -> list[str]:
    """Return corpus ids best first; a document ranks by its best passage."""
    ranked: dict[str, None] = {}
    for passage, _ in repo.rank(query, mode, None, DEPTH, fusion):
        doc = owners.get(passage)
        if doc is not None:
            ranked.setdefault(doc)
    return list(ranked)


def ingest(repo: Repository, dataset: Dataset) -> dict[str, Any]:
    """Ingest the corpus file as records (title leads each text); return counts and timings."""
    started = time.perf_counter()
    report = repo.ingest([dataset.corpus], {"kind": "note"})
    if report.failed:
        raise EvalDataError(f"{dataset.corpus}: {report.failed[0].reason}")
    seconds = time.perf_counter() - started
    embedded = sum(r.passages for r in report.results if r.status != "unchanged")
    return {"passages": repo.store.counts()["passages"], "ingest_seconds": round(seconds, 2),
            "passages_per_second": round(embedded / seconds, 1) if embedded else None,
            "reused": embedded == 0}


def evaluate(repo: Repository, dataset: Dataset, modes: Iterable[str] = MODES, limit_queries: int | None = None,
             fusion: str = "confidence", progress: Callable[[str, int, int], None] | None = None) -> dict[str, Any]:
    """Run every judged query in each mode and return the mean metrics, per mode and per half."""
    queries = dataset.judged_queries[:limit_queries]
    if not queries:
        raise EvalDataError(f"{dataset.name}: no query has a relevant judgment")
    started = time.perf_counter()
    ingested = ingest(repo, dataset)
    owners = document_ids(repo)
    out: dict[str, Any] = {"dataset": dataset.name, "queries": len(queries), "fusion": fusion,
                           "documents": len(set(owners.values())), **ingested, "modes": {}}
    for mode in modes:
        per_query: dict[str, dict[str, float]] = {}
        latencies = []
        for done, query in enumerate(queries, 1):
            began = time.perf_counter()
            ranked = rank_documents(repo, dataset.queries[query], mode, owners, fusion)
            latencies.append(time.perf_counter() - began)
            per_query[query] = metrics.scores(ranked, dataset.qrels[query])
            if progress:
                progress(mode, done, len(queries))
        out["modes"][mode] = {**_means(per_query.values()),
                              "halves": {h: round(statistics.fmean(
                                  s["ndcg@10"] for q, s in per_query.items() if half(q) == h), 4)
                                  for h in "ab" if any(half(q) == h for q in per_query)},
                              "query_ms_p50": round(1000 * statistics.median(latencies), 1),
                              "seconds": round(sum(latencies), 2)}
    out["wall_seconds"] = round(time.perf_counter() - started, 1)
    return out


def _means(per_query: Iterable[dict[str, float]]) -> dict[str, float]:
    """Return each metric's mean over the queries, rounded as BEIR tables print them."""
    rows = list(per_query)
    return {name: round(statistics.fmean(r[name] for r in rows), 4) for name in rows[0]}
