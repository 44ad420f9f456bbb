"""One cross-validation fold of the encoder's fine-tuning, against the bare encoder: how the tuning settings were chosen.

    python bench/tune_fold.py [--fold K] [epochs=4 layers=2,3,4,5 rank=16 ...]

Splits the fitting set (train + dev) as ``nlp/train.py`` does, tunes an encoder on fold K's other four fifths and the
external training part (``nlp/tune.py``, with the given ``TuneOptions`` fields), embeds every fitting line with it,
and scores fold K's lines with the intent heads' design (logistic regressions at C 4 on the embedding, speaker,
cue, similarity and stance features, exemplars from the other folds) and a logistic regression on the embedding
for sentiment, for the bare encoder and the tuned one. Prints sentiment accuracy and per-label F1 at 0.5 and at
each label's best threshold (optimistic for both alike). Reads no held-out set.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nlp.cues import INTENT_LABELS  # noqa: E402
from nlp.dataset import load_external, load_split  # noqa: E402
from nlp.encoder import bundled_model_dir  # noqa: E402
from nlp.tagger import build_pipeline  # noqa: E402
from nlp.train import THRESHOLDS, Fitting, design, embed, folds_of  # noqa: E402
from nlp.tune import TuneOptions, tune  # noqa: E402
from nlp.tune import embed as tuned_embeddings  # noqa: E402


def options(pairs: list[str]) -> TuneOptions:
    """``name=value`` pairs as TuneOptions fields (``layers=2,3,4,5``)."""
    fields = {f.name: f for f in dataclasses.fields(TuneOptions)}
    given: dict[str, object] = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        if name not in fields:
            raise SystemExit(f"tune_fold.py: unknown TuneOptions field {name!r}")
        default = getattr(TuneOptions(), name)
        try:
            if isinstance(default, tuple):
                given[name] = tuple(int(v) for v in value.split(","))
            else:
                given[name] = type(default)(value)
        except ValueError:
            kind = (
                "comma-separated integers" if isinstance(default, tuple) else type(default).__name__
            )
            raise SystemExit(f"tune_fold.py: {name} takes {kind}, not {value!r}") from None
    return TuneOptions(**given)  # type: ignore[arg-type]


def score(data: Fitting, fit: np.ndarray, val: np.ndarray, name: str) -> None:
    x_fit, y_fit = design(data, fit, fit, augment=True)
    x_val, y_val = design(data, val, fit, augment=False)
    f1s = {}
    for col, label in enumerate(INTENT_LABELS):
        model = LogisticRegression(C=4.0, class_weight="balanced", max_iter=5000)
        p = model.fit(x_fit, y_fit[:, col]).predict_proba(x_val)[:, 1]
        at_best = max(f1_score(y_val[:, col], p >= t, zero_division=0) for t in THRESHOLDS)
        f1s[label] = (f1_score(y_val[:, col], p >= 0.5, zero_division=0), at_best)
    sentiment = LogisticRegression(C=4.0, max_iter=5000).fit(
        data.embeddings[fit], data.sentiment[fit]
    )
    accuracy = sentiment.score(data.embeddings[val], data.sentiment[val])
    macro = [float(np.mean([v[i] for v in f1s.values()])) for i in (0, 1)]
    print(
        f"{name:6s} sentiment {accuracy:.3f}  intents macro F1 at 0.5 {macro[0]:.3f}, at best {macro[1]:.3f}"
    )
    print("       " + ", ".join(f"{label} {a:.3f}/{b:.3f}" for label, (a, b) in f1s.items()))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--fold", type=int, default=1, help="which of the five folds to score (1-5)"
    )
    parser.add_argument("fields", nargs="*", help="TuneOptions fields as name=value")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    chosen = options(args.fields)
    print(chosen)
    examples = load_split("train") + load_split("dev")
    data = embed(examples, build_pipeline(with_heads=False, adapter=None))
    fit, val = folds_of(examples)[args.fold - 1]
    started = time.process_time()
    model, tokenizer = tune(
        [examples[i] for i in fit] + load_external("wink_train"), bundled_model_dir(), chosen
    )
    print(f"tuning: {time.process_time() - started:.0f} s CPU")
    tuned = dataclasses.replace(
        data, embeddings=tuned_embeddings(model, tokenizer, [e.text for e in examples])
    )
    score(data, fit, val, "bare")
    score(tuned, fit, val, "tuned")


if __name__ == "__main__":
    main()
