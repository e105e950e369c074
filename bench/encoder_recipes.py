"""Try int8 recipes for the ONNX encoder: agreement with torch, and speed against torch in the same run.

Every recipe starts from the same fp32 export (``insights.storage.onnx_encoder.export(quantize=False)``, kept in
``--work``) and runs the way ``OnnxEmbedder`` runs the shipped file (batches of 32, one per core, one thread each).

- ``shipped``: ``quantize_dynamic``, per-channel int8 weights on the projections and attention, the feed-forward
  output projections float (what ``OnnxEmbedder`` exports);
- ``allint8``: the same with the feed-forward output projections int8 too: the fastest int8 graph;
- ``smoothA``: SmoothQuant on the feed-forward output projections (alpha ``A``): each input channel divided by
  ``max|x|^A / max|w|^(1-A)`` (an extra Mul), the weight's rows multiplied by it, then ``allint8``;
- ``static-minmax``, ``static-percentile``, ``static-entropy``: ``quantize_static`` (QDQ, per-channel weights)
  with activation ranges calibrated on the demo corpus (``examples/demo``), never on the evaluation sets.

    .venv/bin/python bench/encoder_recipes.py shipped allint8 smooth0.5 static-minmax --rounds 3
    .venv/bin/python bench/encoder_recipes.py shipped allint8 --rounds 0   # agreement only

Agreement: cosine with torch over 256 SciFact passages and 200 SciFact and StackFAQ questions, and between two
batchings of the same passages (1 when a vector does not depend on its batch neighbours). Speed: passages/s on
the 256 passages and single-question time, every encoder in turn in each round; per-round ratios to torch.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import statistics
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from encoder_speed import SCIFACT, passages

from ingest.parsers import ParseOptions
from ingest.pipeline import Problem, discover, parse_source, read_source
from insights.config import DEFAULT_MODEL, Settings
from insights.storage.embedder import ModelEmbedder, SentenceTransformerEmbedder, _model_path
from insights.storage.onnx_encoder import _FEED_FORWARD_OUT, _FIELDS, OnnxEmbedder, export

ROOT = Path(__file__).resolve().parent.parent
STACKFAQ = SCIFACT.parent / "stackfaq"


def load(path: Path) -> OnnxEmbedder:
    """Open an ONNX file the way OnnxEmbedder opens its export: one single-threaded session, a batch per core."""
    encoder = OnnxEmbedder.__new__(OnnxEmbedder)
    ModelEmbedder.__init__(encoder)
    encoder.name, encoder.batch_size, encoder.parallel = DEFAULT_MODEL, 32, 2
    encoder._pool = ThreadPoolExecutor(2)
    encoder.path = path
    encoder._open()
    return encoder


def demo_passages() -> list[str]:
    """Return the demo corpus's passages, chunked as ingest chunks them: the calibration text."""
    options, texts = ParseOptions(), []
    for path in discover([ROOT / "examples" / "demo"]):
        if not isinstance(path, Problem):
            texts += [c.text for c in parse_source(read_source(path, options, 1 << 30), options,
                                                   Settings().chunk_chars)[1]]
    return texts


def feeds(encoder: OnnxEmbedder, texts: list[str], size: int) -> Iterator[dict[str, np.ndarray]]:
    """Yield model inputs for length-sorted batches of ``texts``."""
    texts = sorted(texts, key=len)
    for start in range(0, len(texts), size):
        encodings = encoder.tokenizer.encode_batch(texts[start : start + size])
        yield {name: np.array([getattr(e, _FIELDS[name]) for e in encodings], dtype=np.int64)
               for name in encoder.inputs}


def build(recipe: str, fp32: Path, work: Path, calibration: list[str]) -> Path:
    """Write the recipe's int8 file from the fp32 export, with the export's metadata, and return its path."""
    import onnx
    import onnxruntime
    from onnx import helper, numpy_helper
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_dynamic,
        quantize_static,
    )

    target = work / f"{recipe}.onnx"
    model = onnx.load(fp32)
    props = {p.key: p.value for p in model.metadata_props}
    options = {"MatMulConstBOnly": True, "DefaultTensorType": onnx.TensorProto.FLOAT}
    feed_forward_out = [n for n in model.graph.node
                        if n.name.endswith(_FEED_FORWARD_OUT) and "/attention/" not in n.name]
    dynamic = {"weight_type": QuantType.QInt8, "per_channel": True, "op_types_to_quantize": ["MatMul", "Attention"],
               "extra_options": options}
    reference = load(fp32)
    if recipe == "shipped":
        quantize_dynamic(fp32, target, nodes_to_exclude=[n.name for n in feed_forward_out], **dynamic)
    elif recipe == "allint8":
        quantize_dynamic(fp32, target, **dynamic)
    elif recipe.startswith("smooth"):
        alpha = float(recipe.removeprefix("smooth"))
        probe = onnx.load(fp32)
        for node in feed_forward_out:
            probe.graph.output.append(helper.make_tensor_value_info(node.input[0], onnx.TensorProto.FLOAT, None))
        session = onnxruntime.InferenceSession(probe.SerializeToString(), providers=["CPUExecutionProvider"])
        names = [n.input[0] for n in feed_forward_out]
        peak = {name: np.zeros(1, dtype=np.float32) for name in names}
        for feed in feeds(reference, calibration, 32):
            for name, value in zip(names, session.run(names, feed), strict=True):
                peak[name] = np.maximum(peak[name], np.abs(value.reshape(-1, value.shape[-1])).max(axis=0))
        weights = {i.name: i for i in model.graph.initializer}
        for node in feed_forward_out:
            w = numpy_helper.to_array(weights[node.input[1]])
            scale = (np.maximum(peak[node.input[0]], 1e-5) ** alpha
                     / np.maximum(np.abs(w).max(axis=1), 1e-5) ** (1 - alpha)).astype(np.float32)
            weights[node.input[1]].CopyFrom(numpy_helper.from_array(w * scale[:, None], node.input[1]))
            model.graph.initializer.append(numpy_helper.from_array(1 / scale, f"{node.name}_smooth"))
            mul = helper.make_node("Mul", [node.input[0], f"{node.name}_smooth"], [f"{node.input[0]}_smooth"])
            model.graph.node.insert(list(model.graph.node).index(node), mul)
            node.input[0] = f"{node.input[0]}_smooth"
        smoothed = work / f"{recipe}.fp32.onnx"
        onnx.save(model, smoothed)
        quantize_dynamic(smoothed, target, **dynamic)
    elif recipe.startswith("static-"):
        method = {"minmax": CalibrationMethod.MinMax, "percentile": CalibrationMethod.Percentile,
                  "entropy": CalibrationMethod.Entropy}[recipe.removeprefix("static-")]
        batches = iter(list(feeds(reference, calibration, 16)))

        class Reader(CalibrationDataReader):
            def get_next(self) -> dict[str, np.ndarray] | None:
                return next(batches, None)

        quantize_static(fp32, target, Reader(), quant_format=QuantFormat.QDQ, op_types_to_quantize=["MatMul"],
                        per_channel=True, weight_type=QuantType.QInt8, activation_type=QuantType.QUInt8,
                        calibrate_method=method, extra_options={**options, "CalibPercentile": 99.99})
    else:
        raise SystemExit(f"unknown recipe {recipe!r}")
    built = onnx.load(target)
    del built.metadata_props[:]
    helper.set_model_props(built, props)
    onnx.save(built, target)
    return target


def main() -> None:
    """Build the recipes asked for, then print their agreement with torch and their speed against it."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("recipes", nargs="+")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds; 0 measures agreement only")
    parser.add_argument("--work", type=Path, default=Path("/tmp/insights-encoder-recipes"),
                        help="where the fp32 export and the recipes' files are kept and reused")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # the quantiser advises pre-processing on every call

    args.work.mkdir(parents=True, exist_ok=True)
    fp32 = args.work / "fp32.onnx"
    if not fp32.exists():
        export(_model_path(DEFAULT_MODEL), fp32, quantize=False)
    calibration = demo_passages()
    encoders: dict[str, ModelEmbedder] = {"torch": SentenceTransformerEmbedder(DEFAULT_MODEL)}
    for recipe in args.recipes:
        path = args.work / f"{recipe}.onnx"
        if not path.exists():
            started = time.perf_counter()
            build(recipe, fp32, args.work, calibration)
            print(f"{recipe}: built in {time.perf_counter() - started:.0f} s", flush=True)
        encoders[recipe] = load(path)

    texts = passages(SCIFACT, 256)
    asked = [json.loads(line)["text"] for folder in (SCIFACT, STACKFAQ)
             for line, _ in zip((folder / "queries.jsonl").open(encoding="utf-8"), range(100), strict=False)]
    reference = encoders["torch"].encode(texts), encoders["torch"]._encode(asked)
    shuffled = random.Random(7).sample(range(len(texts)), len(texts))
    for name, encoder in encoders.items():
        vectors, questions = encoder.encode(texts), encoder._encode(asked)
        # The same passages in other batches: int8 with one activation scale per batch moves with the neighbours.
        rebatched = (encoder._encode([texts[i] for i in shuffled[:200]]) * vectors[shuffled[:200]]).sum(axis=1)
        cos_p, cos_q = (vectors * reference[0]).sum(axis=1), (questions * reference[1]).sum(axis=1)
        print(f"{name:18s} cosine with torch: passages {cos_p.mean():.5f} / {cos_p.min():.5f}, questions "
              f"{cos_q.mean():.5f} / {cos_q.min():.5f}; between batchings {rebatched.mean():.5f} / "
              f"{rebatched.min():.5f} (mean / min)", flush=True)

    rates: dict[str, list[float]] = {name: [] for name in encoders}
    query_s: dict[str, list[float]] = {name: [] for name in encoders}
    for number in range(args.rounds):
        for name, encoder in encoders.items():
            started = time.perf_counter()
            encoder._encode(texts)
            rates[name].append(len(texts) / (time.perf_counter() - started))
        for question in asked[:40]:
            for name, encoder in encoders.items():
                started = time.perf_counter()
                encoder._encode([question])
                query_s[name].append(time.perf_counter() - started)
        print(f"round {number + 1}: " + ", ".join(f"{n} {r[-1]:.1f} p/s ({r[-1] / rates['torch'][-1]:.2f}×)"
                                                 for n, r in rates.items()), flush=True)
    if args.rounds:
        for name in encoders:
            ratios = [a / b for a, b in zip(rates[name], rates["torch"], strict=True)]
            print(f"{name:18s} {statistics.median(rates[name]):6.1f} passages/s, per-round ratio to torch median "
                  f"{statistics.median(ratios):.2f}× ({', '.join(f'{r:.2f}' for r in ratios)}); question p50 "
                  f"{1000 * statistics.median(query_s[name]):.1f} ms "
                  f"({statistics.median(query_s[name]) / statistics.median(query_s['torch']):.2f} of torch's)")


if __name__ == "__main__":
    main()
