"""The shipped sentiment head is scikit-learn's MLP, run by numpy at tagging time: the two must agree."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from sklearn.neural_network import MLPClassifier

from models.errors import ModelUnavailable
from nlp.heads import HEADS_FILE, MLP_ARRAYS, SENTIMENTS, Heads, load_heads
from nlp.train import sentiment_layers, sentiment_model


def _heads(layers: dict[str, np.ndarray]) -> Heads:
    return Heads(
        intent_weights=np.zeros((1, 1), dtype=np.float32),
        intent_bias=np.zeros(1, dtype=np.float32),
        thresholds=np.zeros(1, dtype=np.float32),
        exemplars=np.zeros((1, 1), dtype=np.float32),
        exemplar_labels=np.zeros((1, 1), dtype=bool),
        encoder="test",
        data_sha256="",
        metadata={},
        **layers,
    )


def _fitted() -> tuple[np.ndarray, MLPClassifier, Heads]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 6)).astype(np.float32)
    y = (x[:, 0] > 0.4).astype(int) + (x[:, 1] > 0.0).astype(int)  # three classes
    model = sentiment_model(0.1).fit(x, y)
    order = [list(model.classes_).index(i) for i in range(len(SENTIMENTS))]
    return x, model, _heads(sentiment_layers(model, order))


def test_numpy_forward_pass_is_the_fitted_mlps():
    x, model, heads = _fitted()
    probabilities = heads.sentiment_probabilities(x)
    assert np.allclose(probabilities, model.predict_proba(x), atol=1e-5)
    assert (probabilities.argmax(axis=1) == model.predict(x)).all()


def test_saved_and_loaded_heads_are_the_fitted_mlps(tmp_path: Path):
    x, model, heads = _fitted()
    heads.save(tmp_path / "heads.json")
    loaded = load_heads(tmp_path / "heads.json")
    for name in MLP_ARRAYS:
        assert np.array_equal(getattr(loaded, name), getattr(heads, name)), name
    assert "sentiment_hidden_weights" not in json.loads((tmp_path / "heads.json").read_text())
    assert np.allclose(loaded.sentiment_probabilities(x), model.predict_proba(x), atol=1e-5)
    assert (loaded.sentiment_probabilities(x).argmax(axis=1) == model.predict(x)).all()


def test_heads_without_the_mlp_arrays_ask_for_a_retrain(tmp_path: Path):
    old = tmp_path / "heads.json"
    old.write_text(HEADS_FILE.read_text())
    with np.load(HEADS_FILE.with_suffix(".npz")) as stored:
        kept = {name: stored[name] for name in ("embeddings", "labels")}
    np.savez_compressed(
        old.with_suffix(".npz"), **kept
    )  # a linear sentiment head had no layers there
    with pytest.raises(ModelUnavailable, match="python -m nlp.train"):
        load_heads(old)


def test_heads_without_their_arrays_file_ask_for_a_retrain(tmp_path: Path):
    alone = tmp_path / "heads.json"
    alone.write_text(HEADS_FILE.read_text())
    with pytest.raises(ModelUnavailable, match="python -m nlp.train"):
        load_heads(alone)


def test_shipped_sentiment_head_is_an_mlp():
    heads = load_heads()
    assert heads.sentiment_hidden_weights.shape[0] == heads.sentiment_weights.shape[1]
    assert heads.metadata["sentiment"]["model"].startswith("MLP")


@pytest.mark.slow
def test_heads_fitted_on_another_encoders_embeddings_are_refused(tmp_path: Path):
    """Heads and the encoder's tuned adapters are trained together: heads for other weights are a clear error."""
    from nlp.tagger import Tagger

    raw = json.loads(HEADS_FILE.read_text())
    raw["encoder"] = "all-MiniLM-L6-v2+tuned-0123456789ab"  # adapters that are not shipped
    path = tmp_path / "heads.json"
    path.write_text(json.dumps(raw))
    shutil.copy(HEADS_FILE.with_suffix(".npz"), path.with_suffix(".npz"))
    with pytest.raises(
        ModelUnavailable,
        match=r"fitted on all-MiniLM-L6-v2\+tuned-0123456789ab's embeddings.*is all-MiniLM-L6-v2; retrain",
    ):
        Tagger(heads=path)
