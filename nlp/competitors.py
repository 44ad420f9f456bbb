"""Competitor and partner names in an utterance, from the catalogue (nlp/catalogue.py).

Names of several words, or with a dot or digit ("Clari Copilot", "gong.io"), count wherever they appear. A one-word
name may also be an ordinary word ("a chorus of complaints", "ring a gong", "better outreach"), so it counts only
when its capitalisation and neighbours say it is the product:

- capitalised inside a sentence ("we are looking at Gong", "a Gong demo"): the product, unless it follows a
  describing word ("cold Outreach", "better Outreach") or is followed by "of" ("a Chorus of complaints");
- capitalised at the start of a sentence: the product, unless the next word shows a common noun ("Outreach to
  the finance team", "Attention to detail", "Outreach efforts", "Attention:");
- not capitalised ("looking at gong", "switching to otter"): the product only next to a buying word before it
  (at, with, from, than, use, trialled, signed, switching...) or a selling word after it (quoted, offered,
  showed...), or joined by "and"/"or" to another name; never after a determiner ("the gong", "our outreach").

``ambiguous: true`` in the catalogue keeps only the capitalised form; ``ambiguous: false`` counts every form.
Partners (``relationship: partner``) go to ``doc.spans["partners"]``, never to ``doc.spans["competitors"]``.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from nlp.catalogue import Competitor, load_catalogue

__all__ = ["CompetitorMatcher", "is_wordlike"]

DETERMINERS = frozenset(
    "a an the this that these those our their your my his her its some any no".split()
)
# Describing words before a name that show the ordinary word ("cold outreach", "better outreach").
DESCRIBING = frozenset(
    "more most less much better good great bad real lot cold community customer email marketing social "
    "public donor direct warm personal full".split()
)
# Words after a sentence-initial name that show a common noun ("Outreach efforts", "Attention to detail").
GENERIC_AFTER = frozenset(
    "to of : efforts effort campaign campaigns program programs programme strategy work budget budgets "
    "span spans everyone all please".split()
)
BUYING_BEFORE = frozenset(
    "at with from than vs versus like use uses using used trial trialled trialed tried trying try evaluate "
    "evaluating evaluated chose choose chosen picked pick bought buy buying signed sign switch switching "
    "switched moving moved move migrate migrating migrated to".split()
)
SELLING_AFTER = frozenset(
    "quoted quotes offered offers showed shows demoed pitched charges charged costs came gave gives "
    "'s integrates syncs".split()
)
JOINERS = frozenset({"and", "or", "vs", ",", "/", "&"})


def is_wordlike(form: str) -> bool:
    """A one-word, letters-only form: it may be an ordinary word too."""
    return form.isalpha()


class CompetitorMatcher:
    def __init__(self, nlp: Language, catalogue: str | None) -> None:
        self.catalogue = load_catalogue(catalogue)
        self.always = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.checked = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.strict: set[str] = set()
        for entry in self.catalogue.competitors:
            self._add(nlp, entry)

    def _add(self, nlp: Language, entry: Competitor) -> None:
        if entry.ambiguous:
            self.strict.add(entry.name)
        for form in entry.forms():
            checked = entry.ambiguous is not False and is_wordlike(form)
            (self.checked if checked else self.always).add(entry.name, [nlp.make_doc(form)])

    def __call__(self, doc: Doc) -> Doc:
        spans = [Span(doc, s, e, label=m) for m, s, e in self.always(doc)]
        candidates = [Span(doc, s, e, label=m) for m, s, e in self.checked(doc)]
        named = [span for span in candidates if self._names_product(doc, span)]
        spans += named + self._joined(doc, [s for s in candidates if s not in named], spans + named)
        spans = filter_spans(spans)
        partner = {
            span.label_: self.catalogue.relationship(span.label_) == "partner" for span in spans
        }
        doc.spans["competitors"] = [span for span in spans if not partner[span.label_]]
        doc.spans["partners"] = [span for span in spans if partner[span.label_]]
        return doc

    def _names_product(self, doc: Doc, span: Span) -> bool:
        token = doc[span.start]
        initial = _sentence_initial(doc, span.start)
        before = "" if initial else doc[span.start - 1].lower_
        after = doc[span.end].lower_ if span.end < len(doc) else ""
        if token.text[:1].isupper():
            if initial:
                return after not in GENERIC_AFTER
            return before not in DESCRIBING and after != "of"
        if span.label_ in self.strict or before in DETERMINERS | DESCRIBING:
            return False
        return (before in BUYING_BEFORE and after != "of") or after in SELLING_AFTER

    def _joined(self, doc: Doc, left: list[Span], accepted: list[Span]) -> list[Span]:
        """Lower-case names joined to an accepted one ("salesloft and gong")."""
        taken = {i for span in accepted for i in range(span.start, span.end)}
        joined = []
        for span in left:
            if span.label_ in self.strict:
                continue
            if (
                span.start >= 2
                and doc[span.start - 1].lower_ in JOINERS
                and span.start - 2 in taken
            ) or (
                span.end + 1 < len(doc)
                and doc[span.end].lower_ in JOINERS
                and span.end + 1 in taken
            ):
                joined.append(span)
        return joined


def _sentence_initial(doc: Doc, start: int) -> bool:
    return (
        start == 0 or bool(doc[start].is_sent_start) or doc[start - 1].text in {".", "!", "?", '"'}
    )
