"""Deciding who is the rep on a mono recording, from what is said.

The rep opens and steers a sales call: greets, thanks the other side for their
time, introduces themselves and their company. Among the turns of the first
minute, the label whose text has the most such cues is the rep; the other label
is the customer. With no cue, or a tie, roles stay ``unknown``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from models.records import Speaker, Utterance

__all__ = ["REP_CUES", "assign_roles"]

REP_CUES = re.compile(
    r"\b(thanks? (you )?for (joining|taking|making time|your time|hopping on)|"
    r"this is \w+ (from|with|at)|my name is|i'm \w+ (from|with)|calling from|"
    r"welcome( aboard)?|let me (share|introduce|walk)|agenda|how can i help|"
    r"what prompted you|tell me (a bit )?about)\b",
    re.IGNORECASE,
)
OPENING_S = 60.0


def assign_roles(utterances: Sequence[Utterance], rep_label: str | None = None) -> list[Utterance]:
    """Return the utterances with roles set where the opening makes the rep clear.

    ``rep_label`` (e.g. "SPEAKER_1") overrides the cues: that label is the rep, every other the customer.
    """
    if any(u.speaker.role != "unknown" for u in utterances):
        return list(utterances)
    if rep_label is not None:
        return _with_rep(utterances, rep_label)
    labels = {u.speaker.label for u in utterances}
    if len(labels) != 2:
        return list(utterances)
    scores: Counter[str] = Counter()
    for utterance in utterances:
        if (utterance.start_s or 0.0) <= OPENING_S:
            scores[utterance.speaker.label] += len(REP_CUES.findall(utterance.text))
    ranked = scores.most_common()
    if not ranked or ranked[0][1] == 0 or (len(ranked) > 1 and ranked[0][1] == ranked[1][1]):
        return list(utterances)
    return _with_rep(utterances, ranked[0][0])


def _with_rep(utterances: Sequence[Utterance], rep: str) -> list[Utterance]:
    return [
        u.model_copy(
            update={
                "speaker": Speaker(
                    role="rep" if u.speaker.label == rep else "customer", label=u.speaker.label
                )
            }
        )
        for u in utterances
    ]
