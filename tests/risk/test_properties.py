"""Property tests: the score stays in range and moves the obvious way."""

from dataclasses import replace
from datetime import timedelta

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from models.records import TAG_LABELS
from risk.config import load_config
from risk.health import health
from risk.history import CustomerHistory, UsageFact
from tests.helpers import known
from tests.risk.histories import AS_OF, call, history, logins, tag

CONFIG = load_config()
LABELS = sorted(TAG_LABELS)
POSITIVE = sorted(CONFIG.positive.tags)


def _score(h: CustomerHistory) -> float:
    """The health score of a history with data (None only for a customer with none)."""
    return known(health(h, AS_OF, CONFIG).score)


# expansion interest gives points back
RISKS = sorted(set(TAG_LABELS) - set(POSITIVE))

tags = st.builds(
    tag,
    label=st.sampled_from(LABELS),
    score=st.floats(0, 1),
    sentiment=st.sampled_from(["positive", "neutral", "negative"]),
)
interactions = st.builds(
    call,
    days_ago=st.floats(0, 200),
    kind=st.sampled_from(["call", "ticket"]),
    sentiments=st.lists(st.sampled_from(["positive", "neutral", "negative"]), max_size=4).map(
        tuple
    ),
).flatmap(lambda facts: st.lists(tags, max_size=3).map(lambda ts: replace(facts, tags=tuple(ts))))
histories = st.builds(
    history,
    customer=st.just("c"),
    interactions=st.lists(interactions, max_size=8),
    usage=st.builds(logins, st.integers(0, 8), st.integers(0, 8)),
)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(histories)
def test_score_stays_between_0_and_100_and_matches_its_breakdown(h):
    # v2: a customer with no data is unknown (no score); positive signals can give points back
    result = health(h, AS_OF, CONFIG)
    if result.score is None:
        assert result.band == "unknown" and not h.interactions and not h.usage
        return
    assert 0 <= result.score <= 100
    assert abs(result.score - min(100.0, max(0.0, 100 - sum(result.points)))) <= 0.1
    assert result.band == (
        "green" if result.score >= 70 else "yellow" if result.score >= 40 else "red"
    )


@SETTINGS
@given(histories, st.sampled_from(RISKS), st.data())
def test_one_more_risk_tag_never_raises_the_score(h, label, data):
    # onto an interaction that exists: a new interaction would also be new contact, which rightly helps
    assume(h.interactions)
    index = data.draw(st.integers(0, len(h.interactions) - 1))
    facts = h.interactions[index]
    tagged = replace(facts, tags=(*facts.tags, tag(label, sentiment="negative")))
    worse = history("c", [*h.interactions[:index], tagged, *h.interactions[index + 1 :]], h.usage)
    assert _score(worse) <= _score(h)


@SETTINGS
@given(histories, st.sampled_from(POSITIVE), st.data())
def test_one_more_positive_tag_never_lowers_the_score(h, label, data):
    assume(h.interactions)
    index = data.draw(st.integers(0, len(h.interactions) - 1))
    facts = h.interactions[index]
    tagged = replace(facts, tags=(*facts.tags, tag(label, sentiment="positive")))
    better = history("c", [*h.interactions[:index], tagged, *h.interactions[index + 1 :]], h.usage)
    before = health(h, AS_OF, CONFIG).score
    assert before is None or _score(better) >= before


@SETTINGS
@given(st.sampled_from(RISKS), st.floats(0, 170), st.floats(0, 10))
def test_an_older_signal_costs_no_more_than_a_newer_one(label, days_ago, older_by):
    contact = [call(d) for d in (1, 15, 29)]  # keep the contact signals out of it
    newer = history("c", [*contact, call(days_ago, tag(label))], logins(4, 4))
    older = history("c", [*contact, call(days_ago + older_by, tag(label))], logins(4, 4))
    assert _score(older) >= _score(newer)


@SETTINGS
@given(histories, st.integers(1, 10))
def test_more_recent_usage_never_lowers_the_score(h, extra):
    more = history(
        "c",
        h.interactions,
        tuple(
            sorted(
                [
                    *h.usage,
                    *(UsageFact("login", AS_OF - timedelta(hours=n + 1)) for n in range(extra)),
                ],
                key=lambda e: e.at,
            )
        ),
    )
    before = health(h, AS_OF, CONFIG).score
    assume(before is not None)  # v2: no data at all is unknown, not 100
    assert before is not None and _score(more) >= before
