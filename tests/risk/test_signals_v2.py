"""Risk v2 signals: a constructed history for each, with the ranking of customers it must give."""

from datetime import timedelta

import pytest

from models.accounts import Contact
from risk.config import load_config
from risk.health import at_risk, health
from risk.history import UsageFact
from risk.signals import derive_signals
from tests.risk.histories import (
    AS_OF,
    account,
    ago,
    call,
    daily,
    full,
    history,
    invoice,
    logins,
    purchase,
    seats,
    survey,
    tag,
    team,
    visit,
)

CONFIG = load_config()
CALLS = [call(d, sentiments=("positive",)) for d in (10, 30, 50, 70)]


def score(h, moment=AS_OF):
    return health(h, moment, CONFIG).score


def ranked(*histories):
    """Customer ids from the healthiest to the riskiest (by score; ties by raw risk)."""
    rated = [(h.customer_id, health(h, AS_OF, CONFIG)) for h in histories]
    return [c for c, _ in sorted(rated, key=lambda p: (-(p[1].score or 0), p[1].raw_risk))]


def signals_of(h, kind, moment=AS_OF):
    return [s for s in derive_signals(h, moment, CONFIG) if s.kind == kind]


def test_no_data_is_unknown_not_100():
    result = health(history("nobody"), AS_OF, CONFIG)
    assert (result.score, result.band, result.breakdown) == (None, "unknown", {})


def test_silence_grows_while_it_lasts_and_is_dated_now():
    quiet = {d: full(f"quiet{d}", CALLS, team(120, d)) for d in (0, 35, 60, 100)}
    assert ranked(*quiet.values()) == ["quiet0", "quiet35", "quiet60", "quiet100"]
    (login,) = signals_of(quiet[60], "no_login")
    assert login.occurred_at == AS_OF and login.explanation.startswith(
        "No login for 60 days (the last on 2026-09-01)"
    )
    # never decays: the same silence a month later costs at least as much
    later = [
        health(quiet[35], AS_OF + timedelta(days=d), CONFIG).breakdown["no_login"]
        for d in (0, 30, 300)
    ]
    assert later == sorted(later) and later[0] == pytest.approx(27.5)


def test_a_customer_who_never_had_a_call_is_silent_from_the_account_start():
    never = full("never", [], team(), account=account("never", start_date=ago(200).date()))
    (signal,) = signals_of(never, "no_contact")
    assert "never one since the account started on 2026-04-14" in signal.explanation
    new = full("new", [], team(), account=account("new", start_date=ago(20).date()))
    assert signals_of(new, "no_contact") == []


def test_usage_drop_keeps_firing_once_the_baseline_window_is_empty():
    gone = full("gone", CALLS, team(300, 150))  # nothing for 150 days: the 56-day baseline is empty
    (drop,) = signals_of(gone, "usage_drop:login")
    assert (
        drop.weight == CONFIG.usage.kinds["login"]
        and "its last active period" in drop.explanation
        and "(-100%)" in drop.explanation
    )


def test_key_person_inactive_ranks_a_decision_maker_above_a_user():
    contacts = [
        Contact(customer_id="x", user="u1", role="decision_maker", name="Ann"),
        Contact(customer_id="x", user="u2", role="user"),
    ]
    usage = [e for e in team(users=("u1", "u2", "u3", "u4", "u5"))]

    def quiet(user):
        return [e for e in usage if not (e.properties.get("user") == user and e.at > ago(20))]

    dm = full("dm", CALLS, quiet("u1"), contacts=contacts)
    user = full("user", CALLS, quiet("u2"), contacts=contacts)
    everyone = full("everyone", CALLS, usage, contacts=contacts)
    assert ranked(everyone, user, dm) == ["everyone", "user", "dm"]
    (signal,) = signals_of(dm, "key_person_inactive:decision_maker")
    assert signal.explanation.startswith(
        "The decision-maker Ann (u1) has not logged in for 20 days (last seen 2026-10-11); seen on "
    )
    assert "a gap this long by chance: 0.00%" in signal.explanation
    # properties.role on the events names a key person too
    by_role = [
        UsageFact(e.kind, e.at, {**e.properties, "role": "admin"})
        if e.properties.get("user") == "u3"
        else e
        for e in quiet("u3")
    ]
    assert [s.kind for s in signals_of(full("r", CALLS, by_role), "key_person_inactive:admin")] == [
        "key_person_inactive:admin"
    ]


def test_two_key_people_gone_quiet_are_two_pieces_of_evidence():
    contacts = [
        Contact(customer_id="x", user="u1", role="decision_maker", name="Ann"),
        Contact(customer_id="x", user="u2", role="admin", name="Bob"),
    ]
    usage = team(users=("u1", "u2", "u3", "u4", "u5"))

    def quiet(*users):
        return [e for e in usage if not (e.properties.get("user") in users and e.at > ago(20))]

    both = health(full("both", CALLS, quiet("u1", "u2"), contacts=contacts), AS_OF, CONFIG)
    weights = CONFIG.key_people.roles
    assert both.breakdown["key_person_inactive:decision_maker"] == weights["decision_maker"]
    assert both.breakdown["key_person_inactive:admin"] == weights["admin"]  # in full, not halved


def test_core_feature_abandoned_while_logins_hold():
    usage = team()
    dropped = [
        e for e in usage if not (e.properties.get("feature") == "dashboards" and e.at > ago(28))
    ]
    everything_fell = [e for e in usage if e.at < ago(28)]
    (signal,) = signals_of(full("a", CALLS, dropped), "core_feature_abandoned")
    assert "Core feature 'dashboards' fell to 0.0 uses a week" in signal.explanation
    assert (
        signals_of(full("b", CALLS, everything_fell), "core_feature_abandoned") == []
    )  # usage_drop covers it
    assert ranked(full("steady", CALLS, usage), full("dropped", CALLS, dropped)) == [
        "steady",
        "dropped",
    ]


def test_pricing_and_cancel_page_visits():
    usage = list(team())
    none = full("none", CALLS, usage + [visit(3, "/dashboard")])
    pricing = full("pricing", CALLS, usage + [visit(3, "/pricing")])
    cancel = full("cancel", CALLS, usage + [visit(3, "/account/cancel"), visit(2, "/pricing")])
    old = full("old", CALLS, usage + [visit(45, "/account/cancel")])
    assert ranked(none, old, pricing, cancel) == ["none", "old", "pricing", "cancel"]
    assert (
        health(pricing, AS_OF, CONFIG).breakdown["page_visits"] == 5
    )  # one visit: half credit of 10


@pytest.mark.parametrize(("per_day", "credit_lost"), [(1, 0), (0.5, 0), (0.2, 10), (1 / 30, 20)])
def test_absolute_engagement_tiers(per_day, credit_lost):
    # logins per active user a week: more than 2 full credit, 0.5 or more half, under 0.5 none (the seed's
    # 5 and 2 counted sessions of an all-day tool; a call-review tool is opened a few times a week)
    every = round(1 / per_day)
    usage = [e for i, e in enumerate(daily("login", 1, 90, user="u1")) if i % every == 0]
    result = health(full("c", CALLS, usage), AS_OF, CONFIG)
    assert result.breakdown.get("login_frequency", 0) == credit_lost


def test_nps_detractor_falling_nps_and_promoters():
    base = dict(interactions=CALLS, usage=team())
    promoter = full("promoter", surveys=[survey("x", "nps", 10, 5)], **base)
    passive = full("passive", surveys=[survey("x", "nps", 8, 5)], **base)
    falling = full(
        "falling", surveys=[survey("x", "nps", 10, 90), survey("x", "nps", 7, 5)], **base
    )
    detractor = full("detractor", surveys=[survey("x", "nps", 3, 5)], **base)
    assert ranked(detractor, falling, passive) == ["passive", "falling", "detractor"]
    objecting = [call(2, tag("product_issue", "It keeps crashing."))]
    with_promoter = full("p", objecting, team(), surveys=[survey("x", "nps", 10, 5)])
    assert score(with_promoter) > score(full("q", objecting, team()))
    assert health(promoter, AS_OF, CONFIG).breakdown["promoter_nps"] < 0


def test_falling_csat():
    base = dict(interactions=CALLS, usage=team())
    fine = full("fine", surveys=[survey("x", "csat", 5, 60), survey("x", "csat", 5, 5)], **base)
    falling = full(
        "falling", surveys=[survey("x", "csat", 5, 60), survey("x", "csat", 3, 5)], **base
    )
    assert ranked(falling, fine) == ["fine", "falling"]
    assert signals_of(falling, "csat_falling")[0].explanation.startswith("CSAT fell from 5")


def test_late_and_failed_payments():
    paid = [invoice("x", n, 30 * n, 30 * n - 1) for n in range(1, 4)]
    base = dict(interactions=CALLS, usage=team())
    on_time = full("on_time", invoices=paid, **base)
    late = full("late", invoices=[*paid, invoice("x", 9, 20, 5)], **base)
    overdue = full("overdue", invoices=[*paid, invoice("x", 9, 20, None)], **base)
    failed = full("failed", invoices=[*paid, invoice("x", 9, 20, None, failed=3)], **base)
    assert ranked(failed, overdue, late, on_time) == ["on_time", "late", "overdue", "failed"]
    (signal,) = signals_of(failed, "payment_failed")
    assert (
        signal.explanation
        == "3 failed payment attempt(s) on invoice INV-9 (1,000.00 USD, due 2026-10-11)"
    )


def test_seat_reductions_and_purchases_becoming_rarer():
    base = dict(interactions=CALLS, usage=team())
    upgrade = full("upgrade", commercial=[seats("x", 10, 12, 5)], **base)
    small = full("small", commercial=[seats("x", 100, 97, 5)], **base)
    halved = full("halved", commercial=[seats("x", 20, 10, 5)], **base)
    assert ranked(halved, small, upgrade) == ["upgrade", "small", "halved"]
    regular = [purchase("x", d) for d in (700, 520, 340, 160)]
    slowing = [
        purchase("x", d) for d in (900, 720, 540, 400)
    ]  # 400 days since the last, every 180 before
    assert signals_of(full("r", commercial=regular, **base), "purchase_slowdown") == []
    (signal,) = signals_of(full("s", commercial=slowing, **base), "purchase_slowdown")
    assert (
        "400 days since the last" in signal.explanation and "usual 180 days" in signal.explanation
    )


def test_ticket_topic_shift_from_how_to_to_leaving():
    def ticket(days, title, *tags):
        return call(days, *tags, kind="ticket", title=title)

    howto = [ticket(d, "How do I set up the forecast?") for d in (150, 120, 90)]
    leaving = [
        ticket(30, "Question about the notice period"),
        ticket(
            10,
            "Export",
            tag("export_data_intent", "We need a full export of our calls.", sentiment="neutral"),
        ),
    ]
    shifted = full("shifted", [*CALLS, *howto, *leaving], team())
    steady = full("steady", [*CALLS, *howto, ticket(20, "How to configure alerts?")], team())
    assert [s.kind for s in signals_of(shifted, "topic_shift")] == ["topic_shift"]
    assert signals_of(steady, "topic_shift") == []
    assert ranked(shifted, steady) == ["steady", "shifted"]


def test_cancel_requested_is_red_and_churned_customers_leave_the_at_risk_list():
    asked = account(
        "asked", status="cancel_requested", status_at=ago(100), status_reason="Moving to Gong"
    )
    requested = full("asked", CALLS, team(), account=asked)
    result = health(requested, AS_OF + timedelta(days=400), CONFIG)
    assert result.band == "red" and "Moving to Gong" in result.signals[0].explanation
    before = health(requested, ago(101), CONFIG)
    assert before.band != "red" and "cancel_requested" not in before.breakdown  # not yet asked then
    gone = full("gone", CALLS, team(), account=account("gone", status="churned", status_at=ago(10)))
    assert health(gone, AS_OF, CONFIG).churned
    rated = [(h, health(h, AS_OF, CONFIG)) for h in (requested, gone, full("fine", CALLS, team()))]
    assert [h.customer_id for h, _ in at_risk(rated)] == ["asked", "fine"]


def test_at_risk_order_is_band_then_arr_then_raw_risk():
    def red(customer, arr, failed):
        usage = team(120, 40)  # silent for 40 days: red
        return full(
            customer,
            CALLS,
            usage,
            account=account(customer, arr=arr),
            invoices=[invoice(customer, 1, 20, None, failed=failed)],
        )

    small, big, worse = red("small", 1000, 1), red("big", 90000, 1), red("worse", 1000, 4)
    green = full("green", CALLS, team(), account=account("green", arr=1e6))
    rated = [(h, health(h, AS_OF, CONFIG)) for h in (green, small, worse, big)]
    assert all(r.score == 0 for h, r in rated if h.customer_id != "green")
    assert [h.customer_id for h, _ in at_risk(rated)] == ["big", "worse", "small", "green"]


def test_expansion_interest_gives_points_back():
    objecting = call(2, tag("product_issue", "It keeps crashing."))
    plain = full("plain", [*CALLS, objecting], team())
    keen = full(
        "keen",
        [
            *CALLS,
            objecting,
            call(1, tag("expansion_interest", "We want 20 more seats.", sentiment="positive")),
        ],
        team(),
    )
    assert score(keen) > score(plain)
    assert health(keen, AS_OF, CONFIG).breakdown["expansion_interest"] < 0


def test_two_warning_signs_go_red_and_a_seasonal_dip_or_a_quiet_customer_does_not():
    contacts = [Contact(customer_id="x", user="u1", role="decision_maker")]
    usage = team()
    dip = [
        e for e in usage if e.at < ago(21) or (e.kind == "login" and e.at.hour == 23)
    ]  # half the logins
    quiet = [e for i, e in enumerate(daily("login", 1, 120, user="u1")) if i % 3 == 0]
    quiet += [
        e
        for i, e in enumerate(daily("feature_used", 1, 120, user="u1", feature="call_library"))
        if i % 3 == 0
    ]
    detractor = [survey("x", "nps", 3, 10)]
    warnings = {
        # two invoices failing and unpaid (one failed attempt on its own is a light sign: steady customers
        # have them too)
        "detractor+failed": full(
            "a",
            CALLS,
            usage,
            surveys=detractor,
            invoices=[invoice("x", 1, 40, None, 2), invoice("x", 2, 10, None, 2)],
        ),
        "detractor+downgrade": full(
            "b", CALLS, usage, surveys=detractor, commercial=[seats("x", 20, 15, 20)]
        ),
        "dm quiet+detractor": full(
            "c",
            CALLS,
            [e for e in usage if e.at < ago(20)] + list(daily("login", 1, 20, user="u2")),
            contacts=contacts,
            surveys=detractor,
        ),
    }
    for name, h in warnings.items():
        assert health(h, AS_OF, CONFIG).band == "red", name
    # a decision-maker going quiet while logins fall is one family of evidence (usage) seen twice: a warning
    # (yellow), not two (a seasonal dip does both at once)
    one_family = full(
        "d",
        CALLS,
        [e for e in usage if e.at < ago(20)] + list(daily("login", 1, 20, user="u2")),
        contacts=contacts,
    )
    assert health(one_family, AS_OF, CONFIG).band == "yellow"
    for h in (full("dip", CALLS, dip), full("quiet", CALLS[::2], quiet)):
        assert health(h, AS_OF, CONFIG).band != "red", h.customer_id


def test_every_signal_explains_itself():
    h = full(
        "all",
        [*CALLS, call(3, tag("cancellation_intent"))],
        [*team(120, 35), visit(3, "/cancel")],
        account=account("all", start_date=ago(800).date()),
        invoices=[invoice("all", 1, 10, None, 2)],
        surveys=[survey("all", "nps", 2, 4)],
        commercial=[seats("all", 10, 5, 6)],
        contacts=[Contact(customer_id="all", user="u1", role="admin")],
    )
    result = health(h, AS_OF, CONFIG)
    assert len(result.breakdown) >= 10
    assert all(
        s.explanation and any(ch.isdigit() or ch == '"' for ch in s.explanation)
        for s in result.signals
    )


def test_nothing_after_as_of_is_read():
    h = full(
        "later",
        CALLS,
        [*logins(3, 3)],
        invoices=[invoice("later", 1, -10, None, 3)],  # due in 10 days
        surveys=[survey("later", "nps", 0, -5)],
        commercial=[seats("later", 10, 1, -5)],
    )
    assert [s.kind for s in derive_signals(h, AS_OF, CONFIG)] == []


@pytest.mark.parametrize(
    ("tried", "lost"), [(("ai_coach", "deal_rooms"), 0), (("ai_coach",), 7.5), ((), 15)]
)
def test_new_feature_adoption_once_new_features_are_listed(tried, lost):
    config = CONFIG.model_copy(update={"new_features": ["ai_coach", "deal_rooms"]})
    usage = [
        *team(),
        *(e for f in tried for e in daily("feature_used", 1, 30, user="u1", feature=f)),
    ]
    result = health(full("c", CALLS, usage), AS_OF, config)
    assert result.breakdown.get("feature_adoption", 0) == lost
    assert (
        "feature_adoption" not in health(full("c", CALLS, usage), AS_OF, CONFIG).breakdown
    )  # none listed


def test_core_feature_depth_needs_the_configured_features():
    usage = [
        *daily("login", 3, 90, user="u1"),
        *daily("feature_used", 1, 90, user="u1", feature="other_product"),
    ]
    assert "core_feature_depth" not in health(full("c", CALLS, usage), AS_OF, CONFIG).breakdown
    one = [*usage, *daily("feature_used", 1, 90, user="u1", feature="dashboards")]
    assert (
        health(full("c", CALLS, one), AS_OF, CONFIG).breakdown["core_feature_depth"] == 15
    )  # 1 of 3: half credit


def test_a_weekly_key_person_is_judged_against_their_own_cadence():
    contacts = [Contact(customer_id="x", user="boss", role="decision_maker")]

    def weekly(quiet_days, weeks=20):
        visits = [
            UsageFact("login", ago(quiet_days + 7 * n), {"user": "boss"}) for n in range(weeks)
        ]
        return full("x", CALLS, [*team(), *visits], contacts=contacts)

    # a weekly visitor's gaps vary, and a month away now and then is chance (at their rate of 20 visits
    # in 133 days, 40 days away happens about 1% of the time); three months away is not their rhythm
    assert signals_of(weekly(40), "key_person_inactive:decision_maker") == []
    (signal,) = signals_of(weekly(90), "key_person_inactive:decision_maker")
    assert "has not logged in for 90 days" in signal.explanation
    assert "seen on 20 days in the 133 before" in signal.explanation
    # a decision-maker seen four times in half a year is never "inactive": their long gaps are their rhythm
    assert signals_of(weekly(150, weeks=4), "key_person_inactive:decision_maker") == []


def test_a_dip_costs_little_and_a_collapse_the_full_weight():
    def drop_points(recent_per_day):
        h = history("c", [call(5)], logins(10, recent_per_day))
        return sum(s.weight for s in signals_of(h, "usage_drop:login"))

    full_weight = CONFIG.usage.kinds["login"]
    assert drop_points(10) == 0 and drop_points(5) < full_weight / 5
    assert drop_points(0) == full_weight


def test_a_seat_or_two_trimmed_costs_little_and_half_the_seats_the_full_weight():
    rule = CONFIG.seats

    def points(before, after):
        (signal,) = signals_of(
            full("s", CALLS, team(), commercial=[seats("x", before, after, 5)]), "seat_reduction"
        )
        return signal.weight

    assert points(20, 10) == rule.weight
    trimmed = points(10, 9)
    assert trimmed == round(rule.weight * (0.1 / rule.full_share) ** rule.exponent, 2)
    assert trimmed < rule.weight * 0.1 / rule.full_share  # less than in proportion
