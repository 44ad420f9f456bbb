"""Cue phrases per intent label (spaCy Matcher patterns) and the negation check.

Cues do not decide a tag on their own: they give the trained heads two features
per label (a cue is present; a cue is negated) and give a tag its evidence span.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from spacy.tokens import Doc, Span

from models.records import TAG_LABELS

__all__ = [
    "CUE_PATTERNS",
    "INTENT_LABELS",
    "NEGATIONS",
    "CueSet",
    "cue_set",
    "cue_stems",
    "is_negated",
    "StemMarker",
]

# The labels the heads classify: the closed vocabulary but for competitor mentions, which the catalogue finds
# (the heads' weights and thresholds are in this order).
INTENT_LABELS: tuple[str, ...] = tuple(
    label for label in TAG_LABELS if label != "competitor_mention"
)
NEGATIONS = frozenset(
    {"not", "n't", "never", "no", "without", "nothing", "none", "neither", "nor", "isn't", "wasn't"}
)


def _words(*phrases: str) -> list[str]:
    """Phrases: literal words, "word*" for any word starting so, a bare "*" for one to five words."""
    return list(phrases)


def _prefixes(*stems: str) -> list[str]:
    return [f"{stem}*" for stem in stems]


CUE_PATTERNS: dict[str, list[str]] = {
    "price_objection": [
        *_words(
            "too expensive",
            "too pricey",
            "too high",
            "too much",
            "sticker shock",
            "sign off",
            "that number",
            "price point",
            "per seat",
            "per user",
            "per rep",
            "the rate",
            "can't afford",
            "cannot afford",
            "out of our range",
            "deal breaker",
            "non-starter",
            "bring the cost down",
            "cheaper",
            "lower",
            "that much",
            "pay that",
            "that figure",
            "the number",
            "half that",
            "come down",
            "better offer",
            "competitive offer",
            "sharpen your pencil",
            "best you can do",
            "knock something off",
            "too rich",
            "check that size",
            "can't justify",
            "hard to justify",
            "more than we",
            "above market",
            "uplift",
            "increase",
            "investment",
            "unaffordable",
            "fraction of",
            "never sign off",
            "won't sign off",
            "not sign off",
            "won't approve",
            "not approve*",
            "never approve",
            "no budget",
            "don't have the budget",
            "not in the budget",
            "not in our budget",
            "can't pay",
            "cannot pay",
            "can't get approval",
            "no way",
            "not a number",
            "can't sell that",
            "do better on",
            "lowest you can",
            "go down",
            "sticker shock",
            "cheaper tier",
            "under your number",
            "match what",
        ),
        *_prefixes(
            "expensiv",
            "pric",
            "overpric",
            "cost",
            "budget",
            "afford",
            "discount",
            "spend",
            "quot",
            "fee",
            "money",
            "steep",
            "roi",
        ),
    ],
    "export_data_intent": [
        *_words(
            "get all",
            "take our data",
            "data back",
            "copy of",
            "back up",
            "into a spreadsheet",
            "into excel",
            "data dump",
            "full backup",
            "off your servers",
            "data portability",
            "move our data",
            "take them",
            "get * out",
            "pull * out",
            "take * with us",
            "grab all",
            "copy* to",
            "in one file",
            "bulk file",
            "raw data",
            "all the notes",
            "all of our",
            "every recording",
            "every transcript",
        ),
        *_prefixes(
            "export",
            "download",
            "dump",
            "migrat",
            "extract",
            "archiv",
            "backup",
            "retriev",
            "portab",
            "csv",
            "spreadsheet",
            "excel",
        ),
    ],
    "cancellation_intent": [
        *_words(
            "not renew",
            "not renewing",
            "non-renewal",
            "won't renew",
            "will not renew",
            "not be renewing",
            "not going to extend",
            "not continue",
            "won't be continuing",
            "don't plan to continue",
            "pull the plug",
            "wind down",
            "winding down",
            "moving to another vendor",
            "moving off",
            "walk away",
            "close our account",
            "close the account",
            "close the workspace",
            "let the licence lapse",
            "we're done",
            "you're out",
            "replace you",
            "switching to",
            "drop the subscription",
            "drop those seats",
            "notice of non-renewal",
            "end* our contract",
            "ending the relationship",
            "last quarter with you",
            "pull* the plug",
            "drop* us",
            "different solution",
            "different provider",
            "different vendor",
            "another vendor",
            "another provider",
            "end* the subscription",
            "end* our use",
            "end* our subscription",
            "stop* paying",
            "stop* using",
            "shut* down",
            "run out",
            "not signing",
            "final renewal",
            "consolidat* vendors",
            "consolidat* tools",
            "zero seats",
            "won't need",
            "out after",
            "mov* away",
            "mov* off",
            "replac* you",
            "go* elsewhere",
            "no longer need",
        ),
        *_prefixes(
            "cancel",
            "terminat",
            "churn",
            "sunset",
            "phas",
            "offboard",
            "discontinu",
            "unsubscrib",
            "leav",
            "lapse",
            "exit",
        ),
    ],
    "billing_question": [
        *_words(
            "credit note",
            "billing cycle",
            "card on file",
            "late fee",
            "double billed",
            "charged twice",
            "purchase order",
            "sales tax",
        ),
        *_prefixes(
            "invoic",
            "bill",
            "charg",
            "refund",
            "payment",
            "pay",
            "receipt",
            "vat",
            "prorat",
            "overcharg",
            "statement",
            "overage",
        ),
    ],
    "product_issue": [
        *_words(
            "doesn't work",
            "not working",
            "stopped working",
            "won't load",
            "won't save",
            "won't open",
            "no sound",
            "no audio",
            "out of sync",
            "went down",
            "was down",
            "is down",
            "takes forever",
            "take ages",
            "takes ages",
            "logged out",
            "logs me out",
            "is missing",
            "are missing",
            "never showed up",
            "not appearing",
            "wrong rep",
            "access denied",
            "keeps * disconnect*",
        ),
        *_prefixes(
            "crash",
            "bug",
            "outage",
            "glitch",
            "broke",
            "slow",
            "sluggish",
            "lag",
            "freez",
            "hang",
            "error",
            "fail",
            "timeout",
            "unreliab",
            "unusab",
            "disconnect",
            "stutter",
            "stuck",
        ),
    ],
    "poor_fit": [
        *_words(
            "doesn't fit",
            "not a fit",
            "not a good fit",
            "not the right",
            "wrong tool",
            "wrong choice",
            "not built for",
            "built for",
            "designed for",
            "aimed at",
            "not suited",
            "doesn't suit",
            "doesn't match",
            "not a good match",
            "not a match",
            "use case",
            "our workflow",
            "how we sell",
            "the way we",
            "way we work",
            "too complex",
            "more than we need",
            "don't need",
            "doesn't apply",
            "only supports",
            "only handles",
            "doesn't support",
            "make no sense",
            "makes no sense",
        ),
        *_prefixes("overkill", "irrelevan", "mismatch", "unsuit", "pointless", "useless"),
    ],
    "usage_decline": [
        *_words(
            "stopped using",
            "stopped logging",
            "stopped opening",
            "stopped running",
            "stopped recording",
            "nobody uses",
            "no one uses",
            "nobody logs",
            "barely use*",
            "barely touch*",
            "hardly any*",
            "hardly ever",
            "went back to",
            "gone back to",
            "gave up",
            "given up",
            "not using",
            "don't use",
            "doesn't use",
            "not being used",
            "usage * down",
            "usage * dropped",
            "usage * fallen",
            "logins * down",
            "collecting dust",
            "sitting idle",
            "fewer * people",
            "fell off",
            "fallen off",
            "drop* off",
            "less now",
            "forgot about",
            "anymore",
            "any more",
        ),
        *_prefixes("unused", "shelfware", "abandon", "idle", "inactiv", "declin", "adoption"),
    ],
    "stakeholder_change": [
        *_words(
            "left the company",
            "left the business",
            "has left",
            "have left",
            "is leaving",
            "moved on",
            "no longer with",
            "no longer at",
            "no longer here",
            "is gone",
            "'s gone",
            "new head",
            "new vp",
            "new cro",
            "new ceo",
            "new coo",
            "new cfo",
            "new director",
            "new owner*",
            "new leader*",
            "new admin",
            "new point of contact",
            "taking over",
            "took over",
            "take over",
            "handed in",
            "laid off",
            "let go",
            "stepped down",
            "from now on",
            "going forward",
            "your contact",
            "main contact",
        ),
        *_prefixes(
            "reorg",
            "restructur",
            "resign",
            "retir",
            "acquir",
            "merg",
            "champion",
            "sponsor",
            "predecessor",
            "successor",
            "inherit",
            "shake-up",
            "turnover",
        ),
    ],
    "expansion_interest": [
        *_words(
            "more seats",
            "more licences",
            "more licenses",
            "more users",
            "more managers",
            "additional licences",
            "additional licenses",
            "additional seats",
            "add * seats",
            "add * users",
            "add * licen*",
            "roll it out",
            "roll out",
            "rolling out",
            "on board",
            "higher tier",
            "enterprise plan",
            "enterprise tier",
            "premium",
            "bigger package",
            "larger package",
            "larger rollout",
            "add-on",
            "company-wide",
            "wants in",
            "want in",
            "as well",
        ),
        *_prefixes("upgrad", "expan", "seat", "licen"),
    ],
}


@dataclass(frozen=True)
class CueSet:
    """One label's cues, grouped by the cheapest way to find them (regex token patterns are ten times slower)."""

    literals: tuple[str, ...]  # plain phrases: a PhraseMatcher on LOWER
    stems: tuple[str, ...]  # single "stem*" words: looked up per token by StemMarker
    patterns: tuple[tuple[dict, ...], ...]  # phrases with stems or gaps: a token Matcher


def _token_pattern(phrase: str, tokenize: Callable[[str], Doc]) -> tuple[dict, ...]:
    pattern: list[dict] = []
    for word in phrase.split():
        if word == "*":
            pattern.append({"OP": "{1,5}"})
        elif word.endswith("*"):
            pattern.append({"LEMMA": word[:-1]})  # the stem, written as the lemma by StemMarker
        else:  # the pipeline's own tokenizer, so "won't" becomes "wo" + "n't"
            pattern.extend({"LOWER": token.lower_} for token in tokenize(word))
    return tuple(pattern)


def cue_set(label: str, tokenize: Callable[[str], Doc]) -> CueSet:
    entries = CUE_PATTERNS[label]
    stems = [e for e in entries if " " not in e and e.endswith("*")]
    literals = [e for e in entries if "*" not in e]
    mixed = [e for e in entries if e not in stems and e not in literals]
    return CueSet(
        tuple(literals),
        tuple(e[:-1] for e in stems),
        tuple(_token_pattern(e, tokenize) for e in mixed),
    )


def cue_stems() -> tuple[str, ...]:
    """Every stem used by a cue, longest first (so "overcharg" wins over "over")."""
    stems = {
        word[:-1]
        for entries in CUE_PATTERNS.values()
        for entry in entries
        for word in entry.split()
        if word.endswith("*") and word != "*"
    }
    return tuple(sorted(stems, key=lambda stem: (-len(stem), stem)))


class StemMarker:
    """Writes each token's cue stem, the longest stem the word starts with ("" if none), as its lemma.

    The cue patterns match a stem on LEMMA (a blank pipeline has no lemmatizer, so nothing else writes it),
    which the Matcher reads in C; the doc's LOWER array is read once and each word's stem remembered."""

    def __init__(self, stems: tuple[str, ...]) -> None:
        self.stems = stems
        self.known: dict[int, tuple[str, int]] = {}  # LOWER hash -> (stem, its hash)

    def __call__(self, doc: Doc) -> list[tuple[int, str]]:
        """The (token index, stem) of every token with a stem. The lemma of a token with a stem is its stem,
        of any other its LOWER: no stem can equal a word that starts with none (and the Matcher refuses a
        LEMMA pattern on a doc without lemmas)."""
        found = []
        lemmas = doc.to_array("LOWER")
        for i, lower in enumerate(lemmas.tolist()):
            known = self.known.get(lower)
            if known is None:
                stem = self.longest(doc.vocab.strings[lower])
                known = self.known[lower] = (stem, doc.vocab.strings.add(stem) if stem else 0)
            if known[0]:
                found.append((i, known[0]))
                lemmas[i] = known[1]
        doc.from_array(["LEMMA"], lemmas.reshape(-1, 1))  # type: ignore[arg-type]  # uint64 ids
        return found

    def longest(self, lower: str) -> str:
        return next((stem for stem in self.stems if lower.startswith(stem)), "")


def is_negated(doc: Doc, span: Span, window: int = 3) -> bool:
    """A negation word within ``window`` tokens either side of the cue, inside its sentence."""
    if any(token.lower_ in NEGATIONS for token in span) or span.text.lower().startswith(
        ("not ", "won't", "don't", "will not", "non-")
    ):
        return False  # the negation is part of the cue ("won't renew", "doesn't fit")
    lo = span.start
    while lo > 0 and lo > span.start - window and not doc[lo].is_sent_start:
        lo -= 1
    hi = span.end
    while hi < len(doc) and hi < span.end + window and not doc[hi].is_sent_start:
        hi += 1
    return any(doc[i].lower_ in NEGATIONS for i in range(lo, hi) if not span.start <= i < span.end)
