"""``callintel queue``: the flagged-call queue, most severe first, as a table or JSON lines."""

from __future__ import annotations

from dataclasses import asdict

from api import render
from api.schemas import FlaggedItem, SeverityOut
from api.service import Callintel
from models.errors import InputError
from models.pages import FlagFilter
from models.records import TAG_LABELS
from models.store import FlaggedInteraction


def queue_json(row: FlaggedInteraction) -> str:
    """One queue row as the HTTP API's ``/api/queue`` item, on one line."""
    severity = SeverityOut(**asdict(row.severity)) if row.severity else None
    item = FlaggedItem(
        interaction=row.interaction,
        label_counts=row.label_counts,
        top=row.top,
        severity=severity,
        assignee=row.assignee,
        reviewed_at=row.reviewed_at,
        reviewed_by=row.reviewed_by,
    )
    return item.model_dump_json()


def run_queue(
    callintel: Callintel,
    wanted: FlagFilter,
    as_of: str | None,
    limit: int,
    json_output: bool,
) -> None:
    """Print the queue ranked as of ``as_of`` (None: CALLINTEL_RISK_AS_OF or now)."""
    if wanted.label is not None and wanted.label not in TAG_LABELS:
        raise InputError(
            f"--label: unknown label {wanted.label!r} (one of {', '.join(TAG_LABELS)})"
        )
    from models.pages import flagged_page

    ranking = callintel.queue_ranking(callintel.as_of(as_of))
    page = flagged_page(callintel.store, wanted, limit, 0, ranking)
    if json_output:
        for row in page.items:
            render.stdout.print(queue_json(row), markup=False, highlight=False, soft_wrap=True)
        return
    noun = wanted.kind or "interaction"
    title = f"Flagged-{noun} queue ({page.total}, most severe first)"
    render.stdout.print(render.flagged_table(page.items, title=title, noun=noun))
