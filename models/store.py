"""``Store``: the database (models/database.py) with one-call reads and writes over the repositories.

Each method below is one transaction around a repository function (``models/interactions_repo.py``,
``models/usage_repo.py``, ``models/accounts_repo.py``); code that must write several things in one transaction
(a pipeline stage with its job's progress) opens ``store.transaction()`` and calls the repositories itself.
Every write commits whole or not at all; re-ingesting content whose sha256 is stored is a no-op.

The names that lived here before the split are still importable from here (``StoredInteraction``,
``FlaggedInteraction``, ``search_query``, ``USAGE_BATCH``, ``rowcount`` ...); their homes are the modules above.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from models import interactions_repo as interactions
from models import usage_repo as usage
from models.accounts_repo import AccountBatch, AccountCounts, save_account_batch
from models.analysis import CallMetrics, Summary
from models.database import BUSY_TIMEOUT_MS, Database, batched, describe_error, rowcount
from models.interactions_repo import (
    CustomerCounts,
    FlaggedInteraction,
    NewInteraction,
    Severity,
    StoredInteraction,
    search_query,
    search_words,
)
from models.records import Interaction, Sentiment, Tag, Transcript, UsageEvent, Utterance
from models.usage_repo import USAGE_BATCH

__all__ = [
    "BUSY_TIMEOUT_MS",
    "USAGE_BATCH",
    "BatchResult",
    "CustomerCounts",
    "FlaggedInteraction",
    "NewInteraction",
    "Severity",
    "Store",
    "StoredInteraction",
    "batched",
    "describe_error",
    "rowcount",
    "search_query",
    "search_words",
]


@dataclass(frozen=True)
class BatchResult:
    created: list[str]
    skipped: int
    usage_events: int
    accounts: AccountCounts = AccountCounts()


class Store(Database):
    """Typed records in, typed records out; SQLite or PostgreSQL behind one URL."""

    # -- writes -------------------------------------------------------------------------

    def save_interaction(
        self,
        interaction: Interaction,
        transcript: Transcript | None = None,
        tags: Sequence[Tag] = (),
        sentiments: Sequence[Sentiment | None] = (),
        customer_name: str | None = None,
    ) -> bool:
        """Store an interaction with its transcript; False when its content is already stored."""
        with self.transaction() as session:
            interactions.ensure_customers(session, {interaction.customer_id: customer_name})
            return interactions.add_interaction(session, interaction, transcript, tags, sentiments)

    def save_batch(
        self,
        items: Sequence[NewInteraction],
        usage_events: Sequence[UsageEvent] = (),
        accounts: AccountBatch = AccountBatch(),
    ) -> BatchResult:
        """Store interactions, usage events and account data (models/accounts_repo.py) from one source in a
        single transaction; a survey comment's ticket is among ``items``, linked by ``accounts.survey_links``.

        Safe under concurrency: processes storing the same content race on the database's unique sha256, and
        exactly one creates it; the others find it already stored. Rows are written in a fixed order (customers
        by id, interactions by sha256) so that two transactions never wait on each other in a cycle.
        """
        with self.transaction() as session:
            more = [*(event.customer_id for event in usage_events), *accounts.customer_ids()]
            interactions.ensure_customers(session, interactions.customer_names(items), more)
            ordered = sorted(items, key=lambda item: item.interaction.sha256)
            new = {
                item.interaction.id
                for item in ordered
                if interactions.add_interaction(session, item.interaction, item.transcript)
            }
            events = usage.add_usage_events(session, usage_events)
            counts = save_account_batch(session, accounts)
        created = [item.interaction.id for item in items if item.interaction.id in new]
        return BatchResult(created, len(items) - len(created), events, counts)

    def replace_analysis(
        self, interaction_id: str, tags: Sequence[Tag], sentiments: Sequence[Sentiment | None]
    ) -> None:
        """Replace an interaction's tags and utterance sentiments in one transaction (re-runnable)."""
        with self.transaction() as session:
            interactions.put_analysis(session, interaction_id, tags, sentiments)

    # Writers inside a caller's transaction: the repository's, under their old names.
    put_transcript = staticmethod(interactions.put_transcript)
    put_analysis = staticmethod(interactions.put_analysis)
    put_metrics = staticmethod(interactions.put_metrics)
    put_summary = staticmethod(interactions.put_summary)

    def save_usage_events(self, events: Iterable[UsageEvent]) -> int:
        """Store usage events, skipping ones already stored; returns how many were new."""
        events = list(events)
        with self.transaction() as session:
            interactions.ensure_customers(session, {}, (event.customer_id for event in events))
            return usage.add_usage_events(session, events)

    # -- reads --------------------------------------------------------------------------

    def get_interaction(self, interaction_id: str) -> StoredInteraction | None:
        with self.reads() as session:
            return interactions.get_interaction(session, interaction_id)

    def interaction_view(self, interaction_id: str) -> interactions.InteractionView | None:
        """The interaction with its transcript, tags, sentiments, metrics and summary, in one transaction."""
        with self.reads() as session:
            return interactions.interaction_view(session, interaction_id)

    def get_metrics(self, interaction_id: str) -> CallMetrics | None:
        with self.transaction() as session:
            return interactions.get_metrics(session, interaction_id)

    def get_summary(self, interaction_id: str) -> Summary | None:
        with self.transaction() as session:
            return interactions.get_summary(session, interaction_id)

    def latest_event_time(self) -> datetime | None:
        """When the newest interaction or usage event happened (None in an empty store)."""
        with self.transaction() as session:
            latest = [
                interactions.latest_interaction_time(session),
                usage.latest_usage_time(session),
            ]
        times = [t.replace(tzinfo=UTC) if t.tzinfo is None else t for t in latest if t is not None]
        return max(times, default=None)

    def search_utterances(
        self, text: str, rep: str | None = None, limit: int = 50
    ) -> list[tuple[str, Utterance]]:
        """(interaction id, utterance) holding every word of ``text`` (see interactions_repo), newest first."""
        with self.transaction() as session:
            return interactions.search_utterances(session, text, rep, limit)

    def find_interaction_ids(self, prefix: str) -> list[str]:
        """Stored interaction ids starting with ``prefix`` (users type a few characters of an id)."""
        with self.transaction() as session:
            return interactions.find_interaction_ids(session, prefix)

    def list_interactions(
        self,
        customer_id: str | None = None,
        kind: str | None = None,
        ids: Iterable[str] | None = None,
    ) -> list[Interaction]:
        """Interactions in time order, of one customer, one kind or with these ids (all when none is given)."""
        with self.transaction() as session:
            return interactions.list_interactions(session, customer_id, kind, ids)

    def list_reps(self, kind: str | None = None) -> list[str]:
        """The reps named on interactions (of one kind), sorted."""
        with self.transaction() as session:
            return interactions.list_reps(session, kind)

    def list_usage_events(self, customer_id: str | None = None) -> list[UsageEvent]:
        with self.transaction() as session:
            return usage.list_usage_events(session, customer_id)

    def flagged_queue(
        self, kind: str | None = "call", min_score: float = 0.0, limit: int = 50
    ) -> list[FlaggedInteraction]:
        """Interactions with customer tags, strongest first (see interactions_repo.flagged_queue)."""
        with self.transaction() as session:
            return interactions.flagged_queue(session, kind, min_score, limit)

    def customer_counts(self) -> list[CustomerCounts]:
        """Per customer: calls, tickets and usage events stored, ordered by id."""
        with self.transaction() as session:
            return interactions.customer_counts(session)
