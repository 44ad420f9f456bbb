"""Records, tables, settings, errors and the store: what every stage shares."""

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
