"""The tagger's faster paths give what the plain ones give (issue 19 item 6): the k-nearest exemplar features,
the cue stems written as lemmas, the units read from the doc's arrays and their texts sliced from the doc's."""

from __future__ import annotations

import numpy as np
import pytest
import spacy

from nlp import heads
from nlp.components import cue_hits, sentence_units, unit_cue_hits, unit_texts
from nlp.cues import StemMarker
from nlp.heads import similarity_features
from nlp.tagger import Tagger


def plain_similarity_features(embeddings, exemplars, exemplar_labels, exclude=None, k=3):
    """The features as computed before: a partition of each label's exemplars and of the others."""
    sims = embeddings @ exemplars.T
    if exclude is not None:
        sims = np.where(exclude, -1.0, sims)
    out = np.zeros((len(embeddings), 2 * exemplar_labels.shape[1]), dtype=np.float32)
    for col in range(exemplar_labels.shape[1]):
        for offset, members in enumerate((exemplar_labels[:, col], ~exemplar_labels[:, col])):
            part = sims[:, members]
            if part.shape[1] > k:
                part = np.partition(part, part.shape[1] - k, axis=1)[:, -k:]
            out[:, 2 * col + offset] = part.mean(axis=1)
    return out


def _unit_rows(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    rows = rng.standard_normal((n, dim)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


@pytest.mark.parametrize("depth", [32, 4, 1])  # 4 and 1: most rows fall back to the whole partition
def test_similarity_features_equal_the_plain_partition(monkeypatch, depth):
    monkeypatch.setattr(heads, "TOP_DEPTH", depth)
    rng = np.random.default_rng(7)
    exemplars = _unit_rows(rng, 300, 16)
    labels = rng.random((300, 4)) < np.array([0.05, 0.3, 0.6, 0.9])
    embeddings = np.vstack([exemplars[:40] + 0.01, _unit_rows(rng, 40, 16)]).astype(np.float32)
    exclude = rng.random((80, 300)) < 0.02
    for mask in (None, exclude):
        got = similarity_features(embeddings, exemplars, labels, mask)
        want = plain_similarity_features(embeddings, exemplars, labels, mask)
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)


def test_stems_are_the_longest_and_written_as_lemmas():
    nlp = spacy.blank("en")
    marker = StemMarker(("overcharg", "over", "cancel"))
    doc = nlp.make_doc("They overcharged us, it is over, we cancelled")
    assert marker(doc) == [(1, "overcharg"), (6, "over"), (9, "cancel")]
    assert [t.lemma_ for t in doc] == [
        "they", "overcharg", "us", ",", "it", "is", "over", ",", "we", "cancel",
    ]  # fmt: skip
    assert marker(nlp.make_doc("Nothing here")) == []  # the remembered words give the same answer


def test_a_stem_pattern_matches_only_words_whose_longest_stem_it_is(tagger: Tagger):
    """'end* our contract' is a cancellation cue: "ending our contract" has it, a word without the stem has not,
    and a doc with no stem at all still runs the patterns (the Matcher wants lemmas on every doc)."""
    cues = {s.label_: s.text for s in tagger.pipeline("We are ending our contract.").spans["cues"]}
    assert cues.get("cancellation_intent") == "ending our contract"
    assert "cancellation_intent" not in {
        s.label_ for s in tagger.pipeline("We are sending our contract.").spans["cues"]
    }
    assert list(tagger.pipeline("Okay.").spans["cues"]) == []


@pytest.mark.parametrize(
    "text",
    [
        "Right. We are moving to Gong next quarter.  It is too expensive!\nThanks.",
        "Okay, thanks. ",
        "  leading spaces. And a second sentence here, not negated.",
        "",
    ],
)
def test_units_texts_and_cue_hits_equal_the_spans(tagger: Tagger, text: str):
    doc = tagger.pipeline(text)
    units = doc._.units
    plain = [doc[:]] if len(doc) == 0 else _plain_units(doc)
    assert [(u.start, u.end) for u in units] == [(u.start, u.end) for u in plain]
    assert unit_texts(doc) == [u.text for u in units]
    assert unit_cue_hits(doc, units) == [cue_hits(doc, u) for u in units]


def _plain_units(doc):
    """sentence_units as written before, token by token."""
    units, start = [], 0
    for sentence in doc.sents:
        words = sum(1 for t in doc[start : sentence.end] if not (t.is_punct or t.is_space))
        if words >= 3:
            units.append(doc[start : sentence.end])
            start = sentence.end
    if start < len(doc):
        if units:
            units[-1] = doc[units[-1].start : len(doc)]
        else:
            units.append(doc[start:])
    return units


def test_sentence_units_of_a_doc_without_sentences_is_the_doc():
    doc = spacy.blank("en").make_doc("no sentencizer ran here")
    assert [u.text for u in sentence_units(doc)] == ["no sentencizer ran here"]
