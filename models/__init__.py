"""Records, tables, settings, errors and the store: what every stage shares.

The names below are imported on first use (PEP 562), so that ``import models.errors``
does not import the store, SQLAlchemy and Alembic: commands that never open the
store (``callintel tag``, ``--help``) start faster.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from models.errors import (
        CallintelError,
        ConfigError,
        InputError,
        MalformedSource,
        ModelUnavailable,
        SourceNotFound,
        StoreError,
        UnreadableSource,
        UnsupportedSource,
    )
    from models.records import (
        TAG_LABELS,
        Customer,
        Interaction,
        RiskSignal,
        Sentiment,
        Speaker,
        Tag,
        Transcript,
        UsageEvent,
        Utterance,
        Word,
    )
    from models.settings import Settings, get_settings
    from models.store import CustomerCounts, Store, StoredInteraction

_HOMES = {
    "errors": (
        "CallintelError ConfigError InputError MalformedSource ModelUnavailable SourceNotFound "
        "StoreError UnreadableSource UnsupportedSource"
    ),
    "records": "TAG_LABELS Customer Interaction RiskSignal Sentiment Speaker Tag Transcript UsageEvent Utterance Word",
    "settings": "Settings get_settings",
    "store": "CustomerCounts Store StoredInteraction",
}
_HOME_OF = {name: home for home, names in _HOMES.items() for name in names.split()}


def __getattr__(name: str) -> Any:
    home = _HOME_OF.get(name)
    if home is None:
        raise AttributeError(f"module 'models' has no attribute {name!r}")
    return getattr(import_module(f"models.{home}"), name)


__all__ = [
    "TAG_LABELS",
    "CallintelError",
    "ConfigError",
    "Customer",
    "CustomerCounts",
    "InputError",
    "Interaction",
    "MalformedSource",
    "ModelUnavailable",
    "RiskSignal",
    "Sentiment",
    "Settings",
    "SourceNotFound",
    "Speaker",
    "Store",
    "StoreError",
    "StoredInteraction",
    "Tag",
    "Transcript",
    "UnreadableSource",
    "UnsupportedSource",
    "UsageEvent",
    "Utterance",
    "Word",
    "get_settings",
]
