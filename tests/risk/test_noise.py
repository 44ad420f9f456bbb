"""Noise a healthy customer makes must not read as a warning: sparse counts, a usual rhythm, a passing dip."""

from hypothesis import given
from hypothesis import strategies as st

from models.accounts import Contact
from risk.activity import poisson_cdf
from risk.config import load_config
from risk.health import health
from risk.history import UsageFact
from risk.signals import derive_signals
from tests.risk.histories import AS_OF, ago, call, daily, full, team

CONFIG = load_config()
CALLS = [call(d, sentiments=("positive",)) for d in (10, 30, 50, 70)]


def kinds_of(h, moment=AS_OF):
    return {s.kind for s in derive_signals(h, moment, CONFIG)}


def test_poisson_cdf_is_the_chance_of_at_most_so_many():
    assert poisson_cdf(0, 2.0) == 2.718281828459045**-2
    assert abs(poisson_cdf(2, 2.0) - 5 * 2.718281828459045**-2) < 1e-12
    assert poisson_cdf(50, 1.0) == 1.0 or poisson_cdf(50, 1.0) > 0.999999


@given(st.integers(0, 40), st.floats(0.1, 60))
def test_poisson_cdf_grows_with_the_count_and_stays_a_chance(count, expected):
    low, high = poisson_cdf(count, expected), poisson_cdf(count + 1, expected)
    assert 0 < low <= high <= 1


def test_a_sparse_core_feature_s_quiet_month_is_chance_but_a_busy_one_stopping_is_not():
    logins = daily("login", 2, 120, user="u1")
    # used every 8 days: 7 uses in the 56-day baseline, 3.5 expected in 28 days; none is a 3% chance
    sparse = [
        e
        for i, e in enumerate(daily("feature_used", 1, 120, user="u1", feature="dashboards"))
        if i % 8 == 0
    ]
    sparse_quiet = [e for e in sparse if e.at < ago(28)]
    assert "core_feature_abandoned" not in kinds_of(full("a", CALLS, [*logins, *sparse_quiet]))
    busy = daily("feature_used", 1, 120, 28, user="u1", feature="dashboards")  # daily, then stopped
    (signal,) = [
        s
        for s in derive_signals(full("b", CALLS, [*logins, *busy]), AS_OF, CONFIG)
        if s.kind == "core_feature_abandoned"
    ]
    assert "a fall this steep in one of the 3 core features by chance: 0.0%" in signal.explanation


def test_a_sparse_baseline_s_empty_fortnight_is_not_a_usage_drop():
    # 12 logins in 56 days: 3 expected in 14 days, none is a 5% chance (more than usage.max_chance allows)
    sparse = [UsageFact("login", ago(d), {"user": "u1"}) for d in range(15, 71, 5)]
    assert "usage_drop:login" not in kinds_of(full("a", CALLS, sparse))
    busy = [UsageFact("login", ago(d), {"user": "u1"}) for d in range(15, 71)]
    assert "usage_drop:login" in kinds_of(full("b", CALLS, busy))


def test_a_customer_who_writes_every_45_days_is_not_silent_at_100_but_is_at_400():
    tickets = [call(d, kind="ticket") for d in range(100, 700, 45)]
    assert "no_contact" not in kinds_of(full("a", tickets, team()))
    old = [call(d, kind="ticket") for d in range(400, 1000, 45)]
    (signal,) = [
        s for s in derive_signals(full("b", old, team()), AS_OF, CONFIG) if s.kind == "no_contact"
    ]
    assert "past 8 times their usual 45 days between them" in signal.explanation
    # the 90-day floor still holds for a customer in frequent contact
    weekly = [call(d) for d in range(95, 300, 7)]
    assert "no_contact" in kinds_of(full("c", weekly, team()))


def test_a_weekly_decision_maker_away_a_month_is_their_rhythm_not_a_warning():
    contacts = [Contact(customer_id="x", user="boss", role="decision_maker")]
    visits = [UsageFact("login", ago(d), {"user": "boss"}) for d in range(30, 150, 7)]
    h = full("x", CALLS, [*team(), *visits], contacts=contacts)
    assert not any(k.startswith("key_person_inactive") for k in kinds_of(h))


def test_an_indicator_with_min_events_is_not_judged_on_a_handful():
    # core-feature depth needs 6 feature uses in its window (risk.yaml): 3 uses of one feature are a quiet
    # month, not shallow use; 20 uses of one of the three are shallow use (half credit)
    logins = daily("login", 1, 60, user="u1")
    few = full(
        "few", CALLS, [*logins, *daily("feature_used", 1, 3, user="u1", feature="call_library")]
    )
    many = full(
        "many", CALLS, [*logins, *daily("feature_used", 1, 20, user="u1", feature="call_library")]
    )
    assert CONFIG.indicators.core_feature_depth.min_events == 6
    assert "core_feature_depth" not in health(few, AS_OF, CONFIG).breakdown
    assert health(many, AS_OF, CONFIG).breakdown["core_feature_depth"] == 15  # 1 of 3: half
    depth = CONFIG.indicators.core_feature_depth.model_copy(update={"min_events": 0})
    indicators = CONFIG.indicators.model_copy(update={"core_feature_depth": depth})
    lax = CONFIG.model_copy(update={"indicators": indicators})
    assert health(few, AS_OF, lax).breakdown["core_feature_depth"] == 15
