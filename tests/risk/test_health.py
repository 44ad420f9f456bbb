from datetime import timedelta

import pytest

from risk.config import load_config
from risk.health import health, replay
from risk.signals import derive_signals
from tests.helpers import known
from tests.risk.histories import AS_OF, call, history, logins, steady, tag

CONFIG = load_config()


def kinds(h):
    return [s.kind for s in derive_signals(h, AS_OF, CONFIG)]


def test_constructed_customers_rank_as_expected():
    churning = history(
        "churning",
        [
            call(40),
            call(20),
            call(
                3,
                tag("cancellation_intent", "We won't renew the contract."),
                tag("export_data_intent", "Export all our data."),
            ),
            call(5, tag("cancellation_intent", "Please cancel our plan."), kind="ticket"),
        ],
        logins(6, 1),
    )
    wobbling = history(
        "wobbling",
        [
            call(60),
            call(30),
            call(
                10,
                tag("price_objection", "The price is too high."),
                sentiments=("negative", "neutral"),
            ),
        ],
        logins(5, 5),
    )
    scores = {
        h.customer_id: known(health(h, AS_OF, CONFIG).score) for h in (churning, wobbling, steady())
    }
    assert scores["churning"] < scores["wobbling"] < scores["steady"] == 100.0
    assert (
        health(churning, AS_OF, CONFIG).band == "red"
        and health(steady(), AS_OF, CONFIG).band == "green"
    )


def test_tag_signals_cite_the_words_and_the_time():
    h = history(
        "acme",
        [
            call(
                3,
                tag("competitor_mention", "Gong quoted us less.", entity="Gong"),
                tag("price_objection", "Cheaper elsewhere: Gong quoted us less."),
                title="Renewal",
            )
        ],
    )
    signal = next(s for s in derive_signals(h, AS_OF, CONFIG) if s.kind == "competitor_mention")
    assert known(signal.interaction_id).startswith("int_call")
    assert signal.explanation == (
        'Competitor mentioned (Gong) in call "Renewal" on 2026-10-28, at 00:12: "Gong", '
        'alongside price objection ("Cheaper") (the customer said: "Gong quoted us less.")'
    )


def test_rep_tags_low_scores_and_polite_billing_questions_are_not_signals():
    h = history(
        "acme",
        [
            call(
                3,
                tag("cancellation_intent", role="rep"),
                tag("price_objection", score=0.2),
                tag("billing_question", "Can I get a copy of the invoice?", sentiment="neutral"),
            )
        ],
    )
    assert kinds(h) == []
    complaint = history(
        "acme", [call(3, tag("billing_question", "You charged us twice!", sentiment="negative"))]
    )
    assert kinds(complaint) == ["billing_question"]


def test_silence_and_contact_drop():
    # v2: no_contact needs 90 days of silence (it was 30) and, once it fires, covers the contact drop;
    # a contact drop needs a baseline of 9 interactions (3 a month: a sparse one's quiet month is chance)
    weekly = (120, 110, 100, 90, 80, 70, 60, 50, 40, 35)
    dropping = history("quiet", [call(d) for d in weekly], logins(3, 3))
    assert kinds(dropping) == ["contact_drop"]
    silent = history("quiet", [call(d) for d in (140, 130, 120, 110, 100, 95)], logins(3, 3))
    assert kinds(silent) == ["no_contact"]
    (signal,) = derive_signals(silent, AS_OF, CONFIG)
    assert signal.occurred_at == AS_OF and signal.explanation.startswith(
        "No call or ticket for 95 days (the last: call on 2026-07-28)"
    )


def test_negative_sentiment_trend_and_ticket_rise():
    h = history(
        "grumpy",
        [call(d, kind="ticket", sentiments=("negative",), title=f"T{d}") for d in (2, 9, 16)]
        + [call(1, sentiments=("negative", "neutral"))],
    )
    assert set(kinds(h)) >= {"negative_sentiment", "ticket_rise"}
    rise = next(s for s in derive_signals(h, AS_OF, CONFIG) if s.kind == "ticket_rise")
    assert (
        rise.explanation
        == "3 complaint tickets in the last 30 days against none in the 90 days before"
    )


def test_usage_drop_against_its_own_baseline():
    h = history("fading", [call(5)], logins(8, 2))
    (signal,) = [s for s in derive_signals(h, AS_OF, CONFIG) if s.kind.startswith("usage_drop")]
    assert (
        signal.kind == "usage_drop:login"
        and "fell to 14.0 a week" in signal.explanation
        and "(-75%)" in signal.explanation
    )
    assert kinds(history("small", [call(5)], logins(8, 6))) == []  # -25% is within the normal range


def test_decay_halves_a_signal_every_half_life_and_the_horizon_ends_it():
    def points(days_ago):
        h = history("acme", [call(days_ago, tag("price_objection"))])
        return health(h, AS_OF, CONFIG).breakdown.get("price_objection", 0)

    weight = CONFIG.tags["price_objection"].weight
    assert points(0) == pytest.approx(weight, abs=0.1)
    assert points(30) == pytest.approx(weight / 2, abs=0.1)
    assert points(60) == pytest.approx(weight / 4, abs=0.1)
    assert points(CONFIG.horizon_days + 1) == 0


def test_repeats_of_a_kind_have_diminishing_returns():
    one = history("a", [call(1, tag("price_objection"))])
    three = history("a", [call(d, tag("price_objection")) for d in (0, 0.0001, 0.0002)])
    w = CONFIG.tags["price_objection"].weight
    assert 100 - known(health(three, AS_OF, CONFIG).score) == pytest.approx(
        w * (1 + 0.5 + 0.25), abs=0.05
    )
    assert health(three, AS_OF, CONFIG).points == pytest.approx([w, w / 2, w / 4], abs=0.01)
    assert health(one, AS_OF, CONFIG).points == [pytest.approx(w * 0.5 ** (1 / 30), abs=0.01)]


def test_nothing_after_as_of_is_used_and_replay_shows_the_fall():
    h = history(
        "acme",
        [
            call(40),
            call(25),
            call(12),
            call(2, tag("cancellation_intent"), tag("export_data_intent", "Export it all.")),
        ],
        logins(5, 5),
    )
    before = health(h, AS_OF - timedelta(days=3), CONFIG)
    assert before.score == 100.0 and before.signals == []
    moves = replay(h, AS_OF - timedelta(days=21), AS_OF, CONFIG)
    assert [p.as_of for p in moves][-1] == AS_OF and len(moves) == 4
    # a written cancellation intent is red on its own (risk.yaml: no steady customer wrote one)
    assert [p.band for p in moves] == ["green", "green", "green", "red"]
