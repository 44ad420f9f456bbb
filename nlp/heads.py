"""Trained linear heads over sentence embeddings: one logistic regression per intent, one for sentiment.

Features per utterance: the L2-normalised embedding, the speaker role (one-hot),
and for each intent label whether a cue phrase is present and whether it is
negated. The sentiment head also reads the intent heads' scores; it is a small
MLP (one ReLU hidden layer, scikit-learn's ``MLPClassifier``), which beat a
logistic regression out of fold. Weights are trained by ``python -m nlp.train``
and shipped as heads.json (labels, thresholds, intent weights, metadata) and the
arrays beside it, heads.npz (the exemplars and the sentiment MLP's layers).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.errors import ModelUnavailable
from nlp.cues import INTENT_LABELS

__all__ = [
    "HEADS_FILE",
    "ROLE_ORDER",
    "SENTIMENTS",
    "Heads",
    "cue_features",
    "features",
    "load_heads",
    "role_columns",
    "sentiment_features",
    "similarity_features",
]

HEADS_FILE = Path(__file__).parent / "data" / "heads.json"
ARRAYS_SUFFIX = ".npz"
MLP_ARRAYS = (
    "sentiment_hidden_weights",
    "sentiment_hidden_bias",
    "sentiment_weights",
    "sentiment_bias",
)
ROLE_ORDER = ("rep", "customer", "unknown")
SENTIMENTS = ("negative", "neutral", "positive")


CUE_COLUMNS = 2  # per intent: a cue is present, every present cue is negated


def cue_features(hits: Sequence[dict[str, bool]]) -> np.ndarray:
    """(n, 2 * intents): for each intent, [any cue present, every present cue negated]."""
    out = np.zeros((len(hits), CUE_COLUMNS * len(INTENT_LABELS)), dtype=np.float32)
    for row, per_label in enumerate(hits):
        for col, label in enumerate(INTENT_LABELS):
            if label in per_label:
                out[row, CUE_COLUMNS * col : CUE_COLUMNS * (col + 1)] = (
                    1.0,
                    float(per_label[label]),
                )
    return out


TOP_DEPTH = (
    32  # the nearest exemplars of each row looked at first for the k nearest outside a label
)


def similarity_features(
    embeddings: np.ndarray,
    exemplars: np.ndarray,
    exemplar_labels: np.ndarray,
    exclude: np.ndarray | None = None,
    k: int = 3,
) -> np.ndarray:
    """(n, 2 * intents): per intent, mean cosine of the k nearest labelled exemplars with it and without it.

    ``exclude`` (n, m) masks exemplars an example must not see (itself, when training). The k nearest
    without a label come from each row's ``TOP_DEPTH`` nearest exemplars, sorted once, where enough of them
    lack it (nearly always), else from a partition of that row's whole set, as those with the label do.
    """
    sims = embeddings @ exemplars.T
    if exclude is not None:
        sims = np.where(exclude, -1.0, sims)
    out = np.zeros((len(embeddings), 2 * exemplar_labels.shape[1]), dtype=np.float32)
    nearest, values = _nearest(sims, max(k, TOP_DEPTH))
    for col in range(exemplar_labels.shape[1]):
        members = exemplar_labels[:, col]
        out[:, 2 * col] = _mean_top(sims[:, members], k)
        out[:, 2 * col + 1] = _mean_top_outside(sims, nearest, values, members, k)
    return out


def _mean_top(part: np.ndarray, k: int) -> np.ndarray:
    """Each row's mean of its k largest values (of all, where it has no more than k)."""
    if part.shape[1] > k:
        part = np.partition(part, part.shape[1] - k, axis=1)[:, -k:]
    return part.mean(axis=1)


def _nearest(sims: np.ndarray, depth: int) -> tuple[np.ndarray, np.ndarray]:
    """Each row's ``depth`` largest similarities (fewer where it has fewer), largest first, and their columns."""
    depth = min(depth, sims.shape[1])
    columns = np.argpartition(sims, sims.shape[1] - depth, axis=1)[:, -depth:]
    values = np.take_along_axis(sims, columns, axis=1)
    order = np.argsort(-values, axis=1, kind="stable")
    return np.take_along_axis(columns, order, axis=1), np.take_along_axis(values, order, axis=1)


def _mean_top_outside(
    sims: np.ndarray, nearest: np.ndarray, values: np.ndarray, members: np.ndarray, k: int
) -> np.ndarray:
    """``_mean_top(sims[:, ~members], k)``, read from the rows' nearest exemplars where k of them are outside."""
    count = min(k, int((~members).sum()))
    if count == 0:
        return _mean_top(sims[:, ~members], k)  # no exemplar lacks the label: as before (NaN)
    outside = ~members[nearest]
    chosen = outside & (np.cumsum(outside, axis=1) <= k)
    out = np.where(chosen, values, 0.0).sum(axis=1, dtype=sims.dtype) / np.float32(count)
    rest = np.flatnonzero(chosen.sum(axis=1) < count)
    if len(rest):
        out[rest] = _mean_top(sims[np.ix_(rest, np.flatnonzero(~members))], k)
    return out.astype(sims.dtype, copy=False)


def role_columns(roles: Sequence[str]) -> np.ndarray:
    """(n, roles) one-hot speaker role."""
    out = np.zeros((len(roles), len(ROLE_ORDER)), dtype=np.float32)
    for row, role in enumerate(roles):
        out[row, ROLE_ORDER.index(role)] = 1.0
    return out


def features(
    embeddings: np.ndarray,
    roles: Sequence[str],
    cues: np.ndarray,
    similarities: np.ndarray,
    stance: np.ndarray,
) -> np.ndarray:
    return np.hstack([embeddings, role_columns(roles), cues, similarities, stance]).astype(
        np.float32, copy=False
    )


def sentiment_features(
    embeddings: np.ndarray,
    stance: np.ndarray,
    cues: np.ndarray,
    roles: Sequence[str],
    intent_scores: np.ndarray,
) -> np.ndarray:
    """The sentiment head's input: the embedding, the stance and cue features, the speaker role (a rep's
    words are not the customer's stance) and the intent heads' scores (a voiced risk is the customer's stance;
    out-of-fold scores when training)."""
    return np.hstack([embeddings, stance, cues, role_columns(roles), intent_scores]).astype(
        np.float32, copy=False
    )


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _softmax(x: np.ndarray) -> np.ndarray:
    shifted = np.exp(x - x.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


@dataclass(frozen=True)
class Heads:
    intent_weights: np.ndarray  # (intents, features)
    intent_bias: np.ndarray  # (intents,)
    thresholds: np.ndarray  # (intents,) tuned on dev
    sentiment_hidden_weights: np.ndarray  # (hidden, sentiment features)
    sentiment_hidden_bias: np.ndarray  # (hidden,)
    sentiment_weights: np.ndarray  # (3, hidden)
    sentiment_bias: np.ndarray  # (3,)
    exemplars: np.ndarray  # (m, embedding dim) train-split embeddings
    exemplar_labels: np.ndarray  # (m, intents) bool
    encoder: str
    data_sha256: str
    metadata: dict

    @property
    def dimension(self) -> int:
        return int(self.exemplars.shape[1])

    def similarities(self, embeddings: np.ndarray) -> np.ndarray:
        return similarity_features(embeddings, self.exemplars, self.exemplar_labels)

    def intent_scores(self, x: np.ndarray) -> np.ndarray:
        return _sigmoid(x @ self.intent_weights.T + self.intent_bias)

    def sentiment_probabilities(self, x: np.ndarray) -> np.ndarray:
        hidden = np.maximum(x @ self.sentiment_hidden_weights.T + self.sentiment_hidden_bias, 0.0)
        return _softmax(hidden @ self.sentiment_weights.T + self.sentiment_bias)

    def save(self, path: Path) -> None:
        path.write_text(self.to_json() + "\n")
        np.savez_compressed(
            path.with_suffix(ARRAYS_SUFFIX),
            embeddings=self.exemplars.astype(np.float16),
            labels=self.exemplar_labels,
            sentiment_hidden_weights=self.sentiment_hidden_weights.astype(np.float32),
            sentiment_hidden_bias=self.sentiment_hidden_bias.astype(np.float32),
            sentiment_weights=self.sentiment_weights.astype(np.float32),
            sentiment_bias=self.sentiment_bias.astype(np.float32),
        )

    def to_json(self) -> str:
        return json.dumps(
            {
                "intent_labels": list(INTENT_LABELS),
                "sentiments": list(SENTIMENTS),
                "roles": list(ROLE_ORDER),
                "encoder": self.encoder,
                "data_sha256": self.data_sha256,
                "metadata": self.metadata,
                "thresholds": [round(float(t), 4) for t in self.thresholds],
                "intent_bias": self.intent_bias.round(6).tolist(),
                "intent_weights": self.intent_weights.round(6).tolist(),
            },
            indent=1,
        )


def data_sha256(folder: Path) -> str:
    """Fingerprint of the training data the heads were fitted on."""
    digest = hashlib.sha256()
    for name in ("train.jsonl", "dev.jsonl", "external/wink_train.jsonl"):
        digest.update((folder / name).read_bytes())
    return digest.hexdigest()


def load_heads(path: Path = HEADS_FILE) -> Heads:
    try:
        raw = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelUnavailable(
            f"cannot read trained heads ({exc}); run python -m nlp.train", path
        ) from None
    if raw["intent_labels"] != list(INTENT_LABELS) or raw["roles"] != list(ROLE_ORDER):
        raise ModelUnavailable(
            "heads were trained for another label set; run python -m nlp.train", path
        )
    arrays = _load_arrays(path)
    return Heads(
        intent_weights=np.asarray(raw["intent_weights"], dtype=np.float32),
        intent_bias=np.asarray(raw["intent_bias"], dtype=np.float32),
        thresholds=np.asarray(raw["thresholds"], dtype=np.float32),
        sentiment_hidden_weights=arrays["sentiment_hidden_weights"],
        sentiment_hidden_bias=arrays["sentiment_hidden_bias"],
        sentiment_weights=arrays["sentiment_weights"],
        sentiment_bias=arrays["sentiment_bias"],
        exemplars=arrays["embeddings"].astype(np.float32),
        exemplar_labels=arrays["labels"].astype(bool),
        encoder=raw["encoder"],
        data_sha256=raw["data_sha256"],
        metadata=raw.get("metadata", {}),
    )


def _load_arrays(path: Path) -> dict[str, np.ndarray]:
    """The arrays beside the heads: the exemplars and the sentiment MLP's layers (heads from before the
    MLP, or with its layers in the JSON, have none there and ask for a retrain)."""
    try:
        with np.load(path.with_suffix(ARRAYS_SUFFIX)) as stored:
            arrays = {name: stored[name] for name in stored.files}
    except (OSError, ValueError) as exc:
        raise ModelUnavailable(
            f"cannot read the arrays beside the heads ({exc}); run python -m nlp.train", path
        ) from None
    missing = sorted({"embeddings", "labels", *MLP_ARRAYS} - set(arrays))
    if missing:
        raise ModelUnavailable(
            f"the arrays beside the heads lack {', '.join(missing)} (no MLP sentiment head); "
            "run python -m nlp.train",
            path,
        )
    return arrays
