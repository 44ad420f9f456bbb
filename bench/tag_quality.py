"""Tagging quality on the held-out test split: per-label precision/recall/F1, macro F1, sentiment accuracy.

    python bench/tag_quality.py [--split test|dev] [--source FILE] [--json] [--errors]

The test split is every file in nlp/data/holdout/; --source keeps one of them (e.g. holdout2.tsv, the set written
on 2026-11-23 and first scored after the model it measures was trained).

Thresholds and regularisation were chosen on dev by nlp/train.py; test is read only here.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from models.records import TAG_LABELS  # noqa: E402
from nlp.dataset import Example, load_split  # noqa: E402
from nlp.tagger import TaggedUtterance, Tagger, TagInput  # noqa: E402


@dataclass(frozen=True)
class LabelScore:
    label: str
    support: int
    precision: float
    recall: float
    f1: float


@dataclass(frozen=True)
class Quality:
    split: str
    utterances: int
    labels: list[LabelScore]
    macro_f1: float
    sentiment_accuracy: float
    errors: list[str]


def score(examples: list[Example], results: list[TaggedUtterance], split: str) -> Quality:
    per_label, errors = [], []
    predicted = [{t.label for t in r.tags} for r in results]
    for label in TAG_LABELS:
        tp = sum(label in p and label in e.labels for e, p in zip(examples, predicted, strict=True))
        fp = sum(
            label in p and label not in e.labels for e, p in zip(examples, predicted, strict=True)
        )
        fn = sum(
            label not in p and label in e.labels for e, p in zip(examples, predicted, strict=True)
        )
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_label.append(
            LabelScore(label, tp + fn, round(precision, 3), round(recall, 3), round(f1, 3))
        )
    for example, labels in zip(examples, predicted, strict=True):
        if labels != set(example.labels):
            errors.append(
                f"gold={sorted(example.labels)} predicted={sorted(labels)} [{example.speaker}] {example.text}"
            )
    sentiment = sum(
        r.sentiment.label == e.sentiment for e, r in zip(examples, results, strict=True)
    ) / len(examples)
    macro = sum(s.f1 for s in per_label) / len(per_label)
    return Quality(split, len(examples), per_label, round(macro, 3), round(sentiment, 3), errors)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--split", default="test", choices=("train", "dev", "test"))
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--errors", action="store_true", help="list the misclassified utterances")
    parser.add_argument(
        "--source", help="only the utterances from this source file (e.g. holdout2.tsv)"
    )
    args = parser.parse_args()
    examples = [
        e
        for e in load_split(args.split)
        if args.source is None or e.source.split(":")[0] == args.source
    ]
    if not examples:
        parser.error(f"no utterances from {args.source} in the {args.split} split")
    tagger = Tagger()
    results = list(tagger.tag(TagInput(e.text, e.speaker) for e in examples))
    quality = score(examples, results, args.split + (f" ({args.source})" if args.source else ""))
    if args.json:
        print(json.dumps(asdict(quality), indent=2))
        return
    print(f"split={quality.split} utterances={quality.utterances}")
    print(f"{'label':22s} {'support':>7s} {'precision':>9s} {'recall':>7s} {'F1':>6s}")
    for s in quality.labels:
        print(f"{s.label:22s} {s.support:7d} {s.precision:9.3f} {s.recall:7.3f} {s.f1:6.3f}")
    print(f"{'macro F1':22s} {quality.macro_f1:31.3f}")
    print(f"{'sentiment accuracy':22s} {quality.sentiment_accuracy:31.3f}")
    if args.errors:
        print("\n".join(quality.errors))


if __name__ == "__main__":
    main()
