"""Cue phrases per intent label (spaCy Matcher patterns) and the negation check.

Cues do not decide a tag on their own: they give the trained heads two features
per label (a cue is present; a cue is negated) and give a tag its evidence span.
"""

from __future__ import annotations

from collections.abc import Callable

from spacy.tokens import Doc, Span

__all__ = ["CUE_PATTERNS", "INTENT_LABELS", "NEGATIONS", "cue_patterns", "is_negated"]

INTENT_LABELS = ("price_objection", "export_data_intent", "cancellation_intent", "billing_question")
NEGATIONS = frozenset({"not", "n't", "never", "no", "without", "nothing", "none", "neither", "nor", "isn't", "wasn't"})


def _words(*phrases: str) -> list[str]:
    """Literal phrases, turned into token patterns with the pipeline's own tokenizer (see cue_patterns)."""
    return list(phrases)


def _prefixes(*stems: str) -> list[list[dict]]:
    return [[{"LOWER": {"REGEX": f"^{stem}"}}] for stem in stems]


def _phrase_pattern(phrase: str, tokenize: Callable[[str], Doc]) -> list[dict]:
    """'pull* the plug' -> a token pattern; a word ending in * matches any word it starts, a bare * 1-5 words."""
    pattern: list[dict] = []
    for word in phrase.split():
        if word == "*":
            pattern.append({"OP": "{1,5}"})
        elif word.endswith("*"):
            pattern.append({"LOWER": {"REGEX": f"^{word[:-1]}"}})
        else:
            pattern.extend({"LOWER": token.lower_} for token in tokenize(word))
    return pattern


def cue_patterns(label: str, tokenize: Callable[[str], Doc]) -> list[list[dict]]:
    """Matcher patterns for ``label``: phrases split by ``tokenize`` so "won't" matches "wo" + "n't"."""
    return [_phrase_pattern(entry, tokenize) if isinstance(entry, str) else entry for entry in CUE_PATTERNS[label]]


CUE_PATTERNS: dict[str, list[str | list[dict]]] = {
    "price_objection": [
        *_words("too expensive", "too pricey", "too high", "too much", "sticker shock", "sign off", "that number",
                "price point", "per seat", "per user", "per rep", "the rate", "can't afford", "cannot afford",
                "out of our range", "deal breaker", "non-starter", "bring the cost down", "cheaper", "lower",
                "that much", "pay that", "that figure", "the number", "half that", "come down", "better offer",
                "competitive offer", "sharpen your pencil", "best you can do", "knock something off", "too rich",
                "check that size", "can't justify", "hard to justify", "more than we", "above market", "uplift",
                "increase", "investment", "unaffordable", "fraction of", "never sign off", "won't sign off",
                "not sign off", "won't approve", "not approve*", "never approve", "no budget", "don't have the budget",
                "not in the budget", "not in our budget", "can't pay", "cannot pay", "can't get approval", "no way",
                "not a number", "can't sell that", "do better on", "lowest you can", "go down", "sticker shock",
                "cheaper tier", "under your number", "match what"),
        *_prefixes("expensiv", "pric", "overpric", "cost", "budget", "afford", "discount", "spend", "quot", "fee",
                   "money", "steep", "roi"),
    ],
    "export_data_intent": [
        *_words("get all", "take our data", "data back", "copy of", "back up", "into a spreadsheet", "into excel",
                "data dump", "full backup", "off your servers", "data portability", "move our data", "take them",
                "get * out", "pull * out", "take * with us", "grab all", "copy* to", "in one file", "bulk file",
                "raw data", "all the notes", "all of our", "every recording", "every transcript"),
        *_prefixes("export", "download", "dump", "migrat", "extract", "archiv", "backup", "retriev", "portab",
                   "csv", "spreadsheet", "excel"),
    ],
    "cancellation_intent": [
        *_words("not renew", "not renewing", "non-renewal", "won't renew", "will not renew", "not be renewing",
                "not going to extend", "not continue", "won't be continuing", "don't plan to continue",
                "pull the plug", "wind down", "winding down", "moving to another vendor", "moving off", "walk away",
                "close our account", "close the account", "close the workspace", "let the licence lapse", "we're done",
                "you're out", "replace you", "switching to", "drop the subscription", "drop those seats",
                "notice of non-renewal", "end* our contract", "ending the relationship", "last quarter with you",
                "pull* the plug", "drop* us", "different solution", "different provider", "different vendor",
                "another vendor", "another provider", "end* the subscription", "end* our use", "end* our subscription",
                "stop* paying", "stop* using", "shut* down", "run out", "not signing", "final renewal",
                "consolidat* vendors", "consolidat* tools", "zero seats", "won't need", "out after",
                "mov* away", "mov* off", "replac* you", "go* elsewhere", "no longer need"),
        *_prefixes("cancel", "terminat", "churn", "sunset", "phas", "offboard", "discontinu", "unsubscrib",
                   "leav", "lapse", "exit"),
    ],
    "billing_question": [
        *_words("credit note", "billing cycle", "card on file", "late fee", "double billed", "charged twice",
                "purchase order", "sales tax"),
        *_prefixes("invoic", "bill", "charg", "refund", "payment", "pay", "receipt", "vat", "prorat",
                   "overcharg", "statement", "overage"),
    ],
}


def is_negated(doc: Doc, span: Span, window: int = 3) -> bool:
    """A negation word within ``window`` tokens either side of the cue, inside its sentence."""
    if span[0].lower_ in NEGATIONS or span.text.lower().startswith(("not ", "won't", "don't", "will not", "non-")):
        return False  # the negation is part of the cue ("won't renew")
    sentence = span.sent if doc.has_annotation("SENT_START") else doc[:]
    lo = max(sentence.start, span.start - window)
    hi = min(sentence.end, span.end + window)
    return any(doc[i].lower_ in NEGATIONS for i in range(lo, hi) if not span.start <= i < span.end)
