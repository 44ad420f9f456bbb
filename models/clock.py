"""The one time formatter: a time into a recording (seconds from its start) as text.

    clock(7.9)                    -> "00:07"
    clock(725)                    -> "12:05"
    clock(3723)                   -> "1:02:03"
    clock(None)                   -> ""  (``unknown``, e.g. "--:--" in a summary)
    clock(3723.5, millis=",")     -> "01:02:03,500"  (SRT; "." for WebVTT and plain text)

The dashboard, the summary (CLI and API), risk explanations and the transcript exports all use it.
"""

from __future__ import annotations

__all__ = ["clock"]


def clock(seconds: float | None, *, unknown: str = "", millis: str | None = None) -> str:
    """``seconds`` as MM:SS (H:MM:SS past an hour), or with ``millis`` as HH:MM:SS<millis>mmm."""
    if seconds is None:
        return unknown
    if millis is not None:
        total = round(seconds * 1000)
        hours, rest = divmod(total, 3_600_000)
        minutes, rest = divmod(rest, 60_000)
        secs, ms = divmod(rest, 1000)
        return f"{hours:02d}:{minutes:02d}:{secs:02d}{millis}{ms:03d}"
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"
