"""What the dashboard's customer page (``/dashboard/customers/{id}``) reads (issue 19).

Where the stored state gives the whole window (the current evaluation stored, a stored evaluation in each
week of the chart, the window within the signals' horizon: what a running system or a book backfilled with
``callintel alert backfill --weeks 18`` has), the page reads it as the JSON timeline does
(api/timeline_read.py ``stored_state``) and, in the same read-only session, the account data, the contacts' last
logins (one grouped query) and the customer's newest alerts. Anywhere else it is the view as before
(api/queries.py ``customer_view``: the weeks no stored evaluation covers recomputed from a windowed history).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from api.account_view import ContactLine
from api.queries import CustomerView, contacts_in, known_history
from api.timeline_read import stored_entries, stored_state
from models.analysis import Alert
from models.history_repo import account_history
from models.risk_repo import AlertFilter, alerts_page
from models.store import Store
from risk.config import RiskConfig
from risk.playbooks import Playbooks, recommend

if TYPE_CHECKING:
    from api.service import Callintel

__all__ = ["ALERTS_SHOWN", "CustomerPage", "customer_page_reads", "stored_page"]

ALERTS_SHOWN = 20  # the page's newest alerts


@dataclass(frozen=True)
class CustomerPage:
    """The page's reads: the view (health, replay, timeline, account data), the newest alerts and the
    contacts' last logins (None: ``view.history`` holds every usage event, api/account_view.py
    ``contact_lines`` reads them from it)."""

    view: CustomerView
    alerts: list[Alert]
    contacts: list[ContactLine] | None


def customer_page_reads(
    callintel: Callintel, customer_id: str, moment: datetime, days: int
) -> CustomerPage:
    """The page from stored state (``stored_page``), else from the view (recomputing what is not stored)."""
    config = callintel.risk_config()
    playbooks = callintel.playbooks(config)
    found = stored_page(callintel.store, config, playbooks, customer_id, moment, days)
    if found is not None:
        return found
    view = callintel.customer(customer_id, moment, days, recompute=False)
    alerts = callintel.alerts(customer_id, ALERTS_SHOWN)
    contacts = None if view.whole_usage else callintel.contacts_seen(view.history, moment)
    return CustomerPage(view, alerts, contacts)


def stored_page(
    store: Store,
    config: RiskConfig,
    playbooks: Playbooks,
    customer_id: str,
    moment: datetime,
    days: int,
) -> CustomerPage | None:
    """The page over ``days`` up to ``moment`` in one read-only session (PostgreSQL's in autocommit, as the
    JSON timeline reads it: no BEGIN and no ROLLBACK round trips); None where the stored state does not give
    the window (api/timeline_read.py ``stored_state``)."""
    with store.reads() as session:
        account = known_history(account_history(session, customer_id), customer_id)
        state = stored_state(session.connection(), config, customer_id, moment, days, account)
        if state is None:
            return None
        contacts = contacts_in(session, account, moment)
        _, alerts = alerts_page(session, AlertFilter(customer_id), ALERTS_SHOWN, 0)
    now, history = state.health(), state.history  # the account data and the window's interactions
    entries = stored_entries(state, config, moment, days)
    advice = recommend(now, history, playbooks, config)
    view = CustomerView(history, now, state.points, entries, advice, whole_usage=False)
    return CustomerPage(view, alerts, contacts)
