"""The dashboard's customer page shows the account, contacts with their last login, payments, NPS/CSAT, the
recommended action and the alerts; the alerts page filters them; both acknowledge and resolve them (forms that
keep the same-origin rule)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from api.account_view import contact_lines, invoice_state, recommended_action, seen_by
from api.app import create_app
from api.auth import create_token
from models.settings import Settings
from models.store import Store
from risk.history import load_history
from tests.api.accounts_seed import AS_OF, seed

SAME_ORIGIN = {"Origin": "http://testserver"}


@pytest.fixture
def site(tmp_path, migrated_copy):
    url = migrated_copy(f"sqlite:///{tmp_path / 'dash.db'}")
    with Store(url) as store:
        ids = seed(store)
        secrets = {
            role: create_token(store, role, f"{role}-bot", rep="sam" if role == "rep" else None)[1]
            for role in ("manager", "crm", "rep")
        }
        settings = Settings(
            database_url=url,
            upload_dir=tmp_path / "up",
            risk_as_of=datetime(2026, 10, 31, tzinfo=UTC),
        )
        with TestClient(create_app(settings, store)) as client:

            def sign_in(role: str) -> TestClient:
                client.cookies.clear()
                signed = client.post(
                    "/dashboard/login",
                    data={"token": secrets[role], "next": "/dashboard/customers"},
                    headers=SAME_ORIGIN,
                    follow_redirects=False,
                )
                assert signed.status_code == 303
                return client

            yield sign_in, store, ids


def text(html: str) -> str:
    """The page's words, tags stripped and spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_customer_page_shows_the_account_contacts_payments_and_surveys(site):
    sign_in, _, ids = site
    page = sign_in("manager").get("/dashboard/customers/acme")
    assert page.status_code == 200
    words = text(page.text)
    for shown in (
        "Owner dana",
        "Plan Growth",
        "ARR 48,000 EUR",
        "Customer since 2023-02-01",
        "Renewal 2027-01-31 (in 92 days)",
        "Segment mid-market",
        "cancel requested since 2026-10-28 Moving to Gong at renewal",
    ):
        assert shown in words, shown
    assert "Ann Decker ann@acme.example decision maker 2026-09-21 (40 days ago)" in words
    assert "Raj Admin u7 admin 2026-10-25 (6 days ago, page_visit)" in words
    assert (
        "Zoe Quiet zoe@acme.example champion never" in words
    )  # her only event is after the page's moment
    assert "INV-1 issued 2026-08-02 2026-09-01 4,000.00 EUR paid" in words
    assert "INV-2 issued 2026-09-01 2026-10-01 4,000.00 EUR paid late 2026-10-11" in words
    assert "INV-3 issued 2026-10-01 2026-10-26 4,000.00 EUR failed 2 failed attempts" in words
    assert "2026-10-21 NPS 3 “Too expensive for what we use” ann@acme.example" in words
    assert "2026-10-23 CSAT 2" in words and "NPS 9" in words
    assert "Recommended action Executive visit to diagnose what changed" in words
    assert (
        f'id="alert-{ids.acme_band}"' in page.text and f'id="alert-{ids.globex}"' not in page.text
    )
    assert page.text.count('class="ack"') == 2 and page.text.count('class="resolve"') == 2


def test_the_customers_list_shows_owner_arr_and_renewal(site):
    sign_in, _, _ = site
    rows = re.findall(
        r"<tr class=\"band-.*?</tr>", sign_in("crm").get("/dashboard/customers").text, re.S
    )
    acme = text(next(r for r in rows if "/dashboard/customers/acme" in r))
    assert "dana 48,000 EUR 2027-01-31" in acme
    globex = text(next(r for r in rows if "/dashboard/customers/globex" in r))
    assert "lee 9,000 USD –" in globex


def test_a_customer_without_account_data_says_so(site):
    sign_in, _, _ = site
    words = text(sign_in("crm").get("/dashboard/customers/globex").text)
    assert "Owner lee" in words and "ARR 9,000 USD" in words and "No contacts." in words
    assert "None: the health is unknown, or the customer has churned." in words


def test_acknowledge_and_resolve_from_the_page(site):
    sign_in, store, ids = site
    client = sign_in("manager")
    back = "/dashboard/customers/acme?days=30"
    forged = client.post(
        f"/dashboard/alerts/{ids.acme_band}/acknowledge",
        data={"next": back},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert forged.status_code == 403 and "cannot sign in or out, or change anything" in forged.text
    done = client.post(
        f"/dashboard/alerts/{ids.acme_band}/acknowledge",
        data={"next": back},
        headers=SAME_ORIGIN,
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == f"{back}#alert-{ids.acme_band}"
    words = text(client.get(back).text)
    assert "acknowledged by manager-bot" in words
    resolved = client.post(
        f"/dashboard/alerts/{ids.acme_band}/resolve",
        data={"next": "//evil.example/", "outcome": "saved", "note": "Value review done"},
        headers=SAME_ORIGIN,
        follow_redirects=False,
    )
    assert resolved.headers["location"] == f"/dashboard/#alert-{ids.acme_band}"
    words = text(client.get("/dashboard/customers/acme").text)
    assert "resolved saved" in words and "“Value review done”" in words
    assert (
        "from alert #" not in words
    )  # its alert is resolved: only the playbooks' action for now is left
    assert (
        "before the cancellation for the health now, from the playbooks: Cancellation requested"
        in words
    )
    again = client.post(
        f"/dashboard/alerts/{ids.acme_band}/resolve",
        data={"outcome": "churned"},
        headers=SAME_ORIGIN,
    )
    assert again.status_code == 409 and "is already resolved (saved, by manager-bot" in again.text
    bad = client.post(
        f"/dashboard/alerts/{ids.acme_signal}/resolve",
        data={"outcome": "won"},
        headers=SAME_ORIGIN,
    )
    assert bad.status_code == 422
    assert client.post("/dashboard/alerts/999/acknowledge", headers=SAME_ORIGIN).status_code == 404


def test_the_alerts_page_filters_and_a_rep_is_refused(site):
    sign_in, _, ids = site
    client = sign_in("crm")
    client.post(f"/dashboard/alerts/{ids.globex}/acknowledge", headers=SAME_ORIGIN)
    everything = client.get("/dashboard/alerts").text
    assert "3 alerts, newest first" in text(everything) and 'href="/dashboard/alerts"' in everything
    owners = re.search(r'<select name="owner">(.*?)</select>', everything, re.S)
    assert owners and re.findall(r"<option >(\w+)</option>", owners.group(1)) == ["dana", "lee"]
    dana = client.get("/dashboard/alerts", params={"owner": "dana"}).text
    assert "<option selected>dana</option>" in dana
    assert re.findall(r'id="alert-(\d+)"', dana) == [str(ids.acme_band), str(ids.acme_signal)]
    seen = client.get("/dashboard/alerts", params={"status": "acknowledged", "owner": ""}).text
    assert re.findall(r'id="alert-(\d+)"', seen) == [str(ids.globex)]
    assert "acknowledged by crm-bot" in text(seen) and 'class="ack"' not in seen
    rep = sign_in("rep")
    assert rep.get("/dashboard/alerts").status_code == 403
    assert (
        rep.post(
            f"/dashboard/alerts/{ids.globex}/resolve",
            data={"outcome": "saved"},
            headers=SAME_ORIGIN,
        ).status_code
        == 403
    )
    assert 'href="/dashboard/alerts"' not in rep.get("/dashboard/").text


def test_the_panels_helpers(site):
    _, store, _ = site
    history = load_history(store, "acme")
    assert history is not None
    lines = contact_lines(history, AS_OF)
    assert [c.contact.role for c in lines] == ["decision_maker", "champion", "admin"]
    assert lines[1].last_seen is None and lines[2].last_kind == "page_visit"
    later = contact_lines(history, datetime(2026, 12, 1, tzinfo=UTC))
    assert later[1].last_seen is not None  # Zoe's login has happened by then
    states = [invoice_state(i, AS_OF) for i in history.invoices]
    assert states == ["paid", "paid late", "failed"]
    early = datetime(2026, 9, 15, tzinfo=UTC)
    assert invoice_state(history.invoices[1], early) == "open"
    assert [s.score for s in seen_by(history.surveys, AS_OF, lambda s: s.responded_at)] == [2, 3, 9]
    assert recommended_action([]) is None
