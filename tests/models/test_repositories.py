"""The database object and its repositories: one operation across repositories is one transaction."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from models import interactions_repo, jobs_repo, tokens_repo, usage_repo
from models.database import Database
from models.errors import StoreError
from models.records import UsageEvent
from tests.models.test_store import make_call

pytestmark = pytest.mark.both_backends


def _event(customer: str = "acme") -> UsageEvent:
    return UsageEvent(
        customer_id=customer, kind="login", occurred_at=datetime(2026, 9, 2, tzinfo=UTC)
    )


def test_writes_through_several_repositories_commit_together(db_url, migrated_copy):
    database = Database(migrated_copy(db_url))
    interaction, transcript = make_call()
    with database.transaction() as session:
        interactions_repo.ensure_customers(session, {"acme": "Acme"})
        assert interactions_repo.add_interaction(session, interaction, transcript)
        assert usage_repo.add_usage_events(session, [_event()]) == 1
    with database.transaction() as session:
        stored = interactions_repo.get_interaction(session, interaction.id)
        assert stored is not None and stored.transcript == transcript
        assert usage_repo.list_usage_events(session, "acme") == [_event()]
        job = jobs_repo.get_job(session, interaction.id)
        assert job is not None and job.status == "queued"  # queued with it
        assert [c.name for c in interactions_repo.customer_counts(session)] == ["Acme"]
    database.close()


def test_a_failure_in_one_repository_rolls_back_the_others(db_url, migrated_copy):
    database = Database(migrated_copy(db_url))
    interaction, transcript = make_call(b"call-2")
    with pytest.raises(StoreError), database.transaction() as session:
        interactions_repo.ensure_customers(session, {"acme": None})
        interactions_repo.add_interaction(session, interaction, transcript)
        usage_repo.add_usage_events(session, [_event()])
        tokens_repo.add_token(session, "x", "manager", None, "ci_x", "h")
        tokens_repo.add_token(session, "y", "manager", None, "ci_y", "h")  # the same hash: refused
    with database.transaction() as session:
        assert interactions_repo.get_interaction(session, interaction.id) is None
        assert usage_repo.list_usage_events(session) == []
        assert tokens_repo.list_tokens(session) == []
        assert interactions_repo.customer_counts(session) == []
    database.close()
