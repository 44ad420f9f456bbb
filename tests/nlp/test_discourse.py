"""The one question detector (nlp.discourse.asks): the summary, the metrics and the stance feature share it."""

from __future__ import annotations

import numpy as np
import spacy

from nlp.discourse import asks, discourse
from nlp.stance import STANCE_FEATURES, StanceMatcher

ASKING = [
    "Can you send the invoice?",
    "Twenty percent more than last year?",
    "how do we export the call notes",
    "Is there a bulk export for transcripts",
]
TELLING = [
    "When the contract ends you keep read access.",
    "Don't send a renewal quote, we won't sign it.",
    "What a week!",
    "how so",
    "",
]


def test_asks() -> None:
    d = discourse()
    assert [asks(d.doc(text)[:]) for text in ASKING] == [True] * len(ASKING)
    assert [asks(d.doc(text)[:]) for text in TELLING] == [False] * len(TELLING)


def test_questions_are_the_sentences_that_ask() -> None:
    d = discourse()
    doc = d.doc("We looked at it. Why is it so high? Send it over. can we get a discount")
    assert d.questions(doc) == ["Why is it so high?", "can we get a discount"]


def test_the_stance_feature_uses_the_same_detector() -> None:
    pipeline = spacy.blank("en")
    pipeline.add_pipe("sentencizer")
    stance = StanceMatcher(pipeline.vocab, pipeline.make_doc)
    column = STANCE_FEATURES.index("question")
    d = discourse()
    for text in ASKING + TELLING + ["Fine. But why is it so high?"]:
        expected = bool(d.questions(d.doc(text)))
        assert stance(pipeline(text))[column] == np.float32(expected), text
        assert stance(pipeline.make_doc(text))[column] == np.float32(asks(d.doc(text)[:])), text


COURTEOUS = [
    "Thanks.",
    "Great, thank you so much!",
    "Sounds good.",
    "Thanks for the clear walkthrough.",
    "Sorry it didn't work out.",
    "Perfect, have a great weekend.",
]
NOT_ONLY_COURTEOUS = [
    "Thanks, but we are cancelling.",
    "Otherwise the product works well for us.",
    "Great work, really happy with the partnership and the new summary emails.",
    "Okay, that would help.",
    "We won't renew.",
]


def test_courtesies() -> None:
    from nlp.discourse import is_courtesy

    d = discourse()
    assert [is_courtesy(d.doc(t)[:]) for t in COURTEOUS] == [True] * len(COURTEOUS)
    assert [is_courtesy(d.doc(t)[:]) for t in NOT_ONLY_COURTEOUS] == [False] * len(
        NOT_ONLY_COURTEOUS
    )
    assert d.only_courtesy(d.doc("Thanks. Sorry it didn't work out."))
    assert not d.only_courtesy(d.doc("Thanks. Otherwise the product works well for us."))
