"""Stance features: is the utterance a question, a request, a complaint, a reassurance, about someone else?

MiniLM embeddings are dominated by topic ("price is fine" sits next to "price is
too high"); these few rule features carry the stance, and the trained heads
learn how much each matters per label. Each feature is 0 or 1.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from nlp.discourse import asks

__all__ = ["STANCE_FEATURES", "StanceMatcher"]

STANCE_PHRASES: dict[str, tuple[str, ...]] = {
    "request": (
        "please",
        "can you",
        "could you",
        "would you",
        "i'd like",
        "we'd like",
        "we need",
        "i need",
        "we want",
        "i want",
        "how do",
        "how can",
        "is there a way",
        "send me",
        "help us",
        "requesting",
        "kindly",
        "let us",
    ),
    "reassurance": (
        "fine",
        "fair",
        "reasonable",
        "ok",
        "okay",
        "great",
        "good",
        "worth",
        "approved",
        "happy",
        "correct",
        "thanks",
        "thank you",
        "perfect",
        "works",
        "no problem",
        "not a problem",
        "not an issue",
        "not the issue",
        "no concern",
        "no concerns",
        "not worried",
        "not concerned",
        "same as",
        "within budget",
        "all set",
        "no action",
        "no further action",
        "easy",
        "love",
        "confirmed",
        "renewing",
        "expanding",
        "staying",
        "signed",
        "paid",
    ),
    "complaint": (
        "too",
        "steep",
        "more than",
        "can't",
        "cannot",
        "won't",
        "never",
        "hard",
        "tough",
        "unacceptable",
        "not sustainable",
        "struggle",
        "way above",
        "double",
        "twice",
        "wrong",
        "still",
        "haven't",
        "hasn't",
        "doesn't match",
        "overcharged",
        "declined",
        "nobody",
        "no way",
        "unaffordable",
        "rich",
        "why",
        "hard to justify",
        "not acceptable",
        "blew",
        "kills",
        "pushed back",
    ),
    "about_others": (
        "our customers",
        "our clients",
        "our own",
        "prospects",
        "our client",
        "our customer",
        "their customers",
        "our distributors",
        "our business",
        "we sell",
        "we bill",
        "we export",
    ),
    "decision": (
        "decided",
        "decision",
        "going to",
        "plan to",
        "intend",
        "we will",
        "we'll",
        "after this",
        "at the end of",
        "when the contract",
        "next year",
        "next month",
        "effective",
        "from now on",
        "anymore",
    ),
    "comparison": ("than", "compared", "cheaper", "fraction", "under", "match", "versus", "vs"),
    # what an ending is about: our service with them, some other thing or contract, or a person
    "our_service": (
        "subscription",
        "licence",
        "licences",
        "license",
        "licenses",
        "seats",
        "with you",
        "your product",
        "your tool",
        "your platform",
        "your service",
        "the platform",
        "this tool",
        "the tool",
        "workspace",
        "auto-renew",
        "our plan",
        "the agreement",
        "our agreement",
        "our contract",
        "the contract",
    ),
    "other_thing": (
        "meeting",
        "session",
        "sessions",
        "flight",
        "webinar",
        "invite",
        "training",
        "trip",
        "stand-up",
        "check-in",
        "appointment",
        "conference",
        "trade show",
        "project",
        "office",
        "lease",
        "supplier",
        "provider",
        "other vendor",
        "old crm",
        "holidays",
        "order",
        "pilot",
        "promotion",
        "phone system",
    ),
    "person": (
        "colleague",
        "team lead",
        "head of",
        "intern",
        "director",
        "manager is",
        "reps are",
        "vp is",
        "he's",
        "she's",
        "is leaving",
        "are leaving",
        "left the company",
        "new job",
        "another job",
        "retiring",
        "paternity",
        "maternity",
        "parental leave",
    ),
    "staying": (
        "renewing",
        "renew for",
        "renewed",
        "sign the renewal",
        "staying",
        "not going anywhere",
        "extend",
        "expanding",
        "another year",
        "another two years",
        "no one is talking about leaving",
    ),
}
# Everyday sentiment words (a small general lexicon), for the sentiment head.
STANCE_PHRASES["negative_word"] = (
    "disappoint",
    "disappointed",
    "disappointing",
    "frustrating",
    "frustrated",
    "waste",
    "useless",
    "terrible",
    "awful",
    "horrible",
    "poor",
    "bad",
    "worse",
    "worst",
    "regret",
    "unhappy",
    "shame",
    "let down",
    "let us down",
    "nowhere near",
    "mess",
    "hate",
    "hates",
    "confusing",
    "clunky",
    "annoying",
    "broken",
    "problem",
    "problems",
    "junk",
    "unreliable",
    "not worth",
    "not impressed",
)
STANCE_PHRASES["positive_word"] = (
    "love",
    "loves",
    "excellent",
    "fantastic",
    "brilliant",
    "amazing",
    "awesome",
    "worth it",
    "worth every",
    "impressed",
    "pleased",
    "best",
    "recommend",
    "easier",
    "nice",
    "solid",
    "reliable",
    "helpful",
    "value",
    "enjoy",
    "appreciate",
)
# Choosing another product: with a competitor named in the same sentence, "signed with Gong" ends our contract.
STANCE_PHRASES["choice"] = (
    "signed with",
    "sign with",
    "went with",
    "go with",
    "going with",
    "chose",
    "chosen",
    "picked",
    "selected",
    "switch to",
    "switching to",
    "switched to",
    "moving to",
    "move to",
    "moved to",
    "migrating to",
    "migrate to",
    "committed to",
    "standardised on",
    "standardized on",
    "decided on",
    "onboarding with",
    "onboarding onto",
    "start on",
    "won the",
    "bought",
    "replacing you",
    "instead",
    "over you",
)
CONTRAST = frozenset({"but", "however", "though", "although", "yet", "except", "unfortunately"})
TAIL_NEGATIVE = frozenset({"complaint", "negative_word"})
TAIL_POSITIVE = frozenset({"reassurance", "positive_word"})
# "contrast": a contrast word; "tail_*": the stance after the last one ("great tool, but out of our range").
STANCE_FEATURES = (
    "question",
    *STANCE_PHRASES,
    "contrast",
    "tail_negative",
    "tail_positive",
    "competitor_choice",
)


def _names_competitor(doc: Doc | Span) -> bool:
    """A competitor from the catalogue (the competitors component's spans) inside ``doc``."""
    whole = doc.doc if isinstance(doc, Span) else doc
    lo, hi = (doc.start, doc.end) if isinstance(doc, Span) else (0, len(doc))
    return any(lo <= span.start < hi for span in whole.spans.get("competitors", ()))


class StanceMatcher:
    def __init__(self, vocab, tokenize: Callable[[str], Doc]) -> None:
        self.matcher = PhraseMatcher(vocab, attr="LOWER")
        for name, phrases in STANCE_PHRASES.items():
            self.matcher.add(name, [tokenize(p) for p in phrases])

    def __call__(self, doc: Doc | Span) -> np.ndarray:
        """The stance features of a doc or of one of its sentences."""
        matches = [(doc.vocab.strings[m], start) for m, start, _ in self.matcher(doc)]
        found = {name for name, _ in matches}
        if isinstance(doc, Span):
            sentences: Iterable[Span] = (doc,)
        else:
            sentences = doc.sents if doc.has_annotation("SENT_START") else (doc[:],)
        question = any(asks(sentence) for sentence in sentences)
        turns = [
            token.i - (doc.start if isinstance(doc, Span) else 0)
            for token in doc
            if token.lower_ in CONTRAST
        ]
        tail = {name for name, start in matches if turns and start > turns[-1]}
        values = [
            question,
            *(name in found for name in STANCE_PHRASES),
            bool(turns),
            bool(tail & TAIL_NEGATIVE),
            bool(tail & TAIL_POSITIVE),
            "choice" in found and _names_competitor(doc),
        ]
        return np.asarray(values, dtype=np.float32)
