"""Stance features: is the utterance a question, a request, a complaint, a reassurance, about someone else?

MiniLM embeddings are dominated by topic ("price is fine" sits next to "price is
too high"); these few rule features carry the stance, and the trained heads
learn how much each matters per label. Each feature is 0 or 1.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

__all__ = ["STANCE_FEATURES", "StanceMatcher"]

QUESTION_STARTS = frozenset({"why", "how", "when", "what", "where", "who", "which", "can", "could", "would", "is", "are",
                             "does", "do", "did", "will", "should", "may"})

STANCE_PHRASES: dict[str, tuple[str, ...]] = {
    "request": ("please", "can you", "could you", "would you", "i'd like", "we'd like", "we need", "i need", "we want",
                "i want", "how do", "how can", "is there a way", "send me", "help us", "requesting", "kindly", "let us"),
    "reassurance": ("fine", "fair", "reasonable", "ok", "okay", "great", "good", "worth", "approved", "happy", "correct",
                    "thanks", "thank you", "perfect", "works", "no problem", "not a problem", "not an issue",
                    "not the issue", "no concern", "no concerns", "not worried", "not concerned", "same as",
                    "within budget", "all set", "no action", "no further action", "easy", "love", "confirmed", "renewing",
                    "expanding", "staying", "signed", "paid"),
    "complaint": ("too", "steep", "more than", "can't", "cannot", "won't", "never", "hard", "tough", "unacceptable",
                  "not sustainable", "struggle", "way above", "double", "twice", "wrong", "still", "haven't", "hasn't",
                  "doesn't match", "overcharged", "declined", "nobody", "no way", "unaffordable", "rich", "why",
                  "hard to justify", "not acceptable", "blew", "kills", "pushed back"),
    "about_others": ("our customers", "our clients", "our own", "prospects", "our client", "our customer",
                     "their customers", "our distributors", "our business", "we sell", "we bill", "we export"),
    "decision": ("decided", "decision", "going to", "plan to", "intend", "we will", "we'll", "after this",
                 "at the end of", "when the contract", "next year", "next month", "effective", "from now on", "anymore"),
    "comparison": ("than", "compared", "cheaper", "fraction", "under", "match", "versus", "vs"),
    # what an ending is about: our service with them, some other thing or contract, or a person
    "our_service": ("subscription", "licence", "licences", "license", "licenses", "seats", "with you", "your product",
                    "your tool", "your platform", "your service", "the platform", "this tool", "the tool", "workspace",
                    "auto-renew", "our plan", "the agreement", "our agreement", "our contract", "the contract"),
    "other_thing": ("meeting", "session", "sessions", "flight", "webinar", "invite", "training", "trip", "stand-up",
                    "check-in", "appointment", "conference", "trade show", "project", "office", "lease", "supplier",
                    "provider", "other vendor", "old crm", "holidays", "order", "pilot", "promotion", "phone system"),
    "person": ("colleague", "team lead", "head of", "intern", "director", "manager is", "reps are", "vp is", "he's",
               "she's", "is leaving", "are leaving", "left the company", "new job", "another job", "retiring",
               "paternity", "maternity", "parental leave"),
    "staying": ("renewing", "renew for", "renewed", "sign the renewal", "staying", "not going anywhere", "extend",
                "expanding", "another year", "another two years", "no one is talking about leaving"),
}
STANCE_FEATURES = ("question", *STANCE_PHRASES)


class StanceMatcher:
    def __init__(self, vocab, tokenize: Callable[[str], Doc]) -> None:
        self.matcher = PhraseMatcher(vocab, attr="LOWER")
        for name, phrases in STANCE_PHRASES.items():
            self.matcher.add(name, [tokenize(p) for p in phrases])

    def __call__(self, doc: Doc) -> np.ndarray:
        found = {doc.vocab.strings[m] for m, _, _ in self.matcher(doc)}
        words = [t for t in doc if not t.is_punct and not t.is_space]
        question = doc.text.rstrip().endswith("?") or bool(words and words[0].lower_ in QUESTION_STARTS)
        values = [question, *(name in found for name in STANCE_PHRASES)]
        return np.asarray(values, dtype=np.float32)
