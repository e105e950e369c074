"""The bundled demo: a research repository for a fictional product, built once from examples/demo."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from insights.repository import Repository
from insights.storage.ingestion import IngestReport

#: The demo corpus, next to the package in a checkout of the repository.
CORPUS = Path(__file__).resolve().parents[2] / "examples" / "demo"

#: How a research team would file each folder: the batch metadata given at upload.
BATCHES: dict[str, dict[str, Any]] = {
    "interviews": {"kind": "interview"},
    "usability-tests": {"kind": "usability-test"},
    "surveys": {"kind": "survey"},
    "support": {"kind": "support-ticket"},
    "reviews": {"kind": "review"},
    "competitors": {"kind": "competitor-analysis"},
    "personas": {"kind": "persona"},
    "sales-calls": {"kind": "sales-call"},
    "help-center": {"kind": "note", "tags": ["help-center"]},
    "notes": {"kind": "note"},
}


def build(repo: Repository, corpus: Path = CORPUS) -> IngestReport:
    """Ingest the demo corpus folder by folder; a second run finds everything unchanged."""
    report = IngestReport()
    for folder, metadata in BATCHES.items():
        part = repo.ingest([corpus / folder], metadata)
        report.results += part.results
        report.failed += part.failed
    return report
