"""A conversation tag weighed by what was said with it (risk.yaml ``alone_weight`` / ``stronger_with``)."""

import re

import pytest

from models.errors import ConfigError
from risk.config import DEFAULT_CONFIG, TagRule, load_config
from risk.health import health
from risk.history import TagFact
from risk.signals import derive_signals
from tests.risk.histories import AS_OF, call, full, team

CONFIG = load_config()
RULE = CONFIG.tags["competitor_mention"]


def said(label: str, text: str, index: int, sentiment: str = "negative") -> TagFact:
    entity = "Gong" if label == "competitor_mention" else None
    return TagFact(label, 0.95, text.split()[0], entity, index, None, text, "customer", sentiment)


def competitor(*tags: TagFact):
    (signal,) = [
        s
        for s in derive_signals(full("x", [call(5, *tags, title="Renewal")], team()), AS_OF, CONFIG)
        if s.kind == "competitor_mention"
    ]
    return signal


def test_a_competitor_named_in_passing_weighs_little_and_says_so():
    signal = competitor(
        said("competitor_mention", "We looked at Gong last year, happy here.", 0, "positive")
    )
    assert RULE.alone_weight is not None and signal.weight == RULE.alone_weight < RULE.weight
    assert "in passing (said with no price objection" in signal.explanation
    assert '"We looked at Gong last year, happy here."' in signal.explanation


def test_a_competitor_named_with_a_price_objection_in_the_same_breath_weighs_in_full():
    offer = "Gong quoted us half of what we pay you."
    signal = competitor(said("competitor_mention", offer, 0), said("price_objection", offer, 0))
    assert signal.weight == RULE.weight
    assert 'alongside price objection ("Gong")' in signal.explanation


def test_an_objection_in_another_utterance_is_not_the_same_breath():
    signal = competitor(
        said("competitor_mention", "We trialled Gong last year and it didn't stick.", 0),
        said("price_objection", "Budget is tight this year.", 3),
    )
    assert signal.weight == RULE.alone_weight


def test_the_strongest_reading_of_a_label_in_one_conversation_counts_once():
    signal = competitor(
        said("competitor_mention", "We used Gong before.", 0, "neutral"),
        said("competitor_mention", "Gong offered a lower price.", 2),
        said("price_objection", "Gong offered a lower price.", 2),
    )
    assert signal.weight == RULE.weight and "lower price" in signal.explanation


def test_one_passing_mention_never_turns_a_steady_customer_red_but_an_offer_with_intent_does():
    passing = full(
        "p", [call(3, said("competitor_mention", "We looked at Gong.", 0, "positive"))], team()
    )
    assert health(passing, AS_OF, CONFIG).band == "green"
    leaving = "We are moving to Gong when the contract ends."
    moving = full(
        "m",
        [call(3, said("competitor_mention", leaving, 0), said("cancellation_intent", leaving, 0))],
        team(),
    )
    assert health(moving, AS_OF, CONFIG).band == "red"


def test_alone_weight_and_stronger_with_go_together():
    with pytest.raises(ValueError, match="go together"):
        TagRule(weight=30, alone_weight=5)
    with pytest.raises(ValueError, match="go together"):
        TagRule(weight=30, stronger_with=["price_objection"])
    assert TagRule(weight=30).alone_weight is None


def test_a_bad_context_in_risk_yaml_names_the_field(tmp_path):
    source = tmp_path / "risk.yaml"
    source.write_text(
        re.sub(r"alone_weight: [\d.]+,", "alone_weight: -1,", DEFAULT_CONFIG.read_text()),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="competitor_mention.alone_weight"):
        load_config(source)
