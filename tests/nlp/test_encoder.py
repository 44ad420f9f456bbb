import shutil

import numpy as np
import pytest

from models.errors import ModelUnavailable
from nlp.encoder import Encoder, bundled_model_dir, verify_bundled


def test_bundled_weights_pass_their_checksum():
    verify_bundled(bundled_model_dir())


def test_tampered_weights_are_refused(tmp_path):
    fake = tmp_path / "model"
    fake.mkdir()
    (fake / "model.safetensors").write_bytes(b"not the real weights")
    with pytest.raises(ModelUnavailable, match="SHA-256"):
        verify_bundled(fake)


@pytest.mark.slow  # slow: loads a second copy of the encoder (about 8 s); `make test` runs it
def test_configured_local_model_is_honoured(tmp_path):
    copy = tmp_path / "minilm"
    shutil.copytree(bundled_model_dir(), copy)
    encoder = Encoder(str(copy))
    assert encoder.name == str(copy)
    vectors = encoder.encode(["hello there", "good morning"])
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


@pytest.mark.slow  # imports sentence-transformers and torch's model code (about 3 s); `make test` runs it
def test_unknown_model_name_offline_is_a_clear_error():
    with pytest.raises(ModelUnavailable, match="cannot load embedding model"):
        Encoder("no-such-org/no-such-model")


@pytest.mark.slow  # imports sentence-transformers, as the test above
def test_a_model_without_a_fixed_dimension_is_a_clear_error(monkeypatch):
    import sentence_transformers

    class NoDimension:  # e.g. a configured model without a pooling layer
        def __init__(self, *args, **kwargs):
            pass

        def get_embedding_dimension(self):
            return None

    monkeypatch.setattr(sentence_transformers, "SentenceTransformer", NoDimension)
    with pytest.raises(ModelUnavailable, match="no fixed embedding dimension"):
        Encoder("some-model")
