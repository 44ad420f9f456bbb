"""The shipped sentiment head is scikit-learn's MLP, run by numpy at tagging time: the two must agree."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from models.errors import ModelUnavailable
from nlp.heads import HEADS_FILE, SENTIMENTS, Heads, load_heads
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


def test_numpy_forward_pass_is_the_fitted_mlps():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 6)).astype(np.float32)
    y = (x[:, 0] > 0.4).astype(int) + (x[:, 1] > 0.0).astype(int)  # three classes
    model = sentiment_model(0.1).fit(x, y)
    order = [list(model.classes_).index(i) for i in range(len(SENTIMENTS))]
    probabilities = _heads(sentiment_layers(model, order)).sentiment_probabilities(x)
    assert np.allclose(probabilities, model.predict_proba(x), atol=1e-5)
    assert (probabilities.argmax(axis=1) == model.predict(x)).all()


def test_heads_with_a_linear_sentiment_head_ask_for_a_retrain(tmp_path: Path):
    raw = json.loads(HEADS_FILE.read_text())
    del raw["sentiment_hidden_weights"], raw["sentiment_hidden_bias"]
    old = tmp_path / "heads.json"
    old.write_text(json.dumps(raw))
    with pytest.raises(ModelUnavailable, match="python -m nlp.train"):
        load_heads(old)


def test_shipped_sentiment_head_is_an_mlp():
    heads = load_heads()
    assert heads.sentiment_hidden_weights.shape[0] == heads.sentiment_weights.shape[1]
    assert heads.metadata["sentiment"]["model"].startswith("MLP")
