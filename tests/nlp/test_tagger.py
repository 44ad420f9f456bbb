"""Behaviour of the real tagger on the cases users judge it by."""

from __future__ import annotations

import pytest

from models.records import Role
from nlp.tagger import Tagger, TagInput


def labels(tagger: Tagger, text: str, role: Role = "unknown") -> set[str]:
    (result,) = tagger.tag([TagInput(text, role)])
    return {t.label for t in result.tags}


def test_the_contract_example(tagger: Tagger):
    (result,) = tagger.tag([TagInput("Gong is cheaper, this is too expensive.")])
    competitor, price = result.tags
    assert (
        competitor.label,
        competitor.entity,
        competitor.start,
        competitor.end,
        competitor.evidence,
    ) == ("competitor_mention", "Gong", 0, 4, "Gong")
    assert (price.label, price.evidence) == ("price_objection", "too expensive")
    assert result.text[price.start : price.end] == "too expensive"
    assert result.sentiment.label == "negative"


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Our CFO will never sign off at that number.", "price_objection"),
        ("How do I get all our call notes out into a spreadsheet?", "export_data_intent"),
        ("We're moving to another vendor when the contract ends.", "cancellation_intent"),
        ("Why were we charged twice this month?", "billing_question"),
    ],
)
def test_paraphrases_from_the_issue(tagger: Tagger, text: str, label: str):
    assert label in labels(tagger, text, "customer")


@pytest.mark.parametrize(
    "text",
    [
        "Price is not a problem for us.",
        "We are not cancelling, we're expanding.",
        "We export machinery to Canada and Mexico.",
        "The meeting is ongoing, can I call you back?",
        "Our outreach to new accounts has doubled since we started.",
    ],
)
def test_hard_negatives_get_no_tag(tagger: Tagger, text: str):
    assert labels(tagger, text, "customer") == set()


def test_speaker_role_is_used(tagger: Tagger):
    text = "Our export feature lets you download transcripts as CSV."
    assert labels(tagger, text, "rep") == set()
    rep_reflecting = "So the price is too high for you?"
    assert "price_objection" not in labels(tagger, rep_reflecting, "rep")


def test_every_tag_carries_score_span_and_evidence(tagger: Tagger):
    texts = [
        "Gong quoted us thirty percent less, and we need a full export of our recordings before March.",
        "Please cancel our subscription, and why is the invoice wrong again?",
    ]
    for result in tagger.tag(TagInput(t, "customer") for t in texts):
        assert len(result.tags) >= 2
        for tag in result.tags:
            assert 0 <= tag.score <= 1
            assert result.text[tag.start : tag.end] == tag.evidence and tag.evidence


def test_sentiment_has_three_labels(tagger: Tagger):
    results = list(
        tagger.tag(
            [
                TagInput("Thank you so much, this is fantastic!"),
                TagInput("This has been a terrible, frustrating experience."),
                TagInput("The meeting is on Tuesday at ten."),
            ]
        )
    )
    assert [r.sentiment.label for r in results] == ["positive", "negative", "neutral"]


def test_order_is_kept_across_batches(tagger: Tagger):
    texts = [
        f"Line {i}: we need to cancel." if i % 7 == 0 else f"Line {i}: all good."
        for i in range(150)
    ]
    results = list(tagger.tag(TagInput(t) for t in texts))
    assert [r.text for r in results] == texts


def test_transcript_tags_point_at_their_utterance(tagger: Tagger):
    from models.records import Speaker, Transcript, Utterance

    transcript = Transcript(
        interaction_id="int_x",
        engine="import",
        utterances=[
            Utterance(index=0, speaker=Speaker(role="rep"), text="How is everything going?"),
            Utterance(
                index=1,
                speaker=Speaker(role="customer"),
                text="We're switching to Gong when our contract runs out.",
            ),
        ],
    )
    tags, sentiments = tagger.tag_transcript(transcript)
    assert len(sentiments) == 2
    assert {(t.utterance_index, t.label) for t in tags} >= {
        (1, "competitor_mention"),
        (1, "cancellation_intent"),
    }
    assert all(t.interaction_id == "int_x" and t.speaker_role == "customer" for t in tags)


LONG_TURN = (
    "We had a long talk about it internally last week. The reps say the mobile app is slow, and Gong "
    "showed us a demo that looked simpler. If nothing changes we are probably not going to renew in January."
)


def test_an_intent_inside_a_long_turn_is_found_in_its_sentence(tagger: Tagger):
    (result,) = tagger.tag([TagInput(LONG_TURN, "customer")])
    last = LONG_TURN.index("If nothing changes")
    cancellation = [t for t in result.tags if t.label == "cancellation_intent"]
    assert len(cancellation) == 1
    assert cancellation[0].start >= last and cancellation[0].end <= len(LONG_TURN)
    assert LONG_TURN[cancellation[0].start : cancellation[0].end] == cancellation[0].evidence
    assert "competitor_mention" in {t.label for t in result.tags}


def test_sentence_units_join_fragments_to_the_next_sentence(tagger: Tagger):
    from nlp.components import sentence_units

    doc = tagger.pipeline("Right. Okay. The recorder crashed again. We want more seats, thanks!")
    assert [u.text for u in sentence_units(doc)] == [
        "Right. Okay. The recorder crashed again.",
        "We want more seats, thanks!",
    ]
    assert [u.text for u in sentence_units(tagger.pipeline("Thanks."))] == ["Thanks."]
    assert [u.text for u in sentence_units(tagger.pipeline(""))] == [""]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We signed with Gong last week.", {"cancellation_intent", "competitor_mention"}),
        ("The recorder crashed again, third time this month.", {"product_issue"}),
        ("Half the managers stopped logging in.", {"usage_decline"}),
        ("We want to add fifty seats for the new team.", {"expansion_interest"}),
        ("Our champion left the company last month.", {"stakeholder_change"}),
        ("It just doesn't fit the way our team sells.", {"poor_fit"}),
    ],
)
def test_the_new_labels_on_the_issue_examples(tagger: Tagger, text: str, expected: set[str]):
    assert expected <= labels(tagger, text, "customer")


@pytest.mark.parametrize(
    ("text", "sentiment"),
    [
        ("It's a great tool but it's simply out of our price range.", "negative"),
        ("Honestly, usage has dropped a lot since the summer.", "negative"),
        ("We signed with Gong last week.", "negative"),
    ],
)
def test_sentiment_is_the_customers_stance(tagger: Tagger, text: str, sentiment: str):
    (result,) = tagger.tag([TagInput(text, "customer")])
    assert result.sentiment.label == sentiment


def test_empty_and_blank_utterances_get_no_tags(tagger: Tagger):
    results = list(tagger.tag([TagInput(""), TagInput("   "), TagInput("\x00\x01 ok")]))
    assert [r.tags for r in results[:2]] == [[], []]
    assert all(r.sentiment.label in {"positive", "neutral", "negative"} for r in results)


def test_a_reps_words_are_not_the_customers_stance(tagger: Tagger):
    # The sentiment head reads the speaker role: by the labelling rule a rep's line is neutral (README, Quality).
    apology = "I know the last release was a letdown, and I am sorry about that."
    rep, customer = tagger.tag([TagInput(apology, "rep"), TagInput(apology, "customer")])
    assert (rep.sentiment.label, customer.sentiment.label) == ("neutral", "negative")
    (cheer,) = tagger.tag(
        [TagInput("Awesome, I will send the contract over this afternoon.", "rep")]
    )
    assert cheer.sentiment.label == "neutral"
