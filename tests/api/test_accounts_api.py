"""The account-data routes on their own app and store: customers, status and contacts; invoice, commercial-event
and survey batches; uploads of account files; GET /api/customers/{id}; who may write (admin and crm)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import create_token
from models.settings import Settings
from models.store import Store
from pipeline.runner import run_jobs
from pipeline.stages import Engines

ROLES = ("admin", "manager", "rep", "crm")
ACME = {
    "customer_id": "acme",
    "name": "Acme Corp",
    "owner": "dana",
    "plan": "enterprise",
    "arr": 48000,
    "renewal_date": "2027-01-31",
    "segment": "enterprise",
    "contacts": [{"email": "ann@acme.com", "name": "Ann", "role": "decision_maker"}],
}
INVOICE = {
    "customer_id": "acme",
    "invoice_id": "INV-1",
    "issued_at": "2026-09-01",
    "due_at": "2026-10-01",
    "amount": 4000,
}
COMMENT = "Please cancel our subscription, we are moving to Gong."


@dataclass
class Api:
    client: TestClient
    store: Store
    settings: Settings
    tokens: dict[str, str]

    def auth(self, role: str = "crm") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def post(self, url: str, body: dict, role: str = "crm"):
        return self.client.post(url, json=body, headers=self.auth(role))

    def put(self, url: str, body: dict, role: str = "crm"):
        return self.client.put(url, json=body, headers=self.auth(role))

    def get(self, url: str, role: str = "manager"):
        return self.client.get(url, headers=self.auth(role))


@pytest.fixture
def api(db_url: str, tmp_path: Path, migrated_copy) -> Iterator[Api]:
    settings = Settings(
        database_url=db_url,
        upload_dir=tmp_path / "uploads",
        risk_as_of=datetime(2026, 10, 31, tzinfo=UTC),
    )
    with Store(migrated_copy(db_url)) as store:
        tokens = {
            role: create_token(store, role, role, rep="sam" if role == "rep" else None)[1]
            for role in ROLES
        }
        with TestClient(create_app(settings, store)) as client:
            yield Api(client, store, settings, tokens)


@pytest.mark.both_backends
def test_a_customer_is_created_changed_and_read_back(api: Api):
    created = api.post("/api/customers", ACME)
    assert created.status_code == 201, created.text
    assert created.json()["account"]["owner"] == "dana"
    assert api.post("/api/customers", ACME).json()["error"] == "Conflict"
    assert api.post("/api/customers", ACME).status_code == 409
    changed = api.put("/api/customers/acme", {"owner": "sam", "arr": 50000})
    assert changed.status_code == 200 and changed.json()["account"]["plan"] == "enterprise"
    status = api.put(
        "/api/customers/acme/status",
        {"status": "cancel_requested", "at": "2026-10-20T09:00:00Z", "reason": "moving to Gong"},
    )
    assert status.json()["account"]["status"] == "cancel_requested"
    contacts = [{"user": "ann@acme.com", "role": "champion"}, {"user": "bo", "role": "admin"}]
    replaced = api.put("/api/customers/acme/contacts", {"contacts": contacts})
    assert [(c["user"], c["role"]) for c in replaced.json()["contacts"]] == [
        ("ann@acme.com", "champion"),
        ("bo", "admin"),
    ]
    api.post(
        "/api/usage-events",
        {
            "events": [
                {
                    "customer_id": "acme",
                    "kind": "login",
                    "occurred_at": "2026-10-05T08:00:00Z",
                    "properties": {"user": "ANN@acme.com"},
                }
            ]
        },
    )
    assert api.post("/api/invoices", {"invoices": [INVOICE]}).json()["stored"] == 1
    detail = api.get("/api/customers/acme").json()
    assert {"score", "band", "signals", "breakdown", "as_of"} <= set(detail)
    assert detail["name"] == "Acme Corp"
    assert (detail["account"]["owner"], detail["account"]["arr"]) == ("sam", 50000)
    assert detail["account"]["status_reason"] == "moving to Gong"
    last = {c["user"]: c["last_login"] for c in detail["contacts"]}
    assert last == {"ann@acme.com": "2026-10-05T08:00:00Z", "bo": None}
    assert [i["invoice_id"] for i in detail["invoices"]] == ["INV-1"]


def test_unknown_customers_are_404_and_bad_fields_422(api: Api):
    assert api.put("/api/customers/nobody", {"owner": "x"}).status_code == 404
    assert api.put("/api/customers/nobody/status", {"status": "churned"}).status_code == 404
    assert api.put("/api/customers/nobody/contacts", {"contacts": []}).status_code == 404
    assert api.get("/api/customers/nobody").status_code == 404
    api.post("/api/customers", ACME)
    bad_role = api.put("/api/customers/acme/contacts", {"contacts": [{"user": "a", "role": "ceo"}]})
    assert bad_role.status_code == 422 and "role" in bad_role.json()["message"]
    assert api.put("/api/customers/acme/status", {"status": "gone"}).status_code == 422
    assert api.put("/api/customers/acme", {"currency": None}).status_code == 422
    nps = {"customer_id": "acme", "kind": "nps", "score": 11, "responded_at": "2026-10-01"}
    eleven = api.post("/api/surveys", {"responses": [nps]})
    assert eleven.status_code == 422 and "0-10" in eleven.json()["message"]
    late = {**INVOICE, "due_at": "2026-08-01"}
    assert api.post("/api/invoices", {"invoices": [late]}).status_code == 422


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("post", "/api/customers", ACME),
        ("put", "/api/customers/acme", {"owner": "x"}),
        ("put", "/api/customers/acme/status", {"status": "churned"}),
        ("put", "/api/customers/acme/contacts", {"contacts": []}),
        ("post", "/api/invoices", {"invoices": [INVOICE]}),
        (
            "post",
            "/api/commercial-events",
            {"events": [{"customer_id": "acme", "kind": "renewal", "occurred_at": "2026-01-31"}]},
        ),
        (
            "post",
            "/api/surveys",
            {
                "responses": [
                    {
                        "customer_id": "acme",
                        "kind": "csat",
                        "score": 2,
                        "responded_at": "2026-10-01",
                    }
                ]
            },
        ),
    ],
)
def test_only_admin_and_crm_write_account_data(api: Api, method: str, url: str, body: dict):
    for role in ("rep", "manager"):
        refused = getattr(api, method)(url, body, role)
        assert refused.status_code == 403 and refused.json()["error"] == "Forbidden", role
    if url.startswith("/api/customers/"):
        api.post("/api/customers", ACME, "admin")
    assert getattr(api, method)(url, body, "admin").status_code in (200, 201)


def test_batches_skip_duplicates(api: Api):
    event = {
        "customer_id": "globex",
        "kind": "seat_change",
        "occurred_at": "2026-06-01",
        "seats_before": 20,
        "seats_after": 12,
    }
    first = api.post("/api/commercial-events", {"events": [event, event]}).json()
    assert (first["received"], first["stored"], first["unchanged"]) == (2, 1, 1)
    assert api.post("/api/commercial-events", {"events": [event]}).json()["stored"] == 0
    assert api.post("/api/invoices", {"invoices": [INVOICE]}).json()["stored"] == 1
    assert api.post("/api/invoices", {"invoices": [INVOICE]}).json()["stored"] == 0
    paid = {**INVOICE, "paid_at": "2026-09-25"}
    assert api.post("/api/invoices", {"invoices": [paid]}).json()["stored"] == 1


def test_an_account_file_upload_stores_its_good_rows_and_names_the_bad(api: Api):
    content = b"customer_id,email,role\nacme,ann@acme.com,champion\nacme,bo@acme.com,ceo\n"
    upload = api.client.post(
        "/api/uploads", files={"file": ("contacts.csv", content)}, headers=api.auth("crm")
    )
    assert upload.status_code == 201, upload.text
    body = upload.json()
    assert body["account_data"]["contacts"] == 1
    assert body["problems"] == [
        "row 3: role: unknown value \"ceo\" (expected 'decision_maker', 'admin', 'champion' or 'user')"
    ]
    refused = api.client.post(
        "/api/uploads", files={"file": ("contacts.csv", content)}, headers=api.auth("rep")
    )
    assert refused.status_code == 403
    again = api.client.post(
        "/api/uploads", files={"file": ("contacts.csv", content)}, headers=api.auth("crm")
    )
    assert again.status_code == 200 and again.json()["account_data"]["contacts"] == 0


def test_a_survey_comment_becomes_a_ticket_the_tagger_reads(api: Api, tagger):
    response = {
        "customer_id": "acme",
        "kind": "nps",
        "score": 2,
        "responded_at": "2026-10-10T10:00:00Z",
        "respondent": "ann@acme.com",
        "comment": COMMENT,
    }
    first = api.post("/api/surveys", {"responses": [response]}).json()
    (ticket_id,) = first["interactions"]
    again = api.post("/api/surveys", {"responses": [response]}).json()
    assert (again["stored"], again["interactions"]) == (0, [])
    report = run_jobs(
        api.settings.database_url, api.settings, 1, Engines(api.settings, tagger_instance=tagger)
    )
    assert report.done == 1 and report.failed == 0
    stored = api.store.get_interaction(ticket_id)
    assert stored is not None and stored.interaction.kind == "ticket"
    assert stored.interaction.title == "NPS 2 survey response"
    assert stored.transcript is not None
    assert stored.transcript.utterances[0].speaker.role == "customer"
    assert all(s is not None for s in stored.sentiments)  # analysed
    assert ("competitor_mention", "Gong") in {(t.label, t.entity) for t in stored.tags}
    detail = api.get("/api/customers/acme").json()
    assert detail["surveys"][0]["interaction_id"] == ticket_id


@pytest.mark.both_backends
def test_a_nul_in_a_text_is_a_422_not_a_database_error(api: Api):
    refused = api.post("/api/customers", {**ACME, "owner": "da\x00na"})
    assert refused.status_code == 422 and "body.owner: contains a NUL" in refused.json()["message"]
    survey = {
        "customer_id": "acme",
        "kind": "csat",
        "score": 2,
        "responded_at": "2026-10-01",
        "comment": "bad\x00",
    }
    assert api.post("/api/surveys", {"responses": [survey]}).status_code == 422


def test_a_file_mixing_tickets_and_surveys_needs_a_role_that_writes_both(api: Api):
    content = (
        b'{"customer_id": "acme", "created_at": "2026-10-01", "body": "Where is my invoice?"}\n'
        b'{"customer_id": "acme", "kind": "nps", "score": 9, "responded_at": "2026-10-02"}\n'
    )
    for role in ("manager", "crm"):
        refused = api.client.post(
            "/api/uploads", files={"file": ("mixed.jsonl", content)}, headers=api.auth(role)
        )
        assert refused.status_code == 403, role
    assert api.store.list_interactions() == []
    stored = api.client.post(
        "/api/uploads", files={"file": ("mixed.jsonl", content)}, headers=api.auth("admin")
    )
    assert stored.status_code == 201 and stored.json()["account_data"]["surveys"] == 1
