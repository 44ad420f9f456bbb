"""The post-call summary as Markdown, for a rep to read or paste into the CRM."""

from __future__ import annotations

from collections.abc import Mapping

from models.analysis import CallMetrics, Summary
from models.clock import clock
from models.records import Role, label_name

__all__ = ["to_markdown"]


def _at(seconds: float | None) -> str:
    return clock(seconds, unknown="--:--")


def _percent(values: Mapping[Role, float]) -> str:
    return ", ".join(f"{role} {value:.0%}" for role, value in values.items()) or "n/a"


def _metrics(m: CallMetrics) -> list[str]:
    patience = f"{m.patience_s:.1f} s" if m.patience_s is not None else "n/a"
    return [
        "## Call metrics",
        "",
        f"- Duration: {_at(m.duration_s)}; talk ratio: {_percent(m.talk_ratio)}",
        f"- Longest monologue: {m.longest_monologue_s:.0f} s ({m.longest_monologue_role or 'n/a'})",
        f"- Interactivity: {m.interactivity:.1f} switches/min; patience: {patience}",
        "- Questions: " + (", ".join(f"{r} {n}" for r, n in m.questions.items()) or "none"),
        "- Words per minute: "
        + (", ".join(f"{r} {v:.0f}" for r, v in m.words_per_minute.items()) or "n/a"),
        "- Fillers per 100 words: "
        + (", ".join(f"{r} {v:.1f}" for r, v in m.filler_rate.items()) or "n/a"),
        "",
    ]


def to_markdown(summary: Summary) -> str:
    s = summary
    title = s.title or ("Call" if s.kind == "call" else "Ticket")
    lines = [
        f"# {title}",
        "",
        f"{s.kind.capitalize()} with **{s.customer_id}**"
        + (f", rep {s.rep}" if s.rep else "")
        + f", {s.occurred_at:%Y-%m-%d %H:%M} UTC (`{s.interaction_id}`)",
        "",
        *([f"**Outcome:** {s.outcome}", ""] if s.outcome else []),
        "## Summary",
        "",
    ]
    lines += [f"- [{_at(m.start_s)}] {m.speaker_role}: {m.text}" for m in s.overview] or [
        "- (too short to summarise)"
    ]
    lines += ["", "## Key moments", ""]
    for k in s.key_moments:
        name = (
            label_name(k.kind)
            + (f" ({k.entity})" if k.entity else "")
            + (f" ({k.detail})" if k.detail else "")
        )
        lines.append(
            f'- [{_at(k.start_s)}] **{name}**, {k.speaker_role}: "{k.text}" (evidence: "{k.evidence}", '
            f"score {k.score:.2f})"
        )
    if not s.key_moments:
        lines.append("- none flagged")
    lines += ["", "## Customer questions", ""]
    lines += [f"- [{_at(q.start_s)}] {q.text}" for q in s.customer_questions] or ["- none"]
    lines += ["", "## Next steps", ""]
    lines += [
        f"- [ ] {n.commitment} ({n.speaker_role}"
        + (f", due {n.due:%a %Y-%m-%d}" if n.due else "")
        + ")"
        for n in s.next_steps
    ] or ["- none agreed"]
    lines.append("")
    if s.metrics is not None:
        lines += _metrics(s.metrics)
    return "\n".join(lines)
