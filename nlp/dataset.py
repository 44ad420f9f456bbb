"""The labelled utterance dataset: authored in nlp/data/source/*.tsv, split into train/dev/test JSONL.

Source lines are ``labels<TAB>sentiment<TAB>speaker<TAB>text`` (labels comma-separated or
``-``; speaker ``c``/``r``/``u``). ``python -m nlp.dataset`` rebuilds the split files
deterministically: ``source/`` and ``retired/`` are split 75/25 into train and dev (seeded,
label-stratified); ``holdout/`` is the test split, written before the change it judges and never
used to fit or tune anything (``nlp/train.py`` reads train and dev only). A held-out set that has
judged its models is no longer fresh: it moves to ``retired/`` and becomes fitting data, in the
voices of whoever wrote it, and the next change is judged on a newly written set.
"""

from __future__ import annotations

import json
import random
import re
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

from models.records import TAG_LABELS, Role, SentimentLabel

DATA_DIR = Path(__file__).parent / "data"
SOURCE_DIR = DATA_DIR / "source"
HOLDOUT_DIR = DATA_DIR / "holdout"
RETIRED_DIR = DATA_DIR / "retired"  # held-out sets that have judged their models, now fitting data
SPLITS = ("train", "dev", "test")
ROLES: dict[str, Role] = {"c": "customer", "r": "rep", "u": "unknown"}
SENTIMENTS: dict[str, SentimentLabel] = {
    "positive": "positive",
    "neutral": "neutral",
    "negative": "negative",
}
# Unlabelled lines that contain a word a keyword tagger would fire on count as hard negatives.
TRIGGER = re.compile(
    r"\b(price|pric|cost|budget|expensive|cheap|quote|discount|export|download|dump|migrat|cancel|terminat|renew|"
    r"contract|leav|churn|invoice|bill|charg|pay|paid|refund|spend|procure|purchase|seat|licen|stop|switch|replac|"
    r"retir|shut|lapse|drop|gong|chorus|outreach|otter|fathom|clari|vendor|competit|"
    r"crash|slow|bug|broke|outage|error|glitch|fix|fit|match|usage|use|using|adopt|log|left|quit|resign|reorg|"
    r"champion|sponsor|new|upgrad|add|expand|grow|more|extra|sign|mov|went with|go with|chose|decided)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Example:
    text: str
    labels: tuple[str, ...]
    sentiment: SentimentLabel
    speaker: Role
    hard_negative: bool
    source: str


def _parse_line(path: Path, number: int, line: str) -> Example:
    fields = line.rstrip("\n").split("\t")
    if len(fields) != 4:
        raise ValueError(f"{path}:{number}: expected 4 tab-separated fields, got {len(fields)}")
    raw_labels, sentiment, speaker, text = fields
    labels = tuple(sorted(label for label in raw_labels.split(",") if label != "-"))
    unknown = set(labels) - set(TAG_LABELS)
    if unknown or sentiment not in SENTIMENTS or speaker not in ROLES:
        raise ValueError(
            f"{path}:{number}: bad labels {sorted(unknown)}, sentiment {sentiment!r} or speaker {speaker!r}"
        )
    hard = not labels and (path.stem == "hard_negatives" or bool(TRIGGER.search(text)))
    return Example(
        text, labels, SENTIMENTS[sentiment], ROLES[speaker], hard, f"{path.name}:{number}"
    )


def read_sources(folder: Path = SOURCE_DIR) -> list[Example]:
    examples = []
    for path in sorted(folder.glob("*.tsv")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if line.strip() and not line.startswith("#"):
                examples.append(_parse_line(path, number, line))
    return examples


def fitting_sources() -> list[Example]:
    """What the heads may learn from: the written batches and the retired held-out sets."""
    return read_sources(SOURCE_DIR) + read_sources(RETIRED_DIR)


def check_unique(examples: list[Example]) -> None:
    texts = [e.text for e in examples]
    duplicates = {t for t in texts if texts.count(t) > 1}
    if duplicates:
        raise ValueError(f"duplicate utterances in the dataset: {sorted(duplicates)[:3]}")


def split(
    examples: list[Example], holdout: list[Example], seed: int = 20261122
) -> dict[str, list[Example]]:
    """``examples`` stratified by label set (hard negatives apart) into 75% train, 25% dev; ``holdout`` is test."""
    check_unique(examples + holdout)
    strata: dict[tuple, list[Example]] = defaultdict(list)
    for example in examples:
        strata[(example.labels, example.hard_negative)].append(example)
    rng = random.Random(seed)
    out: dict[str, list[Example]] = {"train": [], "dev": [], "test": list(holdout)}
    for key in sorted(strata):
        group = sorted(strata[key], key=lambda e: e.text)
        rng.shuffle(group)
        n_dev = round(len(group) * 0.25)
        out["dev"].extend(group[:n_dev])
        out["train"].extend(group[n_dev:])
    return out


def write_splits(splits: dict[str, list[Example]], folder: Path = DATA_DIR) -> None:
    for name, rows in splits.items():
        with open(folder / f"{name}.jsonl", "w") as fh:
            for example in sorted(rows, key=lambda e: e.source):
                fh.write(json.dumps({**asdict(example), "labels": list(example.labels)}) + "\n")


def load_split(name: str, folder: Path = DATA_DIR) -> list[Example]:
    rows = [
        json.loads(line)
        for line in (folder / f"{name}.jsonl").read_text().splitlines()
        if line.strip()
    ]
    return [Example(**{**row, "labels": tuple(row["labels"])}) for row in rows]


# Human-written, human-rated sentences from outside the project: the Amazon product-review sentences
# (Kotzias et al. 2015, UCI "Sentiment Labelled Sentences") as shipped by npm wink-sentiment 5.0.2, MIT
# (nlp/data/external/SOURCE.md). Split once, seeded, into a training part and an untouched evaluation part.
EXTERNAL_DIR = DATA_DIR / "external"
EXTERNAL_RAW = EXTERNAL_DIR / "amazon_cells_labelled.txt"
EXTERNAL_PARTS = ("wink_train", "wink_eval")
EXTERNAL_SEED = 20261123
EXTERNAL_LABELS: dict[str, SentimentLabel] = {"0": "negative", "1": "positive"}


def read_external(path: Path = EXTERNAL_RAW) -> list[Example]:
    """``sentence<TAB>0|1`` lines, first of each duplicate (case-insensitive) kept."""
    seen: set[str] = set()
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text, label = line.rsplit("\t", 1)
        key = text.strip().lower()
        if key in seen:
            continue
        seen.add(key)
        out.append(
            Example(
                text.strip(), (), EXTERNAL_LABELS[label], "unknown", False, f"{path.name}:{number}"
            )
        )
    return out


def split_external(examples: list[Example], seed: int = EXTERNAL_SEED) -> dict[str, list[Example]]:
    """Half of each sentiment class to training, half to evaluation, by a fixed seed."""
    parts: dict[str, list[Example]] = {name: [] for name in EXTERNAL_PARTS}
    rng = random.Random(seed)
    for label in sorted(EXTERNAL_LABELS.values()):
        group = [e for e in examples if e.sentiment == label]
        rng.shuffle(group)
        half = len(group) // 2
        parts["wink_train"].extend(group[:half])
        parts["wink_eval"].extend(group[half:])
    return parts


def load_external(part: str, folder: Path = EXTERNAL_DIR) -> list[Example]:
    """One committed part (``wink_train`` or ``wink_eval``)."""
    return load_split(part, folder)


if __name__ == "__main__":
    built = split(fitting_sources(), read_sources(HOLDOUT_DIR))
    write_splits(built)
    write_splits(split_external(read_external()), EXTERNAL_DIR)
    total = sum(len(rows) for rows in built.values())
    hard = sum(e.hard_negative for rows in built.values() for e in rows)
    print(
        f"{total} utterances ({hard / total:.0%} hard negatives): "
        + ", ".join(f"{name} {len(rows)}" for name, rows in built.items())
    )
