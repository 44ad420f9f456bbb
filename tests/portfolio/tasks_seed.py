"""A small constructed book for the follow-up task tests: calls with summaries, accounts, health and alerts."""

from __future__ import annotations

from datetime import UTC, date, datetime

from models.analysis import NextStep, Summary
from models.records import Interaction, Role
from models.store import Store
from models.tables import AccountRow, AlertRow, HealthSnapshotRow

__all__ = ["call", "owner", "red_alert", "snapshot", "step", "summary"]


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def call(store: Store, customer: str, day: str, rep: str | None = "sam", text: str = "") -> str:
    """A stored call with the customer on ``day`` at 10:00 UTC; its id."""
    interaction = Interaction.from_content(
        f"{customer}{day}{rep}{text}".encode(),
        customer_id=customer,
        kind="call",
        occurred_at=at(day),
        source="x",
        rep=rep,
        title="Call",
    )
    store.save_interaction(interaction)
    return interaction.id


def step(index: int, commitment: str, due: date | None, role: Role = "rep") -> NextStep:
    return NextStep(
        utterance_index=index, speaker_role=role, text=commitment, commitment=commitment, due=due
    )


def summary(
    interaction_id: str, customer: str, steps: list[NextStep], rep: str | None = "sam"
) -> Summary:
    return Summary(
        interaction_id=interaction_id,
        kind="call",
        customer_id=customer,
        rep=rep,
        occurred_at=at("2026-10-01"),
        overview=[],
        key_moments=[],
        customer_questions=[],
        next_steps=steps,
    )


def owner(store: Store, customer: str, name: str) -> None:
    with store.transaction() as session:
        session.merge(AccountRow(customer_id=customer, owner=name))


def snapshot(store: Store, customer: str, day: str, band: str) -> None:
    with store.transaction() as session:
        session.add(
            HealthSnapshotRow(
                customer_id=customer,
                as_of=at(day),
                score=20.0 if band == "red" else 80.0,
                band=band,
                breakdown={},
            )
        )


def red_alert(
    store: Store, customer: str, day: str, owner: str | None = "dana", status: str = "open"
) -> int:
    """An alert raised on ``day`` at 10:00 UTC (the customer fell into red); its id."""
    with store.transaction() as session:
        row = AlertRow(
            key=f"{customer}:band:{day}",
            customer_id=customer,
            kind="band_changed",
            occurred_at=at(day),
            reason="Health fell to 20.0 (red)",
            band="red",
            score=20.0,
            owner=owner,
            status=status,
        )
        session.add(row)
        session.flush()
        return row.id
