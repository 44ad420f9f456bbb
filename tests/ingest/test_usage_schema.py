"""One usage-event schema (models.records.UsageEvent): the file readers and the API validate with it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from api.schemas import UsageEventIn
from ingest import IngestDefaults, read_source
from models.errors import MalformedSource
from models.records import UsageEvent

GOOD = {"customer_id": "acme", "kind": "login", "occurred_at": "2026-09-02T08:00:00"}
BAD = [
    ("customer_id", "c" * 129),
    ("kind", ""),
    ("kind", "k" * 65),
    ("occurred_at", "yesterday"),
    ("properties", [1, 2]),
]


def test_the_api_schema_is_the_record_schema() -> None:
    assert issubclass(UsageEventIn, UsageEvent)
    assert list(UsageEventIn.model_fields) == list(UsageEvent.model_fields)
    for name in ("customer_id", "kind", "properties"):
        assert repr(UsageEventIn.model_fields[name]) == repr(UsageEvent.model_fields[name])


@pytest.mark.parametrize(("field", "value"), BAD)
def test_a_field_the_record_refuses_is_refused_by_the_api_and_the_readers(
    write_json, field, value
) -> None:
    event = {**GOOD, field: value, "extra": "ignored"}
    with pytest.raises(ValidationError):
        UsageEventIn.model_validate(event)
    with pytest.raises(MalformedSource, match=f"line 1: {field}"):
        read_source(write_json("usage.jsonl", [event]))


def test_a_good_event_reads_alike_from_a_file_and_the_api(write_json) -> None:
    event = {**GOOD, "properties": {"seats": 3}, "extra": "ignored"}
    (read,) = read_source(write_json("usage.jsonl", [event])).usage_events
    taken = UsageEvent(**UsageEventIn.model_validate(event).model_dump())
    assert read == taken and read.dedup_key() == taken.dedup_key()
    (other,) = read_source(
        write_json("other.jsonl", [event]), IngestDefaults(customer_id="globex")
    ).usage_events
    assert other.customer_id == "globex"
