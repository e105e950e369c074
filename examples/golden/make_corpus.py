"""Regenerate corpus.jsonl: every passage of the demo corpus, as the product parses and chunks it.

Run from the repository root:

    PYTHONPATH=$PWD .venv/bin/python examples/golden/make_corpus.py

Only parsing and chunking are used (no embedding model). The folders, their batch metadata and
the default 800-character chunking are the ones ``insights demo`` uses, so passage ids
``<path relative to examples/demo>#<char_start>`` match what the repository stores. If the
chunker or a parser changes, offsets may shift: rerun this, then ``check.py``, and re-map any
qrels whose ids vanished.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ingest.parsers import ParseOptions
from ingest.pipeline import Problem, discover, parse_source, read_source
from insights.cli.demo import BATCHES, CORPUS
from insights.config import Settings
from insights.storage.ingestion import _document_fields

OUT = Path(__file__).resolve().parent / "corpus.jsonl"


def passages(corpus: Path = CORPUS, settings: Settings | None = None) -> list[dict[str, str]]:
    """Return one BEIR corpus entry per passage, sorted by path then char_start."""
    settings = settings or Settings()
    rows: list[tuple[str, int, dict[str, str]]] = []
    for folder, batch in BATCHES.items():  # tools/ is not a batch: generators, not research
        for found in discover([corpus / folder]):
            if isinstance(found, Problem):
                raise SystemExit(f"{found.path}: {found.reason}")
            # the same options ``prepare`` builds for each file
            options = ParseOptions(name=found.name)
            source = read_source(found, options, int(settings.max_file_mb * 1_000_000))
            doc, chunks = parse_source(source, options, settings.chunk_chars)
            fields, _ = _document_fields(doc, batch, found.stem)
            rel = found.relative_to(corpus).as_posix()
            for chunk in chunks:
                rows.append((rel, chunk.start,
                             {"_id": f"{rel}#{chunk.start}", "title": fields["title"], "text": chunk.text}))
    rows.sort(key=lambda r: (r[0], r[1]))
    return [r[2] for r in rows]


def main() -> int:
    entries = passages()
    with OUT.open("w", encoding="utf-8", newline="\n") as f:
        for entry in entries:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")
    print(f"wrote {len(entries)} passages to {OUT}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
