from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select

from models import convert
from models.errors import StoreError
from models.records import Interaction, Sentiment, Speaker, Tag, Transcript, UsageEvent, Utterance
from models.store import Store
from models.tables import Base, CustomerRow, InteractionRow, UtteranceRow, include_object
from tests.helpers import known

pytestmark = pytest.mark.both_backends


def make_call(content: bytes = b"call-1", customer: str = "acme") -> tuple[Interaction, Transcript]:
    interaction = Interaction.from_content(
        content,
        customer_id=customer,
        kind="call",
        occurred_at=datetime(2026, 9, 1, 10),
        source="x.json",
    )
    transcript = Transcript(
        interaction_id=interaction.id,
        engine="import",
        utterances=[
            Utterance(
                index=0, speaker=Speaker(role="rep", label="REP"), start_s=0, end_s=1, text="Hello."
            ),
            Utterance(
                index=1,
                speaker=Speaker(role="customer", label="CUSTOMER"),
                start_s=1,
                end_s=3,
                text="Too pricey.",
            ),
        ],
    )
    return interaction, transcript


@pytest.mark.filterwarnings(
    "ignore:Skipped unsupported reflection of expression-based index"
)  # 0016
def test_migrations_build_exactly_the_table_models(store: Store):
    with store.engine.connect() as connection:
        diff = compare_metadata(
            MigrationContext.configure(connection, opts={"include_object": include_object}),
            Base.metadata,
        )
    assert diff == []
    assert {"customers", "interactions", "utterances", "tags", "usage_events"} <= set(
        inspect(store.engine).get_table_names()
    )


def test_migrate_is_idempotent(db_url: str):
    Store(db_url).close()
    with Store(db_url) as again:
        again.migrate()
        assert again.list_interactions() == []


def test_round_trip_keeps_every_field(store: Store):
    interaction, transcript = make_call()
    tag = Tag(
        label="price_objection",
        score=0.9,
        start=0,
        end=11,
        evidence="Too pricey.",
        utterance_index=1,
        speaker_role="customer",
    )
    sentiments = [Sentiment(label="neutral", score=0.8), Sentiment(label="negative", score=0.7)]
    assert store.save_interaction(interaction, transcript, [tag], sentiments, customer_name="Acme")
    stored = known(store.get_interaction(interaction.id))
    assert stored.interaction == interaction
    assert stored.transcript == transcript
    assert stored.tags == [tag.model_copy(update={"interaction_id": interaction.id})]
    assert stored.sentiments == sentiments
    assert stored.interaction.occurred_at.tzinfo == UTC


def test_same_content_twice_is_a_no_op(store: Store):
    interaction, transcript = make_call()
    assert store.save_interaction(interaction, transcript) is True
    assert store.save_interaction(interaction, transcript) is False
    with store.transaction() as session:
        assert session.scalar(select(func.count()).select_from(InteractionRow)) == 1
        assert session.scalar(select(func.count()).select_from(UtteranceRow)) == 2


def test_crash_mid_write_leaves_nothing(store: Store, monkeypatch: pytest.MonkeyPatch):
    interaction, transcript = make_call()

    def explode(*args, **kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr(convert, "utterance_rows", explode)
    with pytest.raises(RuntimeError):
        store.save_interaction(interaction, transcript)
    with store.transaction() as session:
        assert session.scalar(select(func.count()).select_from(InteractionRow)) == 0
        assert session.scalar(select(func.count()).select_from(CustomerRow)) == 0
    monkeypatch.undo()
    assert store.save_interaction(interaction, transcript) is True


@pytest.mark.filterwarnings("ignore:New instance")
def test_batch_is_all_or_nothing(store: Store):
    first, t1 = make_call(b"one")
    second, t2 = make_call(b"two")
    bad = second.model_copy(update={"id": first.id})  # primary-key clash inside the batch

    class Item:
        def __init__(self, i, t):
            self.interaction, self.transcript, self.customer_name = i, t, None

    with pytest.raises(StoreError):
        store.save_batch([Item(first, t1), Item(bad, t2)])
    assert store.list_interactions() == []


def test_usage_events_are_stored_once(store: Store):
    events = [
        UsageEvent(customer_id="acme", kind="login", occurred_at=datetime(2026, 9, day, tzinfo=UTC))
        for day in (1, 2, 2)
    ]
    assert store.save_usage_events(events) == 2
    assert store.save_usage_events(events) == 0
    assert [e.occurred_at.day for e in store.list_usage_events("acme")] == [1, 2]
    assert store.customer_counts()[0].usage_events == 2


def test_replace_analysis_is_rerunnable(store: Store):
    interaction, transcript = make_call()
    store.save_interaction(interaction, transcript)
    tag = Tag(label="price_objection", score=0.9, start=0, end=3, evidence="Too", utterance_index=1)
    for _ in range(2):
        store.replace_analysis(
            interaction.id, [tag], [None, Sentiment(label="negative", score=0.6)]
        )
    stored = known(store.get_interaction(interaction.id))
    assert len(stored.tags) == 1 and known(stored.sentiments[1]).label == "negative"


@pytest.mark.parametrize("url", ["not a url", "nosuchdialect://x"])
def test_bad_database_url_is_a_store_error(url: str):
    with pytest.raises(StoreError):
        Store(url)


def test_unwritable_database_location_is_a_store_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot create the database folder"):
        Store(f"sqlite:///{blocker}/sub/db.sqlite")


def test_flagged_queue_puts_the_strongest_first(store: Store):
    calm, t1 = make_call(b"calm")
    hot, t2 = make_call(b"hot")
    store.save_interaction(
        calm, t1, [Tag(label="billing_question", score=0.7, start=0, end=3, evidence="Too")]
    )
    store.save_interaction(
        hot,
        t2,
        [
            Tag(
                label="price_objection",
                score=0.95,
                start=0,
                end=3,
                evidence="Too",
                utterance_index=1,
            ),
            Tag(
                label="price_objection",
                score=0.9,
                start=4,
                end=10,
                evidence="pricey",
                utterance_index=1,
            ),
        ],
    )
    queue = store.flagged_queue()
    assert [row.interaction.id for row in queue] == [hot.id, calm.id]
    assert queue[0].label_counts == {"price_objection": 2} and queue[0].top.score == 0.95
    assert (
        store.flagged_queue(min_score=0.8)[0].interaction.id == hot.id
        and len(store.flagged_queue(min_score=0.8)) == 1
    )
    assert store.flagged_queue(kind="ticket") == []


def _open_store(url: str, barrier) -> None:
    barrier.wait(60)  # all at once on the database nobody has migrated yet
    Store(url).close()


@pytest.mark.slow  # spawned processes that import the whole stack
@pytest.mark.filterwarnings(
    "ignore:Skipped unsupported reflection of expression-based index"
)  # 0016
def test_processes_opening_a_new_database_together_take_turns_migrating(db_url: str):
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(4)
    processes = [context.Process(target=_open_store, args=(db_url, barrier)) for _ in range(4)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(60)
    assert [p.exitcode for p in processes] == [0, 0, 0, 0]
    with Store(db_url, migrate=False) as store, store.engine.connect() as connection:
        assert (
            compare_metadata(
                MigrationContext.configure(connection, opts={"include_object": include_object}),
                Base.metadata,
            )
            == []
        )


def test_interactions_by_id_and_the_reps_named(store):
    made = []
    for n, (rep, kind) in enumerate(
        (("sam", "call"), ("dana", "call"), (None, "call"), ("sam", "call"), ("lee", "ticket"))
    ):
        interaction, transcript = make_call(f"call-{n}".encode())
        interaction = interaction.model_copy(update={"rep": rep, "kind": kind})
        store.save_interaction(interaction, transcript)
        made.append(interaction.id)
    # same time: in id order
    assert [i.id for i in store.list_interactions(ids={made[0], made[2]})] == sorted(
        [made[0], made[2]]
    )
    assert store.list_interactions(ids=set()) == []
    assert store.list_reps() == ["dana", "lee", "sam"]
    assert store.list_reps("call") == ["dana", "sam"] and store.list_reps("ticket") == ["lee"]
    assert store.list_reps("email") == []


def test_a_new_database_and_its_folder_are_private(tmp_path):
    url = f"sqlite:///{tmp_path / 'new' / 'folder' / 'callintel.db'}"
    interaction, transcript = make_call()
    with Store(url) as store:
        store.save_interaction(
            interaction, transcript
        )  # the -wal and -shm files exist while it is open
        modes = {p.name: p.stat().st_mode & 0o777 for p in (tmp_path / "new" / "folder").iterdir()}
    assert (tmp_path / "new" / "folder").stat().st_mode & 0o777 == 0o700
    assert {"callintel.db", "callintel.db-wal", "callintel.db-shm", "callintel.db.lock"} <= set(
        modes
    )
    assert set(modes.values()) == {0o600}, modes


def test_an_existing_folder_keeps_its_mode(tmp_path):
    (tmp_path / "shared").mkdir(mode=0o755)
    Store(f"sqlite:///{tmp_path / 'shared' / 'db.sqlite'}").close()
    assert (tmp_path / "shared").stat().st_mode & 0o777 == 0o755


def test_a_batch_names_a_new_customer_from_any_item(store: Store):
    class Item:
        def __init__(self, content: bytes, name: str | None):
            self.interaction, self.transcript = make_call(content, customer="newco")
            self.customer_name = name

    store.save_batch([Item(b"one", "NewCo Ltd"), Item(b"two", None)])
    store.save_batch([Item(b"three", "Renamed")])  # a name, once given, stays
    assert [(c.customer_id, c.name, c.calls) for c in store.customer_counts()] == [
        ("newco", "NewCo Ltd", 3)
    ]
