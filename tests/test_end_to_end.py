"""End to end with the real bundled model: CLI ingest, paraphrase search, cited quotes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from insights.cli.main import cli

pytestmark = pytest.mark.slow

ROOT = Path(__file__).parent.parent


@pytest.fixture(autouse=True)
def default_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Use the bundled model, whatever the environment says."""
    monkeypatch.delenv("INSIGHTS_MODEL", raising=False)


def insights(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the real CLI in a subprocess (one model load each, so used sparingly)."""
    return subprocess.run([sys.executable, "-m", "insights", "--data-dir", str(data_dir), *args],
                          capture_output=True, text=True, timeout=600, env=os.environ.copy())


def search(data_dir: Path, *args: str) -> list[dict]:
    """Run ``insights search --json`` in this process, reusing the loaded model; return the hits."""
    result = CliRunner().invoke(cli, ["--data-dir", str(data_dir), "search", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["hits"]


def test_real_model_finds_paraphrases_that_keywords_miss(tmp_path: Path, notes: Path) -> None:
    data_dir = tmp_path / "data"
    result = insights(data_dir, "ingest", str(notes))
    assert result.returncode == 0, result.stderr
    assert "added 3" in result.stdout

    question = "my session expires on the phone"
    semantic = search(data_dir, question, "--mode", "semantic")
    assert semantic[0]["text"].startswith("Mobile\n\nThe app keeps logging me out")
    keyword = search(data_dir, question, "--mode", "keyword")
    assert all("logging me out" not in h["text"] for h in keyword)
    hybrid = search(data_dir, question)
    assert "logging me out" in hybrid[0]["text"]

    stats = json.loads(CliRunner().invoke(cli, ["--data-dir", str(data_dir), "stats", "--json"]).output)
    assert (stats["model"], stats["dimension"]) == ("all-MiniLM-L6-v2", 384)


def test_real_model_on_the_sample_folder(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    result = CliRunner().invoke(cli, ["--data-dir", str(data_dir), "ingest", str(ROOT / "examples" / "sample")])
    assert result.exit_code == 0, result.output
    hits = search(data_dir, "why do new admins struggle in the first week?", "--limit", "5")
    assert len(hits) == 5
    for hit in hits:
        shown = json.loads(CliRunner().invoke(cli, ["--data-dir", str(data_dir), "show", str(hit["document_id"]),
                                                    "--json"]).output)
        assert shown["text"][hit["char_start"] : hit["char_end"]] == hit["text"]
    assert len({h["document_id"] for h in hits}) >= 2, "answers come from several sources"

    # A repository embedded with one model refuses another, and says how to re-embed.
    refused = CliRunner().invoke(cli, ["--data-dir", str(data_dir), "--model", "hashing", "search", "pricing"])
    assert refused.exit_code == 1 and "insights reindex --re-embed" in refused.output


def test_batches_sorted_by_tokens_give_the_models_own_vectors() -> None:
    import numpy as np

    from insights.storage.embedder import make_embedder

    embedder = make_embedder()
    # Characters mislead about tokens: a line of numbers and units is short in characters and long in tokens.
    texts = [f"Note {i}: " + ("the export broke again " * (i % 9 + 1) if i % 3
                              else "p<0.001, 95% CI 1.2-3.4; " * (i % 7 + 1)) for i in range(150)]
    lengths = embedder._lengths(texts)
    assert len(lengths) == len(texts) and lengths != [len(t) for t in texts]
    ids = embedder.model.tokenizer(texts)["input_ids"]
    assert lengths == [min(len(i), embedder.model.max_seq_length) for i in ids]
    ours = embedder.encode(texts)
    raw = embedder.model.encode(texts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    assert float(np.min(np.sum(ours * raw, axis=1))) >= 0.9999
