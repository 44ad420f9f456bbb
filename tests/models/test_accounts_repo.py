"""The account-data repository on SQLite and PostgreSQL: round trips, idempotent re-runs, upserts that keep what a
record leaves out, duplicates stored once, a survey linked to its comment's ticket, chunked reads."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, func, select

from ingest.parsed import IngestItem
from models import accounts_repo as repo
from models.accounts import Account, CommercialEvent, Contact, Invoice, SurveyResponse
from models.accounts_repo import AccountBatch, AccountCounts
from models.errors import Conflict, NotFound
from models.history_repo import account_history, account_read
from models.store import Store
from models.tables import AccountRow, CustomerRow, InvoiceRow, SurveyResponseRow
from risk.history import load_history
from tests.models.test_store import make_call

pytestmark = pytest.mark.both_backends
T = datetime(2026, 10, 1, 9, tzinfo=UTC)


def batch() -> AccountBatch:
    return AccountBatch(
        accounts=[
            Account(customer_id="acme", name="Acme Corp", owner="dana", arr=48000, plan="pro"),
            Account(customer_id="globex", status="churned", status_at=T, status_reason="budget"),
        ],
        contacts=[Contact(customer_id="acme", user="ann@acme.com", role="decision_maker")],
        invoices=[
            Invoice(customer_id="acme", invoice_id="INV-1", issued_at=T, due_at=T, amount=4000)
        ],
        commercial=[
            CommercialEvent(
                customer_id="acme",
                kind="seat_change",
                occurred_at=T,
                seats_before=20,
                seats_after=12,
            )
        ],
        surveys=[SurveyResponse(customer_id="globex", kind="nps", score=2, responded_at=T)],
    )


def test_a_batch_comes_back_as_records_and_a_rerun_changes_nothing(store: Store):
    first = store.save_batch([], (), batch())
    assert first.accounts == AccountCounts(2, 1, 1, 1, 1)
    history = load_history(store, "acme")
    assert history is not None and history.name == "Acme Corp"
    assert history.account == Account(
        customer_id="acme", name="Acme Corp", owner="dana", arr=48000, plan="pro"
    )
    assert history.contacts == tuple(batch().contacts)
    assert history.invoices == tuple(batch().invoices)
    assert history.commercial == tuple(batch().commercial)
    globex = load_history(store, "globex")
    assert globex is not None and globex.account is not None
    assert (globex.account.status, globex.account.status_at) == ("churned", T)
    assert globex.surveys == tuple(batch().surveys)
    again = store.save_batch([], (), batch())
    assert again.accounts == AccountCounts() and again.accounts.total() == 0


def test_a_later_invoice_marks_it_paid_and_keeps_what_it_leaves_out(store: Store):
    store.save_batch([], (), batch())
    paid = Invoice.model_validate(
        {
            "customer_id": "acme",
            "invoice_id": "INV-1",
            "issued_at": T,
            "due_at": T,
            "amount": 4000,
            "paid_at": datetime(2026, 10, 20, tzinfo=UTC),
        }
    )
    failed = Invoice(
        customer_id="acme",
        invoice_id="INV-1",
        issued_at=T,
        due_at=T,
        amount=4000,
        failed_attempts=2,
    )
    assert store.save_batch([], (), AccountBatch(invoices=[paid])).accounts.invoices == 1
    assert store.save_batch([], (), AccountBatch(invoices=[failed])).accounts.invoices == 1
    history = load_history(store, "acme")
    assert history is not None
    (invoice,) = history.invoices
    assert invoice.paid_at == datetime(2026, 10, 20, tzinfo=UTC) and invoice.failed_attempts == 2


def test_an_account_keeps_the_fields_a_record_leaves_out_and_dates_a_new_status(store: Store):
    store.save_batch([], (), batch())
    change = Account.model_validate({"customer_id": "acme", "status": "cancel_requested"})
    before = datetime.now(UTC)
    assert store.save_batch([], (), AccountBatch(accounts=[change])).accounts.accounts == 1
    history = load_history(store, "acme")
    assert history is not None and history.account is not None
    account = history.account
    assert (account.owner, account.arr, account.plan) == ("dana", 48000, "pro")
    assert account.status == "cancel_requested"
    assert account.status_at is not None and account.status_at >= before


def test_the_same_commercial_event_and_survey_are_stored_once(store: Store):
    events = batch().commercial
    with store.transaction() as session:
        repo.ensure_customers(session, ["acme"])
        assert repo.add_commercial_events(session, [*events, *events]) == 1
    with store.transaction() as session:
        assert repo.add_commercial_events(session, events) == 0
    surveys = [*batch().surveys, *batch().surveys]
    assert store.save_batch([], (), AccountBatch(surveys=surveys)).accounts.surveys == 1
    with store.transaction() as session:
        assert session.scalar(select(func.count()).select_from(SurveyResponseRow)) == 1


def test_a_survey_links_to_its_comment_ticket(store: Store):
    interaction, transcript = make_call(b"survey comment", "acme")
    response = SurveyResponse(
        customer_id="acme", kind="nps", score=3, responded_at=T, comment="Too pricey."
    )

    links = {response.dedup_key(): interaction.id}
    item = IngestItem(interaction, transcript)
    result = store.save_batch([item], (), AccountBatch(surveys=[response], survey_links=links))
    assert result.created == [interaction.id] and result.accounts.surveys == 1
    with store.transaction() as session:
        assert repo.survey_interactions(session, "acme") == links
        read = account_read(session, "acme")  # the same links from the page's survey rows
        assert read is not None and read.survey_links == links
        assert read.history == account_history(session, "acme")
        assert [s.comment for s in read.history.surveys] == ["Too pricey."]
        assert account_read(session, "nobody") is None


def test_contacts_are_replaced_and_a_customer_is_created_once(store: Store):
    account = Account(customer_id="initech", name="Initech", owner="sam")
    with store.transaction() as session:
        repo.create_account(session, account, [Contact(customer_id="initech", user="bill")])
    with pytest.raises(Conflict), store.transaction() as session:
        repo.create_account(session, account)
    with store.transaction() as session:
        repo.replace_contacts(
            session,
            "initech",
            [Contact(customer_id="x", user="peter", role="champion")],
        )
    history = load_history(store, "initech")
    assert history is not None
    assert history.contacts == (Contact(customer_id="initech", user="peter", role="champion"),)
    with pytest.raises(NotFound), store.transaction() as session:
        repo.replace_contacts(session, "nobody", [])


def test_set_status_dates_it_and_keeps_the_reason(store: Store):
    store.save_batch([], (), batch())
    with store.transaction() as session:
        repo.set_status(session, "acme", "cancel_requested", T, "moving to Gong")
    with store.transaction() as session:
        row = session.get(AccountRow, "acme")
        assert row is not None
        assert (row.status, row.status_at, row.status_reason) == (
            "cancel_requested",
            T,
            "moving to Gong",
        )
        assert row.owner == "dana"
    with pytest.raises(NotFound), store.transaction() as session:
        repo.set_status(session, "nobody", "churned")


def test_a_batch_of_more_customers_than_an_in_list_holds(store: Store):
    invoices = [
        Invoice(customer_id=f"c{i:04}", invoice_id="INV-1", issued_at=T, due_at=T, amount=i)
        for i in range(repo.CHUNK * 2 + 3)
    ]
    assert store.save_batch([], (), AccountBatch(invoices=invoices)).accounts.invoices == len(
        invoices
    )
    assert store.save_batch([], (), AccountBatch(invoices=invoices)).accounts.invoices == 0
    with store.transaction() as session:
        assert session.scalar(select(func.count()).select_from(InvoiceRow)) == len(invoices)
        assert session.scalar(select(func.count()).select_from(CustomerRow)) == len(invoices)


def test_chunked_covers_every_value_once():
    assert [list(part) for part in repo.chunked(list(range(7)), 3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(repo.chunked([], 3)) == []


def test_account_dates_round_trip(store: Store):
    account = Account(
        customer_id="acme", start_date=date(2024, 2, 1), renewal_date=date(2027, 1, 31)
    )
    store.save_batch([], (), AccountBatch(accounts=[account]))
    history = load_history(store, "acme")
    assert history is not None and history.account == account


def _expected(invoices: list[Invoice]) -> dict[str, Invoice]:
    """What the store should hold: per invoice, the first record's fields with each later record's given fields."""
    merged: dict[str, dict] = {}
    for invoice in invoices:
        given = invoice.model_dump(include=invoice.model_fields_set | {"customer_id", "invoice_id"})
        merged[invoice.invoice_id] = {
            **merged.get(invoice.invoice_id, invoice.model_dump()),
            **given,
        }
    return {key: Invoice.model_validate(value) for key, value in merged.items()}


@given(
    st.lists(
        st.fixed_dictionaries(
            {"invoice_id": st.sampled_from(["A", "B", "C"]), "amount": st.integers(0, 3)},
            optional={
                "paid_at": st.sampled_from([T, datetime(2026, 11, 1, tzinfo=UTC)]),
                "failed_attempts": st.integers(0, 3),
            },
        ),
        min_size=1,
        max_size=6,
    )
)
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_any_sequence_of_invoice_records_ends_as_merged_and_reruns_change_nothing(
    store: Store, rows
):
    customer = f"c-{uuid.uuid4().hex[:8]}"
    invoices = [
        Invoice.model_validate({"customer_id": customer, "issued_at": T, "due_at": T, **row})
        for row in rows
    ]
    for invoice in invoices:  # one record per file, in order
        store.save_batch([], (), AccountBatch(invoices=[invoice]))
    assert store.save_batch([], (), AccountBatch(invoices=invoices[-1:])).accounts.invoices == 0
    history = load_history(store, customer)
    assert history is not None
    assert {i.invoice_id: i for i in history.invoices} == _expected(invoices)


def test_the_account_data_reads_as_the_histories_in_two_statements(store: Store):
    """``account_read``: the name and account, then the four lists in one statement (a UNION ALL), each list
    in its order and its records those ``load_history`` builds from ORM objects."""
    later = T + timedelta(days=3)
    lists = AccountBatch(
        accounts=[Account(customer_id="acme", name="Acme Corp", owner="dana", arr=48000)],
        contacts=[
            Contact(customer_id="acme", user=user, role="user") for user in ("zed@a.io", "amy@a.io")
        ],
        invoices=[
            Invoice(customer_id="acme", invoice_id=f"INV-{n}", issued_at=at, due_at=at, amount=n)
            for n, at in ((1, later), (2, T))
        ],
        commercial=[batch().commercial[0].model_copy(update={"occurred_at": later})],
        surveys=[
            SurveyResponse(customer_id="acme", kind="csat", score=n, responded_at=at)
            for n, at in ((4, later), (2, T))
        ],
    )
    store.save_batch([], (), lists)
    whole = load_history(store, "acme")
    seen: list[str] = []
    listen = lambda *args: seen.append(args[2])  # noqa: E731
    with store.transaction() as session:
        event.listen(store.engine, "before_cursor_execute", listen)
        try:
            read = account_read(session, "acme")
        finally:
            event.remove(store.engine, "before_cursor_execute", listen)
    assert whole is not None and read is not None and len(seen) == 2, seen
    for name in ("contacts", "invoices", "commercial", "surveys"):
        assert getattr(read.history, name) == getattr(whole, name), name
    assert [c.user for c in read.history.contacts] == ["amy@a.io", "zed@a.io"]
    assert [i.invoice_id for i in read.history.invoices] == ["INV-2", "INV-1"]
    assert [s.score for s in read.history.surveys] == [2, 4]
    assert read.history.account == whole.account and read.history.name == "Acme Corp"
