"""The webhook outbox, now in models/webhooks_repo.py: these names are imported from here by risk/ and
portfolio/ (and tests), which move to ``models.webhooks_repo`` next; new code imports it directly."""

from models.webhooks_repo import EVENT_TYPES, EventType, emit, emit_many

__all__ = ["EVENT_TYPES", "EventType", "emit", "emit_many"]
