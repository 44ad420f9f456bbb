"""The Portfolio page's contact summary (``contact_summary``, a count per customer and rep) is the whole report's
segments and reps (``contact_report(...).summary()``), on the hand-built book and on a random larger one."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bench.contacts_speed import AS_OF as BENCH_AS_OF
from bench.contacts_speed import seed
from portfolio.contact_report import contact_report, contact_summary
from portfolio.contact_rules import ContactRules
from tests.portfolio.contacts_seed import AS_OF, seed_contacts

RULES = ContactRules()


@pytest.mark.both_backends
@pytest.mark.parametrize("period", ["month", "week"])
def test_the_summary_is_the_reports_on_the_hand_built_book(store, backend, period):
    seed_contacts(store)
    summaries = {}
    for moment in (AS_OF, AS_OF - timedelta(days=20)):
        summaries[moment] = contact_summary(store, RULES, moment, period)
        assert summaries[moment] == contact_report(store, RULES, moment, period).summary()
    assert [r.rep for r in summaries[AS_OF].reps] == ["alice", "bob"]


@pytest.mark.both_backends
def test_the_summary_is_the_reports_on_a_random_book(store, backend):
    seed(store, customers=120, contacts=6, seed=11)
    rules = ContactRules(window_days=60)
    summary = contact_summary(store, rules, BENCH_AS_OF)
    assert len(summary.segments) == 3 and len(summary.reps) > 10
    assert summary == contact_report(store, rules, BENCH_AS_OF).summary()
