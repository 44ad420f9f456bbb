"""The plain-torch MiniLM (nlp/bert.py) and the int8 encoder against sentence-transformers' fp32 embeddings."""

from __future__ import annotations

import numpy as np
import pytest

from models.errors import ConfigError
from models.settings import Settings, get_settings
from nlp.dataset import SPLITS, load_split
from nlp.encoder import Encoder, bundled_model_dir, load_encoder


@pytest.fixture(scope="module")
def texts() -> list[str]:
    labelled = [e.text for name in SPLITS for e in load_split(name)][::7]
    return [*labelled, "", "ok", "word " * 400]  # empty, one token, truncated at 256 tokens


@pytest.fixture(scope="module")
def reference(texts: list[str]) -> np.ndarray:
    """sentence-transformers on the same bundled files: what the encoder gave before nlp/bert.py."""
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(bundled_model_dir()), device="cpu")
    return model.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)


@pytest.mark.slow
def test_the_plain_torch_encoder_gives_sentence_transformers_embeddings(texts, reference):
    vectors = Encoder().encode(texts, batch_size=16)  # other batches, other padding: same vectors
    assert vectors.shape == reference.shape == (len(texts), 384)
    assert np.abs(vectors - reference).max() < 1e-4


@pytest.mark.slow
def test_int8_stays_close_to_fp32_and_is_quantised(texts, reference):
    from torch.ao.nn.quantized.dynamic import Linear as Int8Linear
    from torch.nn import Linear

    encoder = Encoder(precision="int8")
    linears = [m for m in encoder.backend.module.modules() if isinstance(m, Linear | Int8Linear)]
    assert len(linears) == 6 * 6 and all(isinstance(m, Int8Linear) for m in linears)
    vectors = encoder.encode(texts)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    cosine = (vectors * reference).sum(axis=1)
    assert cosine.min() > 0.85 and cosine.mean() > 0.96  # per-channel int8: about 0.92 and 0.97


def test_precision_is_a_checked_setting(monkeypatch):
    assert Settings().encoder_precision == "fp32"
    assert Settings(encoder_precision="int8").encoder_precision == "int8"
    monkeypatch.setenv("CALLINTEL_ENCODER_PRECISION", "fp16")
    get_settings.cache_clear()
    try:
        with pytest.raises(ConfigError, match="CALLINTEL_ENCODER_PRECISION"):
            get_settings()
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


@pytest.mark.slow
def test_load_encoder_takes_the_precision_from_the_settings(monkeypatch):
    monkeypatch.setenv("CALLINTEL_ENCODER_PRECISION", "int8")
    get_settings.cache_clear()
    try:
        assert load_encoder().precision == "int8"
        assert load_encoder(precision="fp32").precision == "fp32"
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
