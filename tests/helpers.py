"""Helpers shared by tests (fixtures live in conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass


def call_doc(customer: str = "acme", **extra) -> dict:
    doc = {
        "customer_id": customer,
        "occurred_at": "2026-09-01T10:00:00Z",
        "rep": "dana",
        "title": "Check-in",
        "utterances": [
            {"speaker": "rep", "start_s": 0.0, "end_s": 2.0, "text": "Hi, thanks for joining."},
            {"speaker": "customer", "start_s": 2.5, "end_s": 5.0, "text": "This is too expensive for us."},
        ],
    }
    doc.update(extra)
    return doc


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


def one_line_error(run: Run) -> str:
    """The stderr of a failed run: exactly one line, no traceback."""
    assert run.returncode != 0, run
    lines = run.stderr.strip().splitlines()
    assert "Traceback" not in run.stderr
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("callintel: ")
    return lines[0]
