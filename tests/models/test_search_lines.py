"""Search's records (models/search_lines.py) are search_utterances' hits: the same utterances in the same
order for any words, rep and limit, each shape's statement built once and given each search's values; and
``GET /api/search`` answers the JSON the ``SearchHit`` response models gave, with the same headers (both
backends)."""

from __future__ import annotations

import json
from dataclasses import astuple

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.schemas import SearchHit
from api.service import Callintel
from models.search_lines import _statement, search_lines, search_rows
from models.settings import Settings
from models.store import Store
from tests.models.test_query_plans import plan
from tests.models.test_search import _call

pytestmark = pytest.mark.both_backends
ASKS = [  # (text, rep, limit)
    ("gong", None, 50),
    ("GONG", None, 1),  # the same shape, other values
    ("pric", None, 50),  # a word's start
    ("too HIGH", None, 50),  # every word
    ("gong", "sam", 50),
    ("gong", "dana", 50),
    ("zoë", None, 50),
    ("東京", None, 50),
    ('"export" AND (now)', None, 50),  # not query syntax
    ("nothing-like-it", "sam", 5),
    ("-- !!", None, 50),  # no words
]


def _book(store: Store) -> None:
    _call(store, "old", 1, ["Gong is cheaper.", "Nothing here.", 'Zoë said "export" AND (now)'])
    lines = ["We looked at GONG last week.", "The pricing is too high.", "東京 office, gong again"]
    _call(store, "new", 5, lines, rep="dana")


def test_the_records_are_the_hits_of_search_utterances(store: Store):
    _book(store)
    for text, rep, limit in ASKS:
        hits = store.search_utterances(text, rep, limit)
        expected = [(i, u.index, u.start_s, u.speaker.role, u.text) for i, u in hits]
        with store.reading() as connection:
            found = search_lines(connection, text, rep, limit)
        assert [astuple(line) for line in found] == expected, (text, rep, limit)
    assert any(store.search_utterances(text, rep, limit) for text, rep, limit in ASKS)


def test_the_rows_are_the_hits_with_their_interactions(store: Store):
    """The dashboard's rows (``search_rows``): search_utterances' hits, in its order, each with the time,
    customer and title of its ``Interaction`` record."""
    _book(store)
    for text, rep, limit in ASKS:
        hits = store.search_utterances(text, rep, limit)
        records = {i.id: i for i in store.list_interactions(ids={i for i, _ in hits})}
        expected = [
            (i, u.index, u.start_s, u.speaker.role, u.text)
            + (records[i].occurred_at, records[i].customer_id, records[i].title)
            for i, u in hits
        ]
        with store.reading() as connection:
            found = search_rows(connection, text, rep, limit)
        assert [astuple(row) for row in found] == expected, (text, rep, limit)


def test_the_route_answers_the_response_models_json(store: Store, tmp_path):
    _book(store)
    callintel = Callintel(Settings(database_url=store.url, upload_dir=tmp_path), store)
    with TestClient(create_app(callintel.settings, store)) as client:
        auth = {"Authorization": f"Bearer {callintel.create_token('manager', 'm')[1]}"}
        for text, _, limit in ASKS:
            answer = client.get("/api/search", params={"q": text, "limit": limit}, headers=auth)
            models = [
                SearchHit(
                    interaction_id=i,
                    utterance_index=u.index,
                    start_s=u.start_s,
                    speaker_role=u.speaker.role,
                    text=u.text,
                ).model_dump(mode="json")
                for i, u in store.search_utterances(text, None, limit)
            ]  # what FastAPI wrote from the response models: Starlette's JSONResponse
            body = json.dumps(models, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
            assert answer.content == body.encode(), text
            assert answer.headers["content-type"] == "application/json"


@pytest.mark.parametrize("rep", [None, "sam"])
@pytest.mark.parametrize("rows", [False, True])
def test_the_records_statement_goes_through_the_full_text_index(store: Store, rep, rows):
    _book(store)
    found = plan(store, _statement(store.engine.dialect.name, rep, rows))
    if store.engine.dialect.name == "sqlite":
        assert "utterances_fts VIRTUAL TABLE INDEX" in found, found
    else:
        assert "ix_utterances_fts" in found, found
