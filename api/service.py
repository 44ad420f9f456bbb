"""``Callintel``: the library's one facade, which every front end drives.

It owns the settings, the store (opened on first use, closed with the facade unless it was handed one) and
the operations: ingest and analyse, the queries, risk, tokens, webhooks and jobs. The CLI (api/cli.py) and the
web app (api/app.py, its routes and the dashboard) are thin adapters over it, as datasette's CLI is over its
``Datasette`` class: they parse their arguments, call a method, and render what it returns. So the CLI and the
HTTP API answer the same question the same way (the rep email domains of an ``.eml``, a bare ``as_of`` date).

    with Callintel.open() as ci:            # CALLINTEL_* settings, CALLINTEL_DATABASE_URL's store
        ci.customers(ci.as_of("2026-10-31")).items
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, TypeVar

from api import moments
from api.auth import ApiToken, create_token, list_tokens, revoke_token, verify_token
from api.freshness import report_request
from api.moments import minute_of
from api.report_cache import ReportCache, file_stamp
from api.sessions import end_session, session_token, start_session
from ingest import FileOutcome, IngestDefaults, IngestReport, ingest_file, ingest_paths
from models import accounts_repo, queue, tasks
from models.accounts import Account, Contact
from models.accounts_repo import AccountBatch
from models.analysis import Alert
from models.current_health import Cursor
from models.errors import InputError, NotFound
from models.health_pages import HealthFilter
from models.interactions_repo import InteractionView
from models.keyset import NewestFirst, QueuePlace
from models.pages import FlagFilter, InteractionLine, Ranking, Slice, interactions_page
from models.queue import Comment, QueueState, Visibility
from models.queue_rank import queue_page
from models.records import Interaction, UsageEvent
from models.risk_lines import RiskLine, risk_page
from models.search_lines import SearchLine, SearchRow, search_lines, search_rows
from models.settings import Settings, get_settings
from models.store import BatchResult, FlaggedInteraction, Store, StoredInteraction
from models.tasks import Task, TaskFilter
from risk.config import RiskConfig, load_config
from risk.engine import Assessment, evaluate, list_alerts
from risk.health import Health
from risk.history import CustomerHistory, load_history

if TYPE_CHECKING:
    from api.account_view import AccountView, ContactLine
    from api.queries import AtRisk, CustomerView, StoredAccount
    from ingest import IngestItem, ParsedSource
    from nlp.tagger import Tagger
    from pipeline.queue import JobQueue
    from pipeline.runner import PoolReport
    from pipeline.stages import Engines
    from pipeline.webhooks import Delivery, DeliveryOutcome, Subscription
    from portfolio.churn import LostCustomer
    from portfolio.contact_records import ContactReport, ContactSummary, Period, RepDetail
    from portfolio.contact_report import CustomerFilter
    from portfolio.contact_rules import ContactRules
    from portfolio.rfm import CustomerSegment, SegmentFilter
    from portfolio.segments import SegmentConfig
    from portfolio.tasks import Reminders
    from portfolio.view import PortfolioView
    from risk.backtest import BacktestResult
    from risk.playbooks import Playbooks  # F
    from risk.refresh import Refreshed  # H

__all__ = ["Callintel", "rep_email_domains"]

T = TypeVar("T")


def rep_email_domains(settings: Settings) -> tuple[str, ...]:
    """CALLINTEL_REP_EMAIL_DOMAINS as lower-case domains: senders there are reps in ``.eml`` tickets."""
    return tuple(d.strip().lower() for d in settings.rep_email_domains.split(",") if d.strip())


class Callintel:
    """Settings, store and operations in one object; ``database_url`` overrides the settings' store."""

    def __init__(
        self,
        settings: Settings | None = None,
        store: Store | None = None,
        database_url: str | None = None,
    ) -> None:
        settings = settings or get_settings()
        if database_url:
            settings = settings.model_copy(update={"database_url": database_url})
        self.settings = settings
        self._store = store
        self._owns_store = store is None
        self._taggers: dict[str, Tagger] = {}
        self._reports = ReportCache(
            settings.report_cache, settings.report_stale_seconds
        )  # the book-wide reports' answers (api/report_cache.py)

    @classmethod
    @contextmanager
    def open(
        cls, database_url: str | None = None, settings: Settings | None = None
    ) -> Iterator[Callintel]:
        """A facade for one command: its store is closed when the block ends."""
        with cls(settings, database_url=database_url) as callintel:
            yield callintel

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store(self.settings.database_url)
        return self._store

    def close(self) -> None:
        """Close the store if this facade opened it (one handed in stays its owner's)."""
        if self._owns_store and self._store is not None:
            self._store.close()
            self._store = None

    def __enter__(self) -> Callintel:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # models, loaded on first use

    def tagger(self, catalogue: Path | None = None) -> Tagger:
        """The tagger (bundled MiniLM, CALLINTEL_COMPETITORS_FILE unless ``catalogue``), loaded once."""
        from nlp.tagger import Tagger

        key = str(catalogue or "")
        if key not in self._taggers:
            self._taggers[key] = Tagger.from_settings(self.settings, catalogue=catalogue)
        return self._taggers[key]

    # ingest and analyse

    def ingest_defaults(
        self, customer_id: str | None = None, rep: str | None = None
    ) -> IngestDefaults:
        """What the user gave for every file, with the settings' rep email domains: one rule for all ways in."""
        return IngestDefaults(
            customer_id, rep, rep_email_domains(self.settings), self.settings.max_line_chars
        )

    def ingest(
        self,
        paths: Iterable[Path],
        defaults: IngestDefaults,
        on_file: Callable[[FileOutcome], None] | None = None,
        on_total: Callable[[int], None] | None = None,
    ) -> IngestReport:
        """Ingest every file under ``paths``; bad files are outcomes, not errors."""
        return ingest_paths(paths, self.store, defaults, on_file=on_file, on_total=on_total)

    def ingest_one(
        self,
        path: Path,
        defaults: IngestDefaults,
        check: Callable[[ParsedSource], None] | None = None,
    ) -> FileOutcome:
        """Ingest one file (an upload), ``check``-ed before anything of it is stored."""
        return ingest_file(path, self.store, defaults, check=check)

    def analyse(
        self,
        workers: int | None = None,
        engines: Engines | None = None,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> PoolReport:
        """Run every pending job (default workers: CALLINTEL_WORKERS)."""
        from pipeline.runner import run_jobs

        count = workers or self.settings.workers
        return run_jobs(self.settings.database_url, self.settings, count, engines, on_progress)

    def dispatch(self, interaction_ids: list[str]) -> None:
        """Hand new jobs to the Celery workers (with a broker)."""
        from pipeline.distributed import dispatch

        dispatch(self.store, self.settings, interaction_ids)

    # interactions

    def resolve_interaction(self, given: str) -> str:
        """The stored interaction id that ``given`` names (whole, or an unambiguous prefix)."""
        matches = self.store.find_interaction_ids(given)
        if given in matches:
            return given
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise InputError(
                f"no interaction with id {given!r} (see 'callintel demo --keep FILE' or 'callintel ingest')"
            )
        raise InputError(f"{given!r} is ambiguous: {', '.join(matches[:5])}")

    def interaction(self, interaction_id: str) -> StoredInteraction | None:
        """One interaction with its transcript, tags and sentiments."""
        return self.store.get_interaction(interaction_id)

    def interaction_view(self, interaction_id: str) -> InteractionView | None:
        """What ``GET /api/interactions/{id}`` shows: the interaction with its transcript, tags and
        sentiments, its metrics and its summary, read together."""
        return self.store.interaction_view(interaction_id)

    def interactions_by_id(self, ids: set[str]) -> list[Interaction]:
        return self.store.list_interactions(ids=ids) if ids else []

    def search_lines(self, text: str, rep: str | None = None, limit: int = 50) -> list[SearchLine]:
        """``search``'s hits as the API's records, nothing more read (models/search_lines.py): what
        ``GET /api/search`` serialises as it is."""
        with self.store.reading() as connection:
            return search_lines(connection, text, rep, limit)

    def search_rows(self, text: str, rep: str | None = None, limit: int = 100) -> list[SearchRow]:
        """``search_lines``' hits with each one's interaction's time, customer and title: what the dashboard's
        search page draws (api/dashboard_search.py)."""
        with self.store.reading() as connection:
            return search_rows(connection, text, rep, limit)

    def save_usage(self, events: list[UsageEvent]) -> int:
        """Store usage events; how many were new (duplicates are skipped)."""
        return self.store.save_usage_events(events)

    def interactions(
        self,
        customer: str | None = None,
        kind: str | None = None,
        rep: str | None = None,
        limit: int = 50,
        offset: int = 0,
        cursor: NewestFirst | None = None,
    ) -> Slice[InteractionLine]:
        """One page of the interactions, newest first (filtered and paged by the database), after
        ``cursor`` (a page's ``next_cursor``) then ``offset``."""
        return interactions_page(self.store, customer, kind, rep, limit, offset, cursor)

    def flagged(
        self, wanted: FlagFilter, limit: int = 50, offset: int = 0, cursor: QueuePlace | None = None
    ) -> Slice[FlaggedInteraction]:
        """One page of the flagged queue, most severe first, narrowed by the filter (models/pages.py), after
        ``cursor`` (ranked at the cursor's moment) then ``offset``."""
        ranking = self.queue_ranking(cursor.as_of if cursor else None)
        return queue_page(self.store, wanted, limit, offset, ranking, cursor)

    # risk

    def as_of(self, value: str | datetime | None = None) -> datetime:
        """The moment to judge at: a date means its end (api/moments.py), None means CALLINTEL_RISK_AS_OF or now."""
        if value is None:
            return moments.configured_moment(self.settings)
        if isinstance(value, str):
            return moments.parse_moment(value, "--as-of")
        return moments.bounded_moment(value)

    def report_moment(self, value: str | datetime | None = None) -> datetime:
        """``as_of`` for the book-wide reports (portfolio, segments, contacts): "now" (nothing given and
        CALLINTEL_RISK_AS_OF unset) is rounded down to its minute, so that a report is reused within it."""
        if value is None and self.settings.risk_as_of is None:
            return minute_of()
        return self.as_of(value)

    def risk_config(self) -> RiskConfig:
        """CALLINTEL_RISK_CONFIG (read each time: an edit applies to the next question)."""
        return load_config(self.settings.risk_config)

    def customers(
        self,
        moment: datetime,
        band: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        recompute: bool = False,
        owner: str | None = None,
        cursor: Cursor | None = None,
    ) -> Slice[tuple[AtRisk, Health]]:
        """The at-risk list, riskiest first (only ``band`` and ``owner``'s; one page, after ``cursor`` then
        ``offset``): read from the stored health, each customer's latest evaluation at or before ``moment``
        (api/queries.py stored_customers); with ``recompute``, every customer's health recomputed at
        ``moment`` from their history (slow at size)."""
        from api.queries import customers_by_risk, recomputed_page, stored_customers

        wanted = HealthFilter(band, owner)
        if not recompute:
            return stored_customers(self.store, moment, wanted, limit, offset, cursor)
        rated = customers_by_risk(self.store, moment, self.risk_config(), wanted)
        return recomputed_page(rated, limit, offset, cursor)

    def risk_lines(
        self,
        moment: datetime,
        band: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        owner: str | None = None,
        cursor: Cursor | None = None,
    ) -> Slice[RiskLine]:
        """The stored at-risk list of ``customers`` (the same page) as the API's records, nothing more read
        (models/risk_lines.py): what ``GET /api/customers`` serialises as it is."""
        return risk_page(self.store, moment, HealthFilter(band, owner), limit, offset, cursor)

    def customer(
        self, customer_id: str, moment: datetime, days: int, recompute: bool = True
    ) -> CustomerView:
        """One customer's health, weekly replay and timeline over ``days``; NotFound if none. The health and
        replay recomputed from the history, or (``recompute`` False) read from the stored evaluations."""
        from api.queries import customer_view

        config = self.risk_config()
        return customer_view(
            self.store, config, customer_id, moment, days, self.playbooks(config), recompute
        )

    def evaluate(self, moment: datetime, customer_id: str | None = None) -> list[Assessment]:
        """Assess and record every customer (or one): health, signals, new alerts."""
        wanted = [customer_id] if customer_id else None
        config = self.risk_config()
        return evaluate(self.store, config, moment, wanted, self.playbooks(config))

    def alerts(self, customer_id: str | None = None, limit: int = 100) -> list[Alert]:
        """Stored alerts, newest first."""
        return list_alerts(self.store, customer_id, limit)

    # tokens

    def create_token(self, role: str, name: str, rep: str | None = None) -> tuple[ApiToken, str]:
        """A new token and its secret (shown once)."""
        return create_token(self.store, role, name, rep)

    def tokens(self) -> list[ApiToken]:
        return list_tokens(self.store)

    def revoke_token(self, token_id: int) -> None:
        """Revoke a live token; InputError if there is none with that id."""
        if not revoke_token(self.store, token_id):
            raise InputError(f"no live token with id {token_id} (see 'callintel token list')")

    def verify_token(self, secret: str) -> ApiToken | None:
        return verify_token(self.store, secret)

    def start_session(self, token: ApiToken) -> str:
        """A dashboard session for ``token``: its secret, for the cookie."""
        return start_session(self.store, token, self.settings)

    def session_token(self, secret: str) -> ApiToken | None:
        """The token of the live session with this secret, or None."""
        return session_token(self.store, secret, self.settings)

    def end_session(self, secret: str) -> None:
        end_session(self.store, secret)

    # webhooks

    def add_webhook(
        self, url: str, events: list[str], secret: str | None = None
    ) -> tuple[int, str]:
        """Subscribe ``url`` to ``events``; its id and signing secret."""
        from pipeline.webhooks import add_subscription

        return add_subscription(self.store, url, events, secret, settings=self.settings)

    def webhooks(self) -> list[Subscription]:
        from pipeline.webhooks import list_subscriptions

        return list_subscriptions(self.store)

    def remove_webhook(self, subscription_id: int) -> None:
        from pipeline.webhooks import remove_subscription

        remove_subscription(self.store, subscription_id)

    def deliveries(
        self, status: str | None = None, subscription_id: int | None = None, limit: int = 50
    ) -> list[Delivery]:
        from pipeline.webhooks import list_deliveries

        return list_deliveries(self.store, status, subscription_id, limit)

    def retry_delivery(self, delivery_id: int) -> Delivery:
        from pipeline.webhooks import retry_delivery

        return retry_delivery(self.store, delivery_id)

    def deliver_due(self) -> DeliveryOutcome:
        from pipeline.webhooks import deliver_due

        return deliver_due(self.store, self.settings)

    # jobs

    def jobs(self) -> JobQueue:
        """The pipeline's job queue, with the settings' lease and attempts."""
        from pipeline.queue import JobQueue

        return JobQueue(self.store, self.settings.job_lease_s, self.settings.max_attempts)

    # -- engineer A: account data (models/accounts_repo.py, ingest/accounts.py, api/routes_accounts.py) --------

    def account_view(
        self, customer_id: str, moment: datetime | None = None, recompute: bool = True
    ) -> AccountView:
        """One customer's account, contacts (with their last login), invoices, commercial events and survey
        responses; with its health at ``moment`` when one is given (recomputed, or with ``recompute`` False
        the stored evaluation, api/queries.py stored_health, where there is one by ``moment``). NotFound if
        there is no such customer."""
        from api.account_view import account_view
        from api.queries import stored_health
        from risk.health import health

        history = load_history(self.store, customer_id)
        if history is None:
            raise NotFound("customer", customer_id)
        with self.store.transaction() as session:
            links = accounts_repo.survey_interactions(session, customer_id)
        rated = None
        if moment is not None and not recompute:
            rated = stored_health(self.store, customer_id, moment)
        if moment is not None and (
            rated is None or rated.score is None
        ):  # never evaluated: recomputed
            rated = health(history, moment, self.risk_config())
        return account_view(history, links, rated, moment)

    def create_customer(self, account: Account, contacts: Sequence[Contact] = ()) -> AccountView:
        """A new customer with its account and contacts; Conflict (409) if it exists."""
        with self.store.transaction() as session:
            accounts_repo.create_account(session, account, contacts)
        return self.account_view(account.customer_id)

    def update_account(self, account: Account) -> AccountView:
        """Write the fields ``account`` was given (others keep their value); NotFound if no such customer."""
        with self.store.transaction() as session:
            if not accounts_repo.customer_exists(session, account.customer_id):
                raise NotFound("customer", account.customer_id)
            accounts_repo.upsert_accounts(session, [account])
        return self.account_view(account.customer_id)

    def set_status(
        self,
        customer_id: str,
        status: str,
        at: datetime | None = None,
        reason: str | None = None,
    ) -> AccountView:
        """A customer's lifecycle status, dated ``at`` (default now), with its reason."""
        with self.store.transaction() as session:
            accounts_repo.set_status(session, customer_id, status, at, reason)
        return self.account_view(customer_id)

    def replace_contacts(self, customer_id: str, contacts: Sequence[Contact]) -> AccountView:
        """The customer's contacts become exactly ``contacts``."""
        with self.store.transaction() as session:
            accounts_repo.replace_contacts(session, customer_id, contacts)
        return self.account_view(customer_id)

    def save_account_data(
        self, batch: AccountBatch, tickets: Sequence[IngestItem] = ()
    ) -> BatchResult:
        """Store a batch of account data (and its survey comments' tickets) in one transaction; customers are
        created if missing. Duplicates are skipped, upserts count only rows created or changed."""
        return self.store.save_batch(tickets, (), batch)

    # D: the alert lifecycle (risk/alerts.py) and the alert list with its filters

    def alerts_page(
        self,
        status: str | None = None,
        owner: str | None = None,
        customer_id: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> Slice[Alert]:
        """One page of the stored alerts, newest first, narrowed by status, owner and customer."""
        from risk.engine import AlertFilter, alerts_page

        return alerts_page(self.store, AlertFilter(customer_id, status, owner), limit, offset)

    def alert_owners(self) -> list[str]:
        """The owners named on stored alerts, sorted."""
        from risk.engine import alert_owners

        return alert_owners(self.store)

    def alert(self, alert_id: int) -> Alert:
        """One stored alert; NotFound if there is none with this id."""
        from risk.alerts import get_alert

        return get_alert(self.store, alert_id)

    def acknowledge_alert(self, alert_id: int, by: str) -> Alert:
        """Acknowledge an alert (NotFound, or Conflict if it is resolved); emits ``alert.acknowledged``."""
        from risk.alerts import acknowledge_alert

        return acknowledge_alert(self.store, alert_id, by)

    def resolve_alert(self, alert_id: int, outcome: str, by: str, note: str | None = None) -> Alert:
        """Resolve an alert with an outcome and a note (Conflict if it already is); emits ``alert.resolved``."""
        from risk.alerts import resolve_alert

        return resolve_alert(self.store, alert_id, outcome, by, note)

    # -- backtest (risk/backtest.py, api/backtest_commands.py) --

    def backtest(
        self, horizon_days: float = 60, start: datetime | None = None, end: datetime | None = None
    ) -> BacktestResult:
        """Replay every stored customer weekly over [start, end] (default: the span of the data) with the risk
        engine and measure its warnings against the churned accounts (risk/backtest.py); InputError when the
        store holds nothing to replay."""
        from risk.backtest import backtest, default_window, engine_judge
        from risk.history import load_histories

        histories = load_histories(self.store)
        window = default_window(histories)
        if window is None:
            raise InputError(
                "nothing to backtest: the store holds no customer data (see 'callintel ingest')"
            )
        first, last = start or window[0], end or window[1]
        if last < first:
            raise InputError(
                f"the backtest window is empty: it ends ({last:%Y-%m-%d}) before it starts ({first:%Y-%m-%d})"
            )
        return backtest(histories, engine_judge(self.risk_config()), first, last, horizon_days)

    # -- I: the managers' queue workflow (models/pages.py ranking, models/queue.py) --

    def queue_ranking(self, moment: datetime | None = None) -> Ranking:
        """How the flagged queue ranks: risk.yaml's ``tags:`` weights and ``half_life_days``, as of ``moment``
        (None: CALLINTEL_RISK_AS_OF or now)."""
        config = self.risk_config()
        weights = {label: rule.weight for label, rule in config.tags.items()}
        return Ranking(weights, config.half_life_days, self.as_of(moment))

    def queue_state(self, interaction_id: str) -> QueueState:
        """Whether the call is reviewed and who it is assigned to."""
        return queue.queue_state(self.store, interaction_id)

    def review(self, interaction_id: str, by: str, reviewed: bool = True) -> QueueState:
        """Mark a call reviewed (it leaves the queue) or unreviewed; Conflict if it already is."""
        return queue.review(self.store, interaction_id, by, reviewed)

    def assign(self, interaction_id: str, assignee: str | None) -> QueueState:
        """Assign a call to a rep (None: unassign); Conflict if it already is."""
        return queue.assign(self.store, interaction_id, assignee)

    def comment(
        self, interaction_id: str, author: str, role: str, body: str, visibility: Visibility
    ) -> Comment:
        """Add a comment to a call (``managers``: hidden from reps)."""
        return queue.add_comment(self.store, interaction_id, author, role, body, visibility)

    def comments(self, interaction_id: str, managers: bool) -> list[Comment]:
        """A call's comments, oldest first; reps (managers=False) do not see ``managers`` ones."""
        return queue.comments(self.store, interaction_id, managers)

    def call_comments(self, interaction_id: str, managers: bool) -> queue.CallComments | None:
        """``comments`` with the call's rep and assignee, in one read; None when there is no such call."""
        return queue.call_comments(self.store, interaction_id, managers)

    # -- C: portfolio analytics (portfolio/: churn trend and reasons, RFM segments; api/portfolio_commands.py) --

    def segments_config(self) -> SegmentConfig:
        """CALLINTEL_SEGMENTS_CONFIG, or the bundled portfolio/data/segments.yaml (read again when it changes)."""
        from portfolio.segments import load_segments

        return load_segments(self.settings.segments_config)

    def portfolio(self, moment: datetime, months: int = 12) -> PortfolioView:
        """The book at ``moment``: churn trend over ``months`` months and their quarters, the active customers by
        health band and segment, the top churn reasons."""
        from portfolio.view import portfolio_view

        def compute() -> PortfolioView:
            config = self.segments_config()
            with self.store.transaction() as session:
                return portfolio_view(session, config, moment, months)

        return self._report(("portfolio", months), moment, compute)

    def segments(
        self, moment: datetime, wanted: SegmentFilter, limit: int = 50, offset: int = 0
    ) -> Slice[CustomerSegment]:
        """The active customers with their RFM scores, segment, band and tags, most valuable first, narrowed by
        ``wanted`` (InputError naming the filter for an unknown segment, band or tag)."""
        from portfolio.rfm import segment_page

        def compute() -> Slice[CustomerSegment]:
            config = self.segments_config()
            wanted.check(config)
            with self.store.transaction() as session:
                total, rows = segment_page(session, config, moment, wanted, limit, offset)
            return Slice(total, rows)

        return self._report(("segments", wanted, limit, offset), moment, compute)

    def value_segments(self, moment: datetime) -> dict[str, str]:
        """Each active customer's RFM value segment at ``moment`` (customer id -> segment name)."""
        from portfolio.rfm import value_segments

        def compute() -> dict[str, str]:
            with self.store.transaction() as session:
                return value_segments(session, self.segments_config(), moment)

        return dict(
            self._report(("value_segments",), moment, compute)
        )  # a copy: the caller's to change

    def churned(self, moment: datetime, month: str) -> list[LostCustomer]:
        """The customers churned in ``month`` (YYYY-MM), the rows behind its churn rate; InputError naming
        the month when it is not one."""
        from portfolio.churn import churned_in, month_period

        try:
            period = month_period(month)
        except ValueError as exc:
            raise InputError(f"month: {exc}") from None
        with self.store.transaction() as session:
            return churned_in(session, period, moment)

    # D: contact frequency per customer, channel and rep (portfolio/contact_report.py)

    def contact_rules(self) -> ContactRules:
        """CALLINTEL_CONTACTS_CONFIG, or the bundled portfolio/data/contacts.yaml (read each time)."""
        from portfolio.contact_rules import load_rules

        return load_rules(self.settings.contacts_config)

    def contacts(
        self,
        moment: datetime,
        period: Period | None = None,
        rep: str | None = None,
        customer: str | None = None,
        limit: int = 100,
        offset: int = 0,
        segments: Mapping[str, str | None] | None = None,
        wanted: CustomerFilter | None = None,
    ) -> ContactReport:
        """Contact frequency at ``moment``: per channel, rep and customer (neglected first, paged), each customer
        against its segment's norm (``segments``: customer -> segment, default the accounts' ``segment``), and by
        segment and health band (``wanted``: only these customers listed); NotFound for an unknown customer."""
        from portfolio.contact_report import contact_report

        def compute() -> ContactReport:
            rules = self.contact_rules()
            return contact_report(
                self.store, rules, moment, period, rep, customer, limit, offset, segments, wanted
            )

        given = None if segments is None else tuple(segments.items())
        key = ("contacts", period, rep, customer, limit, offset, given, wanted)
        return self._report(key, moment, compute)

    def rep_contacts(
        self, rep: str, moment: datetime, period: Period | None = None, limit: int = 200
    ) -> RepDetail:
        """One rep's contact totals, their customers and their contacts in the window (empty for a stranger)."""
        from portfolio.contact_report import rep_detail

        def compute() -> RepDetail:
            return rep_detail(self.store, self.contact_rules(), moment, rep, period, limit)

        return self._report(("rep_contacts", rep, period, limit), moment, compute)

    # -- E: follow-up tasks (models/tasks.py records, portfolio/tasks.py rules) --

    def tasks_page(self, wanted: TaskFilter, limit: int = 50, offset: int = 0) -> Slice[Task]:
        """One page of the follow-up tasks, soonest due first, narrowed by owner, customer, status, overdue."""
        return tasks.tasks_page(self.store, wanted, limit, offset)

    def task(self, task_id: int) -> Task:
        """One stored task; NotFound if there is none with this id."""
        return tasks.get_task(self.store, task_id)

    def task_owners(self) -> list[str]:
        """The owners named on stored tasks, sorted."""
        return tasks.task_owners(self.store)

    def finish_task(self, task_id: int, by: str, note: str | None = None) -> Task:
        """Mark a task done (Conflict if it already is)."""
        return tasks.set_status(self.store, task_id, True, by, note)

    def reopen_task(self, task_id: int, by: str) -> Task:
        """Open a done task again (Conflict if it is open)."""
        return tasks.set_status(self.store, task_id, False, by)

    def sync_tasks(self) -> int:
        """Make the tasks of every stored summary (a store analysed before tasks existed); how many were new."""
        from portfolio.tasks import sync_from_summaries

        return sync_from_summaries(self.store)

    def raise_reminders(self, moment: datetime) -> Reminders:
        """Reach-out tasks for red customers left alone and a reminder (task.overdue) per newly overdue task,
        as of ``moment``, CALLINTEL_REMINDER_DAYS after an alert."""
        from portfolio.tasks import raise_reminders

        return raise_reminders(self.store, moment, self.settings.reminder_days)

    # -- H: the incremental risk refresh (risk/refresh.py) --

    def refresh_risk(self, moment: datetime, full: bool = False) -> Refreshed:
        """Evaluate the customers whose data changed or who were not evaluated on ``moment``'s day yet (all
        of them with ``full``), in bounded batches: health, signals, new alerts."""
        from risk.refresh import refresh

        config = self.risk_config()
        return refresh(self.store, config, moment, full, playbooks=self.playbooks(config))

    # -- F: the Portfolio page's contact summary (portfolio/contact_report.py); CALLINTEL_RISK_PLAYBOOKS --

    def contact_summary(self, moment: datetime, period: Period | None = None) -> ContactSummary:
        """``contacts(moment, period).summary()``: each segment's norm and each rep's contacts per period, read
        without the per-contact figures of the whole report."""
        from portfolio.contact_report import contact_summary

        def compute() -> ContactSummary:
            return contact_summary(self.store, self.contact_rules(), moment, period)

        return self._report(("contact_summary", period), moment, compute)

    def _report(self, asked: tuple[Hashable, ...], moment: datetime, compute: Callable[[], T]) -> T:
        """A book-wide report's answer (``compute``'s) through the cache (api/report_cache.py): its slot is what
        was asked and the moment, "now" (the current minute, CALLINTEL_RISK_AS_OF unset) standing for every
        minute; it is current for the store's version, the stamps of the configuration files the reports read
        and, asked for now, the minute. A web request (api/freshness.py) may get a stale one and is told so."""
        if self._reports.size <= 0:
            return compute()
        now = self.settings.risk_as_of is None and moment == minute_of()
        fresh = (moment if now else None, self.store.store_version(), self._config_stamps())
        request = report_request()
        answer, served = self._reports.answer(
            (asked, None if now else moment),
            fresh,
            compute,
            stale_ok=request is not None and request.accept_stale,
        )
        if request is not None:
            request.served.append(served)
        return answer

    def _config_stamps(self) -> tuple[tuple[int, int] | None, ...]:
        from portfolio.contact_rules import DEFAULT_RULES
        from portfolio.segments import DEFAULT_SEGMENTS

        configs = (
            self.settings.segments_config or DEFAULT_SEGMENTS,
            self.settings.contacts_config or DEFAULT_RULES,
        )
        return tuple(file_stamp(Path(path)) for path in configs)

    @property
    def report_cache(self) -> ReportCache:
        """The book-wide reports' cache (its counters, ``settle`` for its background computations)."""
        return self._reports

    def playbooks(self, config: RiskConfig | None = None) -> Playbooks:
        """CALLINTEL_RISK_PLAYBOOKS's playbooks (the bundled ones when unset), checked against ``config`` (the
        configured risk rules when None); read each time, as the risk configuration is."""
        from risk.playbooks import load_playbooks

        return load_playbooks(self.settings.risk_playbooks, config or self.risk_config())

    # -- B: the customer page read from stored state (issue 19; api/queries.py stored_account) --

    def customer_account(
        self, customer_id: str, moment: datetime, recompute: bool = False
    ) -> AccountView:
        """``account_view`` at ``moment`` as ``GET /api/customers/{id}`` shows it (``customer_detail``), its
        stored health as a Health (api/queries.py stored_health)."""
        from api.queries import StoredAccount, stored_health

        found = self.customer_detail(customer_id, moment, recompute)
        if isinstance(found, StoredAccount):
            return replace(found.view, health=stored_health(self.store, customer_id, moment))
        return found

    def customer_detail(
        self, customer_id: str, moment: datetime, recompute: bool = False
    ) -> StoredAccount | AccountView:
        """What ``GET /api/customers/{id}`` shows: from the stored evaluation (a StoredAccount: the evaluation
        as the at-risk list's record), the account data and one grouped query for the contacts' last logins,
        with nothing of the history loaded; recomputed (``account_view``) when asked or when the customer
        has no stored evaluation."""
        from api.queries import stored_account

        found = None if recompute else stored_account(self.store, customer_id, moment)
        return found or self.account_view(customer_id, moment, recompute=True)

    def contacts_seen(self, history: CustomerHistory, moment: datetime) -> list[ContactLine]:
        """``history``'s contacts with their last login by ``moment``, by one grouped query."""
        from api.queries import contacts_seen

        return contacts_seen(self.store, history, moment)
