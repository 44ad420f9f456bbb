"""Keyset paging of the interaction list and the flagged queue (issue 19): walking the pages by their cursors
gives exactly the whole list, ties included, on both backends; a queue cursor keeps its ranking moment; the
API's pages have clean edges (the last page, an empty page, forged and malformed cursors) and an unchanged
body; the cursor tokens read back only what a page wrote (models/keyset.py)."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.service import Callintel
from models import keyset
from models.current_health import Cursor
from models.keyset import NewestFirst, QueuePlace
from models.pages import FlagFilter, Slice, flagged_page, interactions_page
from models.records import Interaction, Speaker, Tag, Transcript, Utterance
from models.settings import Settings
from models.store import Store
from tests.models.test_pages import FILTERS, RANKING, START, _call, _key

pytestmark = pytest.mark.both_backends
TIE = START + timedelta(days=3)


def _twin(n: int) -> tuple[Interaction, Transcript, list[Tag]]:
    """A call at the same moment as its twins, with the same customer flag: ties in every sort key but id."""
    interaction = Interaction.from_content(
        f"twin-{n}".encode(),
        customer_id="acme",
        kind="call",
        rep="sam",
        occurred_at=TIE,
        source="t",
    )
    speaker = Speaker(role="customer", label="C")
    said = Utterance(index=0, speaker=speaker, start_s=0, end_s=1, text="Too pricey.")
    tag = Tag(label="price_objection", score=0.9, start=0, end=3, evidence="Too", utterance_index=0)
    transcript = Transcript(interaction_id=interaction.id, engine="import", utterances=[said])
    return interaction, transcript, [tag]


def _fill(store: Store) -> Store:
    rng = random.Random(14)
    for made in [_call(n, rng) for n in range(40)] + [_twin(n) for n in range(5)]:
        store.save_interaction(*made)
    return store


@pytest.fixture
def filled(store: Store) -> Store:
    return _fill(store)


def _walk(read: Callable[[Any], Slice[Any]], decode: Callable[[str], Any]) -> list[Slice[Any]]:
    """Every page, each after the last one's cursor, until a page gives none."""
    pages = [read(None)]
    while pages[-1].next_cursor is not None:
        pages.append(read(decode(pages[-1].next_cursor)))
    return pages


@pytest.mark.parametrize(
    "customer, kind, rep", [(None, None, None), ("acme", None, None), (None, "call", "sam"), (None, "ticket", None)]
)  # fmt: skip
def test_the_interaction_pages_by_cursor_are_the_whole_list(filled: Store, customer, kind, rep):
    whole = interactions_page(filled, customer, kind, rep, limit=1000)
    assert whole.next_cursor is None  # not a full page
    pages = _walk(
        lambda after: interactions_page(filled, customer, kind, rep, 3, cursor=after),
        NewestFirst.decode,
    )
    assert [i.id for p in pages for i in p.items] == [i.id for i in whole.items]
    assert {p.total for p in pages} == {whole.total}
    assert len(pages[-1].items) < 3  # the last: short (empty after a full one)
    first = pages[0].next_cursor
    assert first is not None
    shifted = interactions_page(filled, customer, kind, rep, 2, 1, NewestFirst.decode(first))
    assert [i.id for i in shifted.items] == [i.id for i in whole.items][4:6]  # cursor, then offset


@pytest.mark.parametrize("wanted", FILTERS)
def test_the_queue_pages_by_cursor_are_the_whole_queue(filled: Store, wanted: FlagFilter):
    whole = flagged_page(filled, wanted, limit=None, ranking=RANKING)
    pages = _walk(
        lambda after: flagged_page(filled, wanted, 4, ranking=RANKING, cursor=after),
        QueuePlace.decode,
    )
    assert [_key(r) for p in pages for r in p.items] == [_key(r) for r in whole.items]
    assert [r.severity for p in pages for r in p.items] == [r.severity for r in whole.items]


def test_a_queue_cursor_ranks_the_next_page_at_its_own_moment(filled: Store):
    whole = flagged_page(filled, FlagFilter(), limit=None, ranking=RANKING)
    first = flagged_page(filled, FlagFilter(), 5, ranking=RANKING)
    assert first.next_cursor is not None
    place = QueuePlace.decode(first.next_cursor)
    assert place.as_of == RANKING.as_of
    later = RANKING.__class__(
        RANKING.weights, RANKING.half_life_days, RANKING.as_of + timedelta(days=9)
    )
    rest = flagged_page(filled, FlagFilter(), None, ranking=later, cursor=place)
    assert [_key(r) for r in first.items + rest.items] == [_key(r) for r in whole.items]


def _get(client: TestClient, path: str, auth: dict[str, str], **params: Any) -> Any:
    return client.get(path, params=params, headers=auth)


def _ids(answer: Any) -> list[str]:
    items = answer.json()["items"]
    return [(i.get("interaction") or i)["id"] for i in items]


FORGED = {  # well formed, after every row: an empty page
    "/api/interactions": NewestFirst(datetime(1990, 1, 1, tzinfo=UTC), "").encode(),
    "/api/queue": QueuePlace(RANKING.as_of, -1.0, 0, TIE, "zzz").encode(),
}
MALFORMED = [
    "x",
    "bm90IGpzb24",  # "not json"
    "WzEsMiwzXQ",  # [1,2,3]
    keyset.encode(["2026-09-01T00:00:00", "a"]),  # a moment without its zone
    keyset.encode(["2026-09-01T00:00:00+00:00", "a\x00"]),  # PostgreSQL stores no NUL
    keyset.encode(["3000-01-01T00:00:00+00:00", 1.0, 1, "2026-09-01T00:00:00+00:00", "a"]),
    Cursor(0, 0.0, 0.0, "a").encode(),  # the at-risk list's, not these lists'
    "!" * 2000,
]


@pytest.mark.parametrize("path", ["/api/interactions", "/api/queue"])
def test_the_api_pages_by_cursor_with_clean_edges(db_url: str, tmp_path: Path, path: str):
    callintel = Callintel(Settings(database_url=db_url, upload_dir=tmp_path / "up"))
    _fill(callintel.store)
    with callintel, TestClient(create_app(callintel.settings, callintel.store)) as client:
        auth = {"Authorization": f"Bearer {callintel.create_token('manager', 'm')[1]}"}
        whole = _get(client, path, auth, limit=500)
        everyone, total = _ids(whole), whole.json()["total"]
        assert 10 < len(everyone) == total and "X-Next-Cursor" not in whole.headers
        seen, answer = [], _get(client, path, auth, limit=7)
        while True:
            assert answer.status_code == 200 and set(answer.json()) == {
                "total",
                "limit",
                "offset",
                "items",
            }
            seen += _ids(answer)
            if "X-Next-Cursor" not in answer.headers:
                break
            answer = _get(client, path, auth, limit=7, cursor=answer.headers["X-Next-Cursor"])
        assert seen == everyone and 0 <= len(_ids(answer)) < 7
        exact = _get(
            client, path, auth, limit=total
        )  # full, so it has a cursor: the next page is empty
        empty = _get(client, path, auth, limit=5, cursor=exact.headers["X-Next-Cursor"])
        assert empty.status_code == 200 and _ids(empty) == [] and empty.json()["total"] == total
        assert "X-Next-Cursor" not in empty.headers
        assert (
            _ids(_get(client, path, auth, limit=4, offset=3)) == everyone[3:7]
        )  # offset still works
        assert _ids(_get(client, path, auth, cursor=FORGED[path])) == []
        for bad in MALFORMED:
            refused = _get(client, path, auth, cursor=bad)
            assert refused.status_code == 422, bad
            assert refused.json()["message"].startswith("query.cursor"), refused.json()


@pytest.mark.parametrize(
    "kinds, values",
    [
        ((int, float, float, str), [1, 2.5, 0.0, "acme"]),
        ((datetime, str), [datetime(2026, 9, 1, 10, 30, 0, 123456, tzinfo=UTC), "id"]),
        ((float, int), [1e-300, 7]),
    ],
)
def test_a_token_reads_back_only_what_it_holds(kinds, values):
    token = keyset.encode(values)
    assert keyset.decode(token, kinds) == values
    with pytest.raises(ValueError, match="not a cursor"):
        keyset.decode(token, (*kinds, str))  # one key too few
    with pytest.raises(ValueError, match="not a cursor"):
        keyset.decode(token, tuple(reversed(kinds)))
    wrongs: list[list[int | float | str]] = [[True, 1.0], [float("inf"), 1], ["", 1], [1, 1.5]]
    for wrong in wrongs:
        with pytest.raises(ValueError, match="not a cursor"):
            keyset.decode(keyset.encode(wrong), (int, int))
