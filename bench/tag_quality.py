"""Tagging quality on the held-out test split: per-label precision/recall/F1, macro F1, sentiment accuracy.

    python bench/tag_quality.py [--split test|dev] [--source FILE] [--json] [--errors]
    python bench/tag_quality.py --report [--json]

The test split is every file in nlp/data/holdout/ (the fresh sets); --source keeps one of them (e.g. holdout2.tsv, the set written
on 2026-11-23 and first scored after the model it measures was trained). --report gives the figures each held-out
set was written for (REPORT below; holdout8.tsv, written 2026-11-24 before the training batch it judges, is the
fresh one for product_issue, expansion_interest and sentiment; holdout9.tsv, written later on 2026-11-24 before
the sentiment changes and the twelfth training batch, is the fresh one for sentiment; holdout10.tsv, written before
the thirteenth batch, is the fresh one for sentiment and product_issue; holdout11.tsv, written before the
fourteenth batch, is the fresh one for product_issue and its hard negatives; holdout12.tsv, written before the
fifteenth batch, is the fresh one for sentiment and product_issue; holdout13.tsv, written before the sentiment-alpha
and risk-forcing changes, is the fresh one for sentiment and product_issue; holdout14.tsv, written before the
sixteenth batch and the alpha and threshold change, is the fresh one for sentiment and every new label;
holdout15.tsv, written before the encoder's fine-tuning, is the fresh one for sentiment and every new label;
holdout16.tsv, written before the retired sets and the seventeenth batch became fitting data, is the fresh one
for sentiment and every new label; holdout17.tsv, written before holdout16 and the eighteenth batch became fitting
data, and holdout18.tsv, written before the nineteenth batch's candidate (which lost there), are the fresh ones
for sentiment and every new label), wherever each set's lines now are: a set that has judged its models moves to
nlp/data/retired/ and is fitting data (nlp/dataset.py), so its figures are marked
"fitted" and are seen figures,
product_issue F1 on every set that has product issues, and sentiment accuracy on the untouched external evaluation
part (nlp/data/external/wink_eval.jsonl, human-rated product-review sentences).

Thresholds and regularisation were chosen on train+dev by nlp/train.py; test is read only here.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from models.records import TAG_LABELS  # noqa: E402
from models.settings import get_settings  # noqa: E402
from nlp.dataset import Example, load_external, load_split  # noqa: E402
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


EXISTING_LABELS = TAG_LABELS[:5]  # the labels of the first four held-out sets
NEW_LABELS = TAG_LABELS[5:]  # product_issue … expansion_interest (holdout5.tsv)
FRESH_LABELS = ("product_issue", "expansion_interest")  # holdout8.tsv, with sentiment (2026-11-24)
SIGNING = ("cancellation_intent", "competitor_mention")  # "signed with / moving to a competitor"


@dataclass(frozen=True)
class HeldOutSet:
    name: str
    sources: tuple[str, ...]
    labels: tuple[str, ...]  # the labels its macro F1 is over


REPORT = (
    HeldOutSet(
        "existing labels",
        ("holdout.tsv", "holdout2.tsv", "holdout3.tsv", "holdout4.tsv"),
        EXISTING_LABELS,
    ),
    HeldOutSet("new labels", ("holdout5.tsv",), NEW_LABELS),
    HeldOutSet("long turns", ("holdout6.tsv",), TAG_LABELS),
    HeldOutSet("sentiment", ("holdout7.tsv",), TAG_LABELS),
    HeldOutSet("fresh (issue 18)", ("holdout8.tsv",), FRESH_LABELS),
    HeldOutSet("fresh sentiment", ("holdout9.tsv",), TAG_LABELS),
    HeldOutSet("fresh (holdout10)", ("holdout10.tsv",), TAG_LABELS),
    HeldOutSet("fresh (holdout11)", ("holdout11.tsv",), TAG_LABELS),
    HeldOutSet("fresh (holdout12)", ("holdout12.tsv",), TAG_LABELS),
    HeldOutSet("fresh (holdout13)", ("holdout13.tsv",), TAG_LABELS),
    HeldOutSet("fresh (holdout14)", ("holdout14.tsv",), TAG_LABELS),
    HeldOutSet("fresh (holdout15)", ("holdout15.tsv",), TAG_LABELS),
    HeldOutSet("fresh (holdout16)", ("holdout16.tsv",), TAG_LABELS),
    HeldOutSet("fresh (holdout17)", ("holdout17.tsv",), TAG_LABELS),
    HeldOutSet("fresh (holdout18)", ("holdout18.tsv",), TAG_LABELS),
)
DETAILED = (
    "new labels",
    "fresh (issue 18)",
    "fresh (holdout10)",
    "fresh (holdout11)",
    "fresh (holdout12)",
    "fresh (holdout13)",
    "fresh (holdout14)",
    "fresh (holdout15)",
    "fresh (holdout16)",
    "fresh (holdout17)",
    "fresh (holdout18)",
)
TRACKED = "product_issue"  # its F1 is printed for every set that has it  # the sets whose per-label figures --report prints


@dataclass(frozen=True)
class SetFigures:
    name: str
    sources: list[str]
    quality: Quality
    fitted: bool  # its lines are in train/dev (a retired set): seen figures, not held-out ones


@dataclass(frozen=True)
class Report:
    sets: list[SetFigures]
    signing_lines: int
    signing_both: float  # share of the "signed with a competitor" lines tagged with both labels
    external_sentences: int
    external_sentiment_accuracy: float


def score(
    examples: list[Example],
    results: list[TaggedUtterance],
    split: str,
    labels: tuple[str, ...] = TAG_LABELS,
) -> Quality:
    per_label, errors = [], []
    predicted = [{t.label for t in r.tags} & set(labels) for r in results]
    for label in labels:
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
    for example, found in zip(examples, predicted, strict=True):
        if found != set(example.labels) & set(labels):
            errors.append(
                f"gold={sorted(example.labels)} predicted={sorted(found)} [{example.speaker}] {example.text}"
            )
    sentiment = sum(
        r.sentiment.label == e.sentiment for e, r in zip(examples, results, strict=True)
    ) / len(examples)
    macro = sum(s.f1 for s in per_label) / len(per_label)
    return Quality(split, len(examples), per_label, round(macro, 3), round(sentiment, 3), errors)


def _tag(tagger: Tagger, examples: list[Example]) -> list[TaggedUtterance]:
    return list(tagger.tag(TagInput(e.text, e.speaker) for e in examples))


def _partner_words() -> set[str]:
    """The bundled catalogue's partners (integrations): a line naming one was written, before the catalogue
    called Outreach a partner, as signing with a competitor; it is left out of that measure."""
    from nlp.catalogue import load_catalogue

    catalogue = load_catalogue()
    return {
        form.lower()
        for c in catalogue.competitors
        if c.relationship == "partner"
        for form in c.forms()
    }


def report(tagger: Tagger) -> Report:
    """The figures each held-out set was written for, and sentiment on the external evaluation part."""
    test, fitting = load_split("test"), load_split("train") + load_split("dev")
    figures = []
    for held in REPORT:
        fresh = [e for e in test if e.source.split(":")[0] in held.sources]
        examples = fresh or [e for e in fitting if e.source.split(":")[0] in held.sources]
        if not examples:
            continue  # not written yet in this tree
        quality = score(examples, _tag(tagger, examples), held.name, held.labels)
        figures.append(SetFigures(held.name, list(held.sources), quality, not fresh))
    partners = _partner_words()
    signing = [
        e
        for e in test + fitting
        if e.source.startswith("holdout5.tsv")
        and e.labels == SIGNING
        and not partners & set(re.findall(r"[a-z0-9]+(?:\.[a-z0-9]+)*", e.text.lower()))
    ]
    both = sum(set(SIGNING) <= {t.label for t in r.tags} for r in _tag(tagger, signing)) / len(
        signing
    )
    external = load_external("wink_eval")
    right = sum(
        r.sentiment.label == e.sentiment
        for e, r in zip(external, _tag(tagger, external), strict=True)
    )
    return Report(
        figures, len(signing), round(both, 3), len(external), round(right / len(external), 3)
    )


def print_quality(quality: Quality) -> None:
    print(f"split={quality.split} utterances={quality.utterances}")
    print(f"{'label':22s} {'support':>7s} {'precision':>9s} {'recall':>7s} {'F1':>6s}")
    for s in quality.labels:
        print(f"{s.label:22s} {s.support:7d} {s.precision:9.3f} {s.recall:7.3f} {s.f1:6.3f}")
    print(f"{'macro F1':22s} {quality.macro_f1:31.3f}")
    print(f"{'sentiment accuracy':22s} {quality.sentiment_accuracy:31.3f}")


def print_report(figures: Report) -> None:
    print(
        f"{'held-out set':16s} {'files':40s} {'utterances':>10s} {'macro F1':>8s} {'sentiment':>9s}"
    )
    for held in figures.sets:
        q = held.quality
        files = ",".join(held.sources) + (" (fitted)" if held.fitted else "")
        print(
            f"{held.name:16s} {files:40s} {q.utterances:10d} {q.macro_f1:8.3f} {q.sentiment_accuracy:9.3f}"
        )
    for held in figures.sets:
        if held.name in DETAILED:
            print(f"{held.name} ({held.sources[0]}):")
            for s in held.quality.labels:
                if (
                    s.support or s.precision < 1.0
                ):  # labels the set has, or that were wrongly found in it
                    print(
                        f"  {s.label:20s} support {s.support:3d} precision {s.precision:.3f} recall {s.recall:.3f} F1 {s.f1:.3f}"
                    )
    tracked = [
        (held.name, s)
        for held in figures.sets
        for s in held.quality.labels
        if s.label == TRACKED and s.support
    ]
    print(
        f"{TRACKED} F1 per set: "
        + ", ".join(f"{name} {s.f1:.3f} ({s.support})" for name, s in tracked)
    )
    print(
        f"signed with / moving to a competitor: {figures.signing_both:.3f} of {figures.signing_lines} lines "
        "get cancellation_intent + competitor_mention"
    )
    print(
        f"external human-rated sentences (wink-sentiment, untouched part): {figures.external_sentences}, "
        f"sentiment accuracy {figures.external_sentiment_accuracy:.3f}"
    )


def _configured() -> Tagger:
    """The tagger as the settings make it: CALLINTEL_ENCODER_PRECISION=int8 scores the int8 encoder."""
    return Tagger.from_settings(get_settings())


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
    parser.add_argument(
        "--report", action="store_true", help="the figures per held-out set and on the external set"
    )
    args = parser.parse_args()
    if args.report:
        figures = report(_configured())
        print(json.dumps(asdict(figures), indent=2) if args.json else "", end="")
        if not args.json:
            print_report(figures)
        return
    examples = [
        e
        for e in load_split(args.split)
        if args.source is None or e.source.split(":")[0] == args.source
    ]
    if not examples:
        parser.error(f"no utterances from {args.source} in the {args.split} split")
    quality = score(
        examples,
        _tag(_configured(), examples),
        args.split + (f" ({args.source})" if args.source else ""),
    )
    if args.json:
        print(json.dumps(asdict(quality), indent=2))
        return
    print_quality(quality)
    if args.errors:
        print("\n".join(quality.errors))


if __name__ == "__main__":
    main()
