"""Call metrics from a timed transcript: talk ratio, monologues, interactivity, patience, questions, fillers, pace.

Definitions (all from utterance times; an utterance is one speaker's turn or part of it):
- talk time: the sum of a role's utterance durations; talk ratio: its share of all talk time;
- longest monologue: the longest run of consecutive utterances by one speaker, first start to last end;
- interactivity: speaker switches per minute of the call;
- patience: the mean pause between a customer's utterance ending and the rep's next one starting;
- question rate: questions a role asks per minute of the call; filler rate: fillers per 100 words of the role;
- words per minute: a role's words over its own talk time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from models.analysis import CallMetrics
from models.records import Role, Transcript, Utterance
from nlp.discourse import discourse

__all__ = ["call_metrics"]


def _timed(transcript: Transcript) -> list[Utterance] | None:
    timed = [u for u in transcript.utterances if u.start_s is not None and u.end_s is not None]
    return timed if timed and len(timed) == len(transcript.utterances) else None


def _round(values: dict[Role, float], digits: int = 3) -> dict[Role, float]:
    return {role: round(value, digits) for role, value in sorted(values.items())}


def _monologue(utterances: Sequence[Utterance]) -> tuple[float, Role | None]:
    best, best_role = 0.0, None
    run_start = 0
    for i in range(1, len(utterances) + 1):
        if (
            i == len(utterances)
            or utterances[i].speaker.label != utterances[run_start].speaker.label
        ):
            length = utterances[i - 1].end_s - utterances[run_start].start_s  # type: ignore[operator]
            if length > best:
                best, best_role = length, utterances[run_start].speaker.role
            run_start = i
    return best, best_role


def _patience(utterances: Sequence[Utterance]) -> float | None:
    pauses = [
        max(0.0, after.start_s - before.end_s)  # type: ignore[operator]
        for before, after in zip(utterances, utterances[1:], strict=False)
        if before.speaker.role == "customer" and after.speaker.role == "rep"
    ]
    return round(sum(pauses) / len(pauses), 3) if pauses else None


def call_metrics(transcript: Transcript) -> CallMetrics | None:
    """The metrics of a call; None when the transcript has no times (a ticket, or untimed text)."""
    utterances = _timed(transcript)
    if utterances is None:
        return None
    utterances = sorted(utterances, key=lambda u: (u.start_s, u.index))
    span = max(u.end_s for u in utterances) - min(u.start_s for u in utterances)  # type: ignore[type-var,operator]
    duration = max(transcript.duration_s or 0.0, span)
    minutes = duration / 60 if duration > 0 else None
    talk: dict[Role, float] = defaultdict(float)
    words: dict[Role, int] = defaultdict(int)
    fillers: dict[Role, int] = defaultdict(int)
    questions: dict[Role, int] = defaultdict(int)
    text = discourse()
    for utterance, doc in zip(utterances, text.nlp.pipe(u.text for u in utterances), strict=True):
        role = utterance.speaker.role
        talk[role] += utterance.end_s - utterance.start_s  # type: ignore[operator]
        words[role] += text.words(doc)
        fillers[role] += text.filler_count(doc)
        questions[role] += len(text.questions(doc))
    total_talk = sum(talk.values())
    switches = sum(
        1
        for a, b in zip(utterances, utterances[1:], strict=False)
        if a.speaker.label != b.speaker.label
    )
    longest, longest_role = _monologue(utterances)
    return CallMetrics(
        interaction_id=transcript.interaction_id,
        duration_s=round(duration, 3),
        talk_time_s=_round(talk),
        talk_ratio=_round({r: t / total_talk for r, t in talk.items()} if total_talk else {}),
        longest_monologue_s=round(longest, 3),
        longest_monologue_role=longest_role,
        interactivity=round(switches / minutes, 3) if minutes else 0.0,
        patience_s=_patience(utterances),
        questions=dict(sorted(questions.items())),
        question_rate=_round({r: q / minutes for r, q in questions.items()} if minutes else {}),
        filler_rate=_round({r: 100 * fillers[r] / w for r, w in words.items() if w}, 2),
        words_per_minute=_round({r: words[r] / (t / 60) for r, t in talk.items() if t > 0}, 1),
    )
