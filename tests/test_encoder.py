"""The encoders: torch by default, ONNX Runtime int8 on request, both giving the same vectors."""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from insights.cli.main import cli
from insights.config import CPU_ENCODER, DEFAULT_MODEL, Settings
from insights.errors import ConfigError
from insights.repository import Repository
from insights.storage.embedder import SentenceTransformerEmbedder, _model_path, make_embedder
from insights.storage.onnx_encoder import OnnxEmbedder, export_path

SENTENCES = [
    "It took me four days to get the first schedule out.",
    "The app keeps logging me out every morning, so I sign in again before each shift.",
    "Confusing. The onboarding checklist is buried in settings.",
    "The payroll export failed with ERR-PAY-214 twice last month.",
    "We need SSO and audit logs before rolling out to every store.",
    "Jumping to Business just for labor forecasting is steep.",
    "why do new admins struggle in the first week?",
    "Vitamin D deficiency is associated with an increased risk of tuberculosis in adults.",
]


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a cache folder holding the bundled model's ONNX export, made once for this module."""
    folder = tmp_path_factory.mktemp("cache")
    make_embedder(DEFAULT_MODEL, "onnx", folder)
    return folder


def test_an_unknown_encoder_is_refused() -> None:
    with pytest.raises(ConfigError, match="INSIGHTS_ENCODER='tensorflow' is not one of auto, onnx, torch"):
        make_embedder(DEFAULT_MODEL, "tensorflow")


def test_the_encoder_and_cache_are_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("INSIGHTS_ENCODER", "torch")
    monkeypatch.setenv("INSIGHTS_CACHE_DIR", str(tmp_path))
    assert (Settings.from_env().encoder, Settings.from_env().cache_dir) == ("torch", tmp_path)
    monkeypatch.delenv("INSIGHTS_ENCODER")
    assert Settings.from_env().encoder == "auto"


@pytest.mark.skipif(not importlib.metadata.version("torch").endswith("+cpu"), reason="needs torch's CPU build")
def test_the_cpu_build_of_torch_is_known_to_lack_cuda_without_importing_it() -> None:
    probe = ("import sys; from insights.storage.embedder import cuda_available; "
             "print(cuda_available(), 'torch' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]


@pytest.mark.slow
def test_onnx_vectors_agree_with_torch(cache_dir: Path) -> None:
    onnx = make_embedder(DEFAULT_MODEL, "onnx", cache_dir)
    torch = make_embedder(DEFAULT_MODEL, "torch")
    assert isinstance(onnx, OnnxEmbedder) and isinstance(torch, SentenceTransformerEmbedder)
    ours, theirs = onnx.encode(SENTENCES), torch.encode(SENTENCES)
    assert ours.dtype == np.float32 and ours.shape == theirs.shape == (len(SENTENCES), 384)
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1, atol=1e-5)
    cosines = (ours * theirs).sum(axis=1)
    assert cosines.min() >= 0.99, cosines
    # A passage longer than the model's 256 word pieces is cut where torch cuts it.
    long = " ".join(SENTENCES * 12)
    assert float(onnx.encode([long, "x"])[0] @ torch.encode([long, "x"])[0]) >= 0.99


@pytest.mark.slow
def test_torch_is_chosen_by_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("INSIGHTS_ENCODER", "torch")
    monkeypatch.delenv("INSIGHTS_MODEL", raising=False)
    repo = Repository(Settings.from_env(data_dir=tmp_path / "data"))
    assert isinstance(repo.embedder, SentenceTransformerEmbedder)
    repo.close()


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["half", "empty"])
def test_a_damaged_export_is_made_again(cache_dir: Path, tmp_path: Path, damage: str) -> None:
    good = export_path(_model_path(DEFAULT_MODEL), cache_dir).read_bytes()
    path = export_path(_model_path(DEFAULT_MODEL), tmp_path)
    path.parent.mkdir(parents=True)
    path.write_bytes(good[: len(good) // 2] if damage == "half" else b"")
    onnx = OnnxEmbedder(DEFAULT_MODEL, _model_path(DEFAULT_MODEL), tmp_path)
    assert path.stat().st_size > len(good) * 0.9
    reference = OnnxEmbedder(DEFAULT_MODEL, _model_path(DEFAULT_MODEL), cache_dir)
    np.testing.assert_allclose(onnx.encode(SENTENCES), reference.encode(SENTENCES), atol=1e-3)


@pytest.mark.slow
@pytest.mark.parametrize(("encoder", "kind"), [
    (None, OnnxEmbedder if CPU_ENCODER == "onnx" else SentenceTransformerEmbedder), ("onnx", OnnxEmbedder)])
def test_the_cli_ingests_and_searches_with_each_encoder(cache_dir: Path, tmp_path: Path, notes: Path,
                                                        monkeypatch: pytest.MonkeyPatch, encoder: str | None,
                                                        kind: type) -> None:
    monkeypatch.delenv("INSIGHTS_MODEL", raising=False)
    if encoder is None:
        monkeypatch.delenv("INSIGHTS_ENCODER", raising=False)
    else:
        monkeypatch.setenv("INSIGHTS_ENCODER", encoder)
    monkeypatch.setenv("INSIGHTS_CACHE_DIR", str(cache_dir))
    data_dir = str(tmp_path / "data")
    result = CliRunner().invoke(cli, ["--data-dir", data_dir, "ingest", str(notes)])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(cli, ["--data-dir", data_dir, "search", "my session expires on the phone",
                                      "--mode", "semantic", "--json"])
    assert result.exit_code == 0, result.output
    assert "logging me out" in json.loads(result.output)["hits"][0]["text"]
    # The embedder the CLI loaded (one per process); without CUDA the default is CPU_ENCODER.
    assert isinstance(make_embedder(DEFAULT_MODEL, encoder or "auto", cache_dir), kind)
