"""Property tests of risk v2: silence, cancel requests and failed payments move health the obvious way, and
the score is 0-100 or unknown whatever the account data."""

from dataclasses import replace
from datetime import timedelta

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from models.accounts import Contact
from risk.config import load_config
from risk.health import health
from risk.history import UsageFact
from tests.risk.histories import (
    AS_OF,
    account,
    call,
    full,
    invoice,
    purchase,
    seats,
    survey,
    tag,
)

CONFIG = load_config()
SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEATURES = ["call_library", "dashboards", "summaries", "ai_summary", "other"]


@st.composite
def steady_activity(draw):
    """Activity that held steady for ``span`` days and stopped ``0`` days before AS_OF: logins by named users,
    feature use, friendly calls and tickets, invoices paid on time, perhaps a decision-maker among the users."""
    span = draw(st.integers(30, 150))
    users = [f"u{n}" for n in range(draw(st.integers(1, 3)))]
    every = draw(st.integers(1, 4))  # a login every this many days per user
    features = draw(st.lists(st.sampled_from(FEATURES), max_size=4, unique=True))
    usage = [
        UsageFact("login", AS_OF - timedelta(days=d, hours=1), {"user": u})
        for u in users
        for d in range(0, span, every)
    ]
    usage += [
        UsageFact(
            "feature_used", AS_OF - timedelta(days=d, hours=2), {"user": users[0], "feature": f}
        )
        for f in features
        for d in range(0, span, every)
    ]
    gap = draw(st.integers(5, 40))
    calls = [
        call(d, kind=draw(st.sampled_from(["call", "ticket"])), sentiments=("neutral", "positive"))
        for d in range(0, span, gap)
    ]
    invoices = [invoice("c", n, d, d - 1) for n, d in enumerate(range(5, span, 30))]
    contacts = (
        [Contact(customer_id="c", user="u0", role="decision_maker")] if draw(st.booleans()) else []
    )
    return full("c", calls, usage, invoices=invoices, contacts=contacts)


@SETTINGS
@given(steady_activity(), st.floats(0, 300), st.floats(0, 200))
def test_longer_silence_never_raises_health(h, silence, longer_by):
    shorter = health(h, AS_OF + timedelta(days=silence), CONFIG).score
    longer = health(h, AS_OF + timedelta(days=silence + longer_by), CONFIG).score
    assert shorter is not None and longer is not None
    assert longer <= shorter


@st.composite
def account_data(draw):
    """Random account data around a few interactions and logins."""
    invoices = [
        invoice(
            "c",
            n,
            draw(st.floats(-20, 200)),
            draw(st.one_of(st.none(), st.floats(-30, 200))),
            draw(st.integers(0, 4)),
        )
        for n in range(draw(st.integers(0, 4)))
    ]
    surveys = [
        survey(
            "c",
            "nps",
            draw(st.integers(0, 10)),
            draw(st.floats(0, 200)),
            draw(st.sampled_from(["a", "b", None])),
        )
        for _ in range(draw(st.integers(0, 3)))
    ] + [
        survey("c", "csat", draw(st.integers(1, 5)), draw(st.floats(0, 200)))
        for _ in range(draw(st.integers(0, 2)))
    ]
    commercial = [
        seats("c", draw(st.integers(1, 50)), draw(st.integers(0, 50)), draw(st.floats(0, 200)))
        for _ in range(draw(st.integers(0, 2)))
    ] + [purchase("c", draw(st.floats(0, 700))) for _ in range(draw(st.integers(0, 4)))]
    status = draw(st.sampled_from(["active", "cancel_requested", "churned"]))
    acct = draw(
        st.one_of(
            st.none(),
            st.builds(
                lambda start, arr, at: account(
                    "c",
                    start_date=(AS_OF - timedelta(days=start)).date(),
                    arr=arr,
                    status=status,
                    status_at=AS_OF - timedelta(days=at),
                ),
                st.integers(0, 900),
                st.floats(0, 1e6),
                st.floats(-30, 100),
            ),
        )
    )
    calls = [call(d, tag("price_objection")) for d in draw(st.lists(st.floats(0, 200), max_size=3))]
    logins = [
        UsageFact("login", AS_OF - timedelta(days=d), {"user": "u0"})
        for d in draw(st.lists(st.floats(0, 120), max_size=30))
    ]
    return full(
        "c", calls, logins, account=acct, invoices=invoices, surveys=surveys, commercial=commercial
    )


@SETTINGS
@given(account_data(), st.floats(-100, 100))
def test_the_score_is_0_to_100_or_unknown(h, shift):
    result = health(h, AS_OF + timedelta(days=shift), CONFIG)
    if result.score is None:
        assert result.band == "unknown" and result.signals == []
    else:
        assert 0 <= result.score <= 100 and result.band in ("green", "yellow", "red")


@SETTINGS
@given(account_data(), st.floats(0, 60), st.floats(0, 1000))
def test_cancel_requested_stays_red_at_any_later_date_until_resolved(h, asked_days_ago, later):
    asked = account(
        "c",
        status="cancel_requested",
        status_at=AS_OF - timedelta(days=asked_days_ago),
        owner="dana",
    )
    requested = replace(h, account=asked)
    for moment in (AS_OF, AS_OF + timedelta(days=later)):
        result = health(requested, moment, CONFIG)
        assert result.band == "red" and "cancel_requested" in result.breakdown
    resolved = replace(h, account=asked.model_copy(update={"status": "active"}))
    assert (
        "cancel_requested" not in health(resolved, AS_OF + timedelta(days=later), CONFIG).breakdown
    )


@SETTINGS
@given(account_data(), st.data())
def test_one_more_failed_payment_never_raises_health(h, data):
    before = health(h, AS_OF, CONFIG)
    if h.invoices and data.draw(st.booleans()):
        index = data.draw(st.integers(0, len(h.invoices) - 1))
        one = h.invoices[index]
        more = one.model_copy(update={"failed_attempts": one.failed_attempts + 1})
        invoices = (*h.invoices[:index], more, *h.invoices[index + 1 :])
    else:
        due = data.draw(st.floats(0, 150))
        new = invoice("c", 99, due, data.draw(st.one_of(st.none(), st.floats(0, due))), failed=1)
        invoices = tuple(sorted((*h.invoices, new), key=lambda i: i.issued_at))
    after = health(replace(h, invoices=invoices), AS_OF, CONFIG)
    assume(before.score is not None)
    assert after.score is not None and before.score is not None and after.score <= before.score


def test_silence_keeps_core_feature_depth_judged():
    """Found by the property above: 8 feature uses in the last 28 days judge core-feature depth (1 of 3
    core features: half credit); eight days of silence left 6 in the window, then fewer, and the indicator
    stopped being judged, so the longer silence lifted the health 75 -> 90. It stays judged now."""
    usage = [
        UsageFact(kind, AS_OF - timedelta(days=d, hours=1), {"user": "u0", "feature": "dashboards"})
        for kind in ("login", "feature_used")
        for d in range(0, 30, 4)
    ]
    h = full("c", [call(0, sentiments=("neutral", "positive"))], usage)
    scores: list[float] = []
    depth: list[float] = []
    for silence in (0, 8, 20, 40):
        now = health(h, AS_OF + timedelta(days=silence), CONFIG)
        assert now.score is not None
        scores.append(now.score)
        depth.append(now.breakdown.get("core_feature_depth", 0.0))
    assert depth[0] == 15.0 and depth == sorted(depth)
    assert scores == sorted(scores, reverse=True)
