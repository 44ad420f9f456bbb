"""Contact frequency on the constructed book of contacts_seed.py: every figure as worked out there by hand."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models.errors import ConfigError, NotFound
from models.tables import InteractionRow
from portfolio.contact_records import Tally, stats
from portfolio.contact_report import CustomerFilter, contact_report, rep_detail
from portfolio.contact_rules import ContactRules, judge, load_rules
from portfolio.contacts import channel_of
from tests.portfolio.contacts_seed import AS_OF, seed_contacts

RULES = ContactRules()


@pytest.fixture
def book(store):
    seed_contacts(store)
    return store


@pytest.mark.both_backends
def test_the_channel_is_derived_from_the_stored_format_and_metadata(book, backend):
    with book.transaction() as session:
        found = {i: c for i, c in session.execute(select(InteractionRow.id, channel_of()))}
    assert found == {
        "a-call1": "call",
        "a-call2": "call",
        "a-call3": "call",
        "a-mail": "email",
        "a-chat": "chat",
        "b-ticket": "ticket",
        "b-mail": "email",
        "c-call": "call",
        "f-call": "call",
        "d-meet": "meeting",
        "e-survey": None,
    }


@pytest.mark.both_backends
def test_per_customer_rates_intervals_recency_and_status(book, backend):
    report = contact_report(book, RULES, AS_OF)
    by_id = {c.customer_id: c for c in report.customers}
    assert set(by_id) == {"acme", "beta", "cyan", "delta", "echo"}  # fox churned before as_of
    assert [c.customer_id for c in report.customers] == ["cyan", "echo", "acme", "beta", "delta"]
    acme = by_id["acme"]
    assert (acme.stats.contacts, acme.stats.per_period) == (5, 1.6667)
    assert acme.stats.avg_interval_days == 6.75  # 10-01 .. 10-28: 27 days over 4 gaps
    assert acme.stats.recency_days == 3.0
    assert (acme.status, acme.norm, acme.band) == ("over", 0.6667, "red")
    assert by_id["beta"].stats.avg_interval_days == 40.0
    assert (by_id["beta"].status, by_id["beta"].band) == ("normal", "green")
    assert by_id["cyan"].stats.contacts == 0 and by_id["cyan"].stats.recency_days == 183.0
    assert by_id["cyan"].status == "neglected" and by_id["cyan"].band is None
    assert by_id["cyan"].reason == "no contact in 183 days (limit 45)"
    assert (by_id["delta"].status, by_id["delta"].norm) == ("normal", 0.1667)
    assert by_id["echo"].stats.last_contact_at is None  # a survey comment is no contact
    assert by_id["echo"].reason == "no contact ever (limit 45)"


@pytest.mark.both_backends
def test_response_duration_next_steps_and_conversion(book, backend):
    acme = contact_report(book, RULES, AS_OF, customer="acme").customers[0]
    call, email, chat = (acme.channels[c] for c in ("call", "email", "chat"))
    assert call.contacts == 3 and call.avg_interval_days == 10.0
    assert call.avg_call_minutes == round(
        (600 + 1200 + 300) / 3 / 60, 4
    )  # 300: the last utterance's end
    assert call.next_step_rate == 0.5  # one of the two summarised calls agreed a step
    assert (
        call.conversion_rate == 0.3333
    )  # only 10-01 is followed by the 10-05 purchase within 30 days
    assert (email.emails_sent, email.email_reply_rate) == (1, 1.0)
    assert (chat.tickets_opened, chat.ticket_answer_rate) == (1, 0.0)
    assert acme.stats.conversion_rate == 0.2
    beta = contact_report(book, RULES, AS_OF, customer="beta").customers[0]
    assert beta.stats.email_reply_rate == 0.0 and beta.stats.ticket_answer_rate == 1.0
    delta = contact_report(book, RULES, AS_OF, customer="delta").customers[0]
    assert delta.channels["meeting"].avg_call_minutes == 60.0
    assert delta.channels["meeting"].next_step_rate == 1.0


@pytest.mark.both_backends
def test_the_rep_table_and_drill_down(book, backend):
    report = contact_report(book, RULES, AS_OF)
    alice, bob = report.reps
    assert (alice.rep, alice.stats.contacts, alice.stats.per_period) == ("alice", 6, 2.0)
    # acme 10-01 .. 10-28 (27 days, 3 gaps) and beta 09-10 .. 10-20 (40 days, 1 gap): 67 / 4
    assert alice.stats.avg_interval_days == 16.75
    assert (alice.customers, alice.over, alice.neglected) == (3, 1, 1)  # acme, beta, cyan
    assert alice.channels == {"call": 3, "chat": 1, "email": 1, "ticket": 1}
    assert (bob.rep, bob.stats.contacts, bob.stats.avg_interval_days) == ("bob", 2, None)
    assert bob.stats.email_reply_rate == 1.0 and bob.channels == {"email": 1, "meeting": 1}
    detail = rep_detail(book, RULES, AS_OF, "alice")
    assert [c.customer_id for c in detail.customers] == ["cyan", "acme", "beta"]
    assert detail.customers[1].stats.contacts == 4  # alice's, not bob's email
    assert [i.interaction_id for i in detail.interactions] == [
        "a-chat", "a-call3", "b-mail", "a-call2", "a-call1", "b-ticket",
    ]  # fmt: skip
    first = detail.interactions[-2]
    assert (first.call_minutes, first.next_step, first.converted) == (10.0, True, True)
    assert detail.interactions[0].answered is False and detail.interactions[-1].answered is True


@pytest.mark.both_backends
def test_cross_analysis_by_segment_and_band(book, backend):
    report = contact_report(book, RULES, AS_OF)
    segments = {c.segment: c for c in report.segments}
    assert (segments["smb"].customers, segments["smb"].median_per_period) == (3, 0.6667)
    assert (segments["smb"].mean_per_period, segments["smb"].over) == (0.7778, 1)
    assert (segments["ent"].neglected, segments["ent"].median_per_period) == (1, 0.1667)
    cells = {(c.segment, c.band): c.customers for c in report.cross}
    assert cells == {
        ("*", "green"): 1,
        ("*", "red"): 1,
        ("*", "unknown"): 3,
        ("ent", "unknown"): 2,
        ("smb", "green"): 1,
        ("smb", "red"): 1,
        ("smb", "unknown"): 1,
    }


def test_an_unknown_rep_is_empty_and_an_unknown_customer_not_found(book):
    assert rep_detail(book, RULES, AS_OF, "nobody").interactions == []
    assert contact_report(book, RULES, AS_OF, rep="nobody").customers == []
    with pytest.raises(NotFound):
        contact_report(book, RULES, AS_OF, customer="nobody")


def test_weekly_rates_and_another_segment_mapping(book):
    report = contact_report(book, RULES, AS_OF, period="week", segments={"acme": "vip"})
    acme = next(c for c in report.customers if c.customer_id == "acme")
    assert acme.stats.per_period == round(5 / (90 / 7), 4)
    assert (acme.status, acme.norm) == ("normal", round(5 / (90 / 7), 4))  # alone in its segment


def test_the_norm_is_the_segment_median_with_factors():
    rates = {"a": 3.0, "b": 1.0, "c": 1.0, "d": 0.4, "e": 2.0}
    recency = {"a": 1.0, "b": 2.0, "c": 60.0, "d": 5.0, "e": 5.0}
    segments = {"a": "s", "b": "s", "c": "s", "d": "s", "e": None}
    judged = judge(rates, recency, segments, RULES)
    assert {k: j.status for k, j in judged.items()} == {
        "a": "over",  # 3 > 2 x median 1
        "b": "normal",
        "c": "neglected",  # 60 days > 45
        "d": "neglected",  # 0.4 < 1 / 2
        "e": "normal",  # alone in "(none)": its own median
    }
    assert judged["a"].norm == 1.0


def test_a_tally_with_no_contacts_has_no_rates():
    empty = stats(Tally(), 90, "month")
    assert empty.per_period == 0.0 and empty.avg_interval_days is None
    assert empty.email_reply_rate is None and empty.conversion_rate is None


def test_bad_rules_name_the_file_and_field(tmp_path):
    path = tmp_path / "contacts.yaml"
    path.write_text("over_factor: 0.5\n")
    with pytest.raises(ConfigError, match="over_factor") as caught:
        load_rules(path)
    assert caught.value.path == str(path)
    assert load_rules().window_days == 90


@pytest.mark.both_backends
def test_contacts_without_a_rep_are_a_row_of_their_own(book, backend):
    with book.transaction() as session:
        session.add(
            InteractionRow(
                id="d-call", customer_id="delta", kind="call", occurred_at=AS_OF, source="x",
                sha256="d" * 64, rep=None, meta={"format": "text"},
            )
        )  # fmt: skip
    reps = {r.rep: r for r in contact_report(book, RULES, AS_OF).reps}
    assert set(reps) == {"alice", "bob", None}
    assert reps[None].stats.contacts == 1 and reps[None].channels == {"call": 1}


def test_the_customers_listed_are_filtered_then_paged(book):
    def listed(**wanted) -> list[int | str]:
        report = contact_report(book, RULES, AS_OF, wanted=CustomerFilter(**wanted), limit=2)
        return [report.total, *(c.customer_id for c in report.customers)]

    assert listed(segment="smb") == [3, "cyan", "acme"]
    assert listed(band="unknown") == [3, "cyan", "echo"]
    assert listed(segment="ent", status="neglected") == [1, "echo"]
    assert listed(segment="*", band="red") == [1, "acme"]
    assert listed(segment="nothing") == [0]
