from collections import Counter

from models.records import TAG_LABELS
from nlp.dataset import HOLDOUT_DIR, SOURCE_DIR, load_split, read_sources, split
from nlp.heads import HEADS_FILE, data_sha256, load_heads


def test_dataset_size_and_hard_negative_share():
    rows = [e for name in ("train", "dev", "test") for e in load_split(name)]
    assert len(rows) >= 600
    assert sum(e.hard_negative for e in rows) / len(rows) >= 0.30
    per_label = Counter(label for e in rows for label in e.labels)
    assert all(per_label[label] >= 50 for label in TAG_LABELS), per_label


def test_split_files_are_the_split_of_the_sources():
    built = split(read_sources(SOURCE_DIR), read_sources(HOLDOUT_DIR))
    for name, rows in built.items():
        assert sorted(e.text for e in rows) == sorted(e.text for e in load_split(name))


def test_splits_are_disjoint():
    texts = {name: {e.text for e in load_split(name)} for name in ("train", "dev", "test")}
    assert (
        not texts["train"] & texts["dev"]
        and not texts["train"] & texts["test"]
        and not texts["dev"] & texts["test"]
    )
    assert all(texts.values())


def test_shipped_heads_were_fitted_on_the_shipped_data():
    assert load_heads().data_sha256 == data_sha256(HEADS_FILE.parent)
