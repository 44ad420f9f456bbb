"""Sentences, questions and filler words of an utterance, with spaCy's tokenizer, sentencizer and PhraseMatcher."""

from __future__ import annotations

from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

__all__ = ["FILLERS", "QUESTION_OPENERS", "Discourse", "asks", "discourse", "is_courtesy"]

FILLERS = (
    "um",
    "umm",
    "uh",
    "uhh",
    "erm",
    "er",
    "ah",
    "hmm",
    "mm",
    "you know",
    "i mean",
    "sort of",
    "kind of",
    "basically",
    "literally",
)
# A sentence without a question mark is still a question when it opens like one (transcripts without punctuation).
QUESTION_OPENERS = frozenset(
    "what when where which who whom whose why how is are was were do does did can could would will should shall "
    "may might have has had isn't aren't don't doesn't didn't can't couldn't won't wouldn't shouldn't".split()
)


# Courtesies: thanks, sign-offs and apologies for the outcome. A sentence that is only these (after any
# acknowledgement words) and short is politeness, not sentiment: never a sentiment swing, never the overview.
COURTESIES = (
    "thanks",
    "thank you",
    "thank",
    "cheers",
    "appreciate it",
    "much appreciated",
    "have a good",
    "have a great",
    "have a nice",
    "talk soon",
    "speak soon",
    "bye",
    "goodbye",
    "take care",
    "sorry it didn't work out",
    "sorry it did n't work out",
    "nice to meet",
    "good to see",
    "you're welcome",
    "you 're welcome",
    "no problem",
    "no worries",
    "my pleasure",
)
ACKNOWLEDGEMENTS = frozenset(
    "ok okay great perfect wonderful fine sure alright excellent awesome cool good sounds right yes yeah "
    "brilliant lovely fantastic done well oh so all again very much really".split()
)
COURTESY_MAX_WORDS = 8
CONTRAST = frozenset({"but", "however", "though", "although", "except"})


def is_courtesy(sentence: Span) -> bool:
    """A polite sentence and nothing more: "Thanks.", "Great, thank you so much!", "Sounds good.",
    "Thanks for the clear walkthrough.", "Sorry it didn't work out." ("Thanks, the product works well" is not.)"""
    words = [t.lower_ for t in sentence if not (t.is_punct or t.is_space)]
    while words and words[0] in ACKNOWLEDGEMENTS:
        words.pop(0)
    if not words:
        return bool(sentence.text.strip())
    text = " ".join(words)
    if CONTRAST & set(words):
        return False  # "Thanks, but we are cancelling."
    return len(words) <= COURTESY_MAX_WORDS and any(
        text == c or text.startswith(c + " ") for c in COURTESIES
    )


def asks(sentence: Span) -> bool:
    """The one question detector: a sentence asks something when it ends with "?" or, not ended by "." or
    "!", opens like a question and is longer than two tokens. The summary's customer questions, the call
    metrics' question counts and the tagger's "question" stance feature all use it."""
    text = sentence.text.strip()
    if not text:
        return False
    last = text[-1]
    return last == "?" or (
        last not in ".!" and sentence[0].lower_ in QUESTION_OPENERS and len(sentence) > 2
    )


class Discourse:
    def __init__(self) -> None:
        self.nlp: Language = spacy.blank("en")
        self.nlp.add_pipe("sentencizer")
        self.fillers = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self.fillers.add("FILLER", [self.nlp.make_doc(f) for f in FILLERS])

    def doc(self, text: str) -> Doc:
        return self.nlp(text)

    @staticmethod
    def words(doc: Doc) -> int:
        return sum(1 for token in doc if not (token.is_punct or token.is_space))

    def filler_count(self, doc: Doc) -> int:
        return len(self.fillers(doc))

    @staticmethod
    def questions(doc: Doc) -> list[str]:
        """The sentences of ``doc`` that ask something."""
        return [sentence.text.strip() for sentence in doc.sents if asks(sentence)]

    @staticmethod
    def only_courtesy(doc: Doc) -> bool:
        """Every sentence of ``doc`` is a courtesy (an utterance that only thanks or signs off)."""
        sentences = [s for s in doc.sents if s.text.strip()]
        return bool(sentences) and all(is_courtesy(s) for s in sentences)

    @staticmethod
    def sentences(doc: Doc) -> list[tuple[int, int, str]]:
        """(start char, end char, text) of each non-empty sentence."""
        return [(s.start_char, s.end_char, s.text.strip()) for s in doc.sents if s.text.strip()]


@lru_cache(maxsize=1)
def discourse() -> Discourse:
    return Discourse()
