"""Turn files into documents ready to write, and keep the tally of an ingest run."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePath
from typing import Any

from ingest.errors import IngestError, ParseError
from ingest.filenames import metadata_from_name
from ingest.metadata import DEFAULT_KIND, MAX_TITLE_CHARS, normalize_metadata, normalize_tags, record_fields, shorten
from ingest.model import Chunk, ParsedDocument
from ingest.parsers import ParseOptions
from ingest.pipeline import Problem, SourceFile, parse_source, read_source
from insights.config import Settings
from insights.storage.store import Store


@dataclass(frozen=True)
class Result:
    """What happened to one file."""

    path: str
    status: str  # added | updated | unchanged
    document_id: int | None = None
    passages: int = 0
    warnings: tuple[str, ...] = ()


@dataclass
class IngestReport:
    """The outcome of an ingest run, file by file."""

    results: list[Result] = field(default_factory=list)
    failed: list[Problem] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)

    def record(self, outcome: Result | Problem) -> None:
        """Add one file's outcome."""
        if isinstance(outcome, Problem):
            self.failed.append(outcome)
        else:
            self.results.append(outcome)

    def count(self, status: str) -> int:
        """Return how many files ended with ``status``."""
        return sum(r.status == status for r in self.results)

    @property
    def warnings(self) -> list[tuple[str, str]]:
        """Return (path, warning) for every partly-read file."""
        return [(r.path, w) for r in self.results for w in r.warnings]

    def to_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data."""
        return {
            **{s: self.count(s) for s in ("added", "updated", "unchanged")},
            "failed": [{"path": p.path, "reason": p.reason} for p in self.failed],
            "warnings": [{"path": p, "warning": w} for p, w in self.warnings],
            "removed": [d["id"] for d in self.removed],
            "files": [{"path": r.path, "status": r.status, "document_id": r.document_id, "passages": r.passages}
                      for r in self.results],
        }


@dataclass
class Prepared:
    """A parsed, chunked file waiting for its vectors and its write."""

    source: SourceFile
    doc: ParsedDocument
    chunks: list[Chunk]
    fields: dict[str, Any]
    tags: list[str]
    existing_id: int | None
    document_id: int | None = None

    @property
    def original(self) -> str:
        """Return the name the kept original is stored under."""
        return self.fields["original"]

    def passage_rows(self) -> list[dict[str, Any]]:
        """Return the passages as rows for the store, with record fields lifted into filter columns."""
        return [
            {"text": c.text, "char_start": c.start, "char_end": c.end, "locator": c.locator,
             "metadata": c.metadata, **record_fields(c.metadata)}
            for c in self.chunks
        ]

    def result(self) -> Result:
        """Return this file's outcome once written."""
        status = "added" if self.existing_id is None else "updated"
        return Result(str(self.source.path), status, self.document_id, len(self.chunks), self.doc.warnings)


class Batch:
    """Collect prepared documents until enough passages are waiting to embed them efficiently."""

    def __init__(self, passages: int) -> None:
        self.limit = passages
        self.items: list[Prepared] = []

    def add(self, item: Prepared) -> None:
        """Queue one document."""
        self.items.append(item)

    @property
    def full(self) -> bool:
        """Return True when the queued passages reach the batch size."""
        return sum(len(i.chunks) for i in self.items) >= self.limit

    def take(self) -> list[Prepared]:
        """Return the queued documents and empty the queue."""
        items, self.items = self.items, []
        return items


def prepare(store: Store, path: Path, source_key: str | Callable[[SourceFile], str], options: ParseOptions,
            batch: dict[str, Any], settings: Settings, name: str | None = None) -> Prepared | Result | Problem:
    """Read, parse and chunk one file known as ``source_key``; an unchanged file is a Result, a bad one a Problem.

    ``source_key`` may be derived from the file's bytes (an upload is known by its name and content);
    ``name`` is the file's name as its owner knows it, when ``path`` is only where it is parked.
    """
    name = name or path.name
    options = replace(options, name=name)
    try:
        source = read_source(path, options, int(settings.max_file_mb * 1_000_000))
        if callable(source_key):
            source_key = source_key(source)
        # The batch's metadata is part of what was ingested: new metadata updates an unchanged file.
        fingerprint = hashlib.sha256(f"{source.fingerprint}:{json.dumps(batch, sort_keys=True)}".encode()).hexdigest()
        existing = store.document_by_source(source_key)
        if existing is not None and existing["fingerprint"] == fingerprint:
            return Result(str(path), "unchanged", existing["id"])
        doc, chunks = parse_source(source, options, settings.chunk_chars, settings.max_parse_seconds)
        # Refused here, before a single passage is embedded: embedding is what takes the time.
        if len(chunks) > settings.max_passages:
            raise ParseError(f"yields {len(chunks):,} passages, more than the {settings.max_passages:,} allowed "
                             "per file (INSIGHTS_MAX_PASSAGES); split it into smaller files")
        fields, tags = _document_fields(doc, batch, PurePath(name).stem)
    except IngestError as ex:  # MetadataError too: over-long batch metadata fails each file, with the reason
        return Problem(str(path), str(ex))
    suffix = PurePath(name).suffix.lower()
    # A competitor's other names live with the document that names it; the catalog reads them (mentions.py).
    aliases = fields.pop("aliases")
    stored = {"warnings": list(doc.warnings), **({"aliases": aliases} if aliases else {})}
    fields.update(
        source=source_key, filename=name, format=suffix.lstrip("."), fingerprint=fingerprint,
        content_hash=source.content_hash, original=source.content_hash + suffix, size=len(source.data),
        text=doc.text, metadata=json.dumps(stored),
    )
    return Prepared(source, doc, chunks, fields, tags, None if existing is None else existing["id"])


def _document_fields(doc: ParsedDocument, batch: dict[str, Any], stem: str) -> tuple[dict[str, Any], list[str]]:
    """Merge the file's own metadata over the batch's, and both over its name's; tags are the union of the first two.

    :raises MetadataError: when a value breaks its limit, or the union holds too many tags.
    """
    own, _ = normalize_metadata(doc.metadata)
    shared, _ = normalize_metadata(batch)
    merged = {**shared, **own}
    kind = merged.get("kind") or DEFAULT_KIND
    # What the file's name says fills only what nothing stated: the file's and the batch's metadata win.
    merged = {**metadata_from_name(stem, kind), **merged}
    tags = normalize_tags(shared.get("tags", []) + own.get("tags", []))
    fields = {key: merged.get(key) for key in ("date", "participant", "segment", "competitor", "author")}
    fields["title"] = merged.get("title") or shorten(stem, MAX_TITLE_CHARS)  # an upload's name can be long
    fields["kind"] = kind
    fields["aliases"] = merged.get("aliases", [])
    return fields, tags
