"""Writing account data over HTTP: customers' accounts, lifecycle status and contacts; batches of invoices,
commercial events and survey responses. Who may is api/permissions.py's table (admin and crm)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path as Path_
from typing import Annotated, Literal, TypeVar

from fastapi import APIRouter, Path
from pydantic import BaseModel, ValidationError

from api.account_view import AccountView
from api.deps import ServiceDep
from api.permissions import AccountWriter, CommercialWriter, SurveyWriter
from api.routes_ingest import dispatch_new
from api.schemas import (
    AccountIn,
    AccountUpdate,
    BatchOut,
    CommercialBatch,
    ContactIn,
    ContactList,
    ContactOut,
    CustomerAccount,
    InvoiceBatch,
    StatusIn,
    SurveyBatch,
)
from api.service import Callintel
from ingest.accounts import survey_ticket
from ingest.parsed import IngestItem
from ingest.validation import check_text, describe
from models.accounts import Account, CommercialEvent, Contact, Invoice, SurveyResponse
from models.accounts_repo import AccountBatch
from models.errors import MalformedSource

router = APIRouter(prefix="/api", tags=["accounts"])
CustomerId = Annotated[str, Path(min_length=1, max_length=128)]
T = TypeVar("T")


def _record(build: Callable[[], T]) -> T:
    """A record the body makes; a rule of the record it breaks is a 422 naming the field."""
    try:
        return build()
    except ValidationError as exc:
        raise MalformedSource(describe(exc)) from None


def _texts(value: object, limit: int, where: str = "body") -> None:
    """Every text of a body through the ingest's text check (no NUL, which PostgreSQL cannot store): 422."""
    if isinstance(value, str):
        check_text(Path_("request"), value, where, limit)
    elif isinstance(value, dict):
        for key, item in value.items():
            _texts(item, limit, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _texts(item, limit, f"{where}.{index}")


def _checked(body: BaseModel, callintel: Callintel) -> None:
    try:
        _texts(body.model_dump(), callintel.settings.max_line_chars)
    except MalformedSource as exc:
        raise MalformedSource(exc.message) from None  # the body, not a file


R = TypeVar("R", bound=BaseModel)


def _records(model: type[R], given: Sequence[BaseModel]) -> list[R]:
    """The request's items as the records they stand for (the same fields)."""
    return [model.model_validate(item.model_dump()) for item in given]


def _pushed(
    callintel: Callintel,
    batch: AccountBatch,
    kind: Literal["invoices", "commercial", "surveys"],
    tickets: Sequence[IngestItem] = (),
) -> BatchOut:
    """Store a pushed batch of one kind (and the tickets its survey comments became, queued for analysis where
    a broker is configured): how many were received, stored (new or changed) and already stored as given."""
    result = callintel.save_account_data(batch, tickets)
    if result.created and callintel.settings.broker_url:
        dispatch_new(callintel, result.created)
    received, stored = len(getattr(batch, kind)), getattr(result.accounts, kind)
    return BatchOut(
        received=received, stored=stored, unchanged=received - stored, interactions=result.created
    )


def _contacts(customer_id: str, contacts: list[ContactIn]) -> list[Contact]:
    def contact(given: ContactIn) -> Contact:
        return _record(lambda: Contact(customer_id=customer_id, **given.model_dump()))

    return [contact(c) for c in contacts]


def customer_account(view: AccountView) -> CustomerAccount:
    return CustomerAccount(
        customer_id=view.customer_id,
        name=view.name,
        account=view.account,
        contacts=[contact_out(c.contact, c.last_seen) for c in view.contacts],
    )


def contact_out(contact: Contact, last_login: datetime | None) -> ContactOut:
    return ContactOut(
        user=contact.user, name=contact.name, role=contact.role, last_login=last_login
    )


@router.post(
    "/customers",
    status_code=201,
    response_model=CustomerAccount,
    summary="Create a customer with its account data and contacts (409 if it exists)",
)
def create_customer(body: AccountIn, callintel: ServiceDep, _: AccountWriter) -> CustomerAccount:
    _checked(body, callintel)
    fields = body.model_dump(exclude_unset=True, exclude={"contacts"})
    account = _record(lambda: Account.model_validate(fields))
    view = callintel.create_customer(account, _contacts(body.customer_id, body.contacts))
    return customer_account(view)


@router.put(
    "/customers/{customer_id}",
    response_model=CustomerAccount,
    summary="Write a customer's account fields (those left out keep their value; 404 if no such customer)",
)
def update_customer(
    customer_id: CustomerId, body: AccountUpdate, callintel: ServiceDep, _: AccountWriter
) -> CustomerAccount:
    _checked(body, callintel)
    fields = {"customer_id": customer_id, **body.model_dump(exclude_unset=True)}
    account = _record(lambda: Account.model_validate(fields))
    return customer_account(callintel.update_account(account))


@router.put(
    "/customers/{customer_id}/status",
    response_model=CustomerAccount,
    summary="Set a customer's lifecycle status (active, cancel_requested, churned), its date and reason",
)
def set_status(
    customer_id: CustomerId, body: StatusIn, callintel: ServiceDep, _: AccountWriter
) -> CustomerAccount:
    _checked(body, callintel)
    return customer_account(callintel.set_status(customer_id, body.status, body.at, body.reason))


@router.put(
    "/customers/{customer_id}/contacts",
    response_model=CustomerAccount,
    summary="Replace a customer's contacts",
)
def replace_contacts(
    customer_id: CustomerId, body: ContactList, callintel: ServiceDep, _: AccountWriter
) -> CustomerAccount:
    _checked(body, callintel)
    view = callintel.replace_contacts(customer_id, _contacts(customer_id, body.contacts))
    return customer_account(view)


@router.post(
    "/invoices",
    status_code=201,
    response_model=BatchOut,
    summary="Push invoices and payments (upserted by customer_id and invoice_id)",
)
def push_invoices(batch: InvoiceBatch, callintel: ServiceDep, _: CommercialWriter) -> BatchOut:
    _checked(batch, callintel)
    return _pushed(callintel, AccountBatch(invoices=_records(Invoice, batch.invoices)), "invoices")


@router.post(
    "/commercial-events",
    status_code=201,
    response_model=BatchOut,
    summary="Push renewals, purchases and seat changes (duplicates are skipped)",
)
def push_commercial(batch: CommercialBatch, callintel: ServiceDep, _: CommercialWriter) -> BatchOut:
    _checked(batch, callintel)
    events = _records(CommercialEvent, batch.events)
    return _pushed(callintel, AccountBatch(commercial=events), "commercial")


@router.post(
    "/surveys",
    status_code=201,
    response_model=BatchOut,
    summary="Push NPS and CSAT responses; a comment is stored as a ticket and tagged (duplicates are skipped)",
)
def push_surveys(batch: SurveyBatch, callintel: ServiceDep, _: SurveyWriter) -> BatchOut:
    _checked(batch, callintel)
    responses = _records(SurveyResponse, batch.responses)
    tickets: dict[str, IngestItem] = {}
    for response in responses:
        if (ticket := survey_ticket(response, "api:surveys")) is not None:
            tickets[response.dedup_key()] = ticket
    links = {key: item.interaction.id for key, item in tickets.items()}
    pushed = AccountBatch(surveys=responses, survey_links=links)
    return _pushed(callintel, pushed, "surveys", list(tickets.values()))
