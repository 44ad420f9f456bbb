from datetime import UTC, date, datetime

import numpy as np

from models.records import Interaction, Role, Sentiment, Speaker, Tag, Transcript, Utterance
from nlp.summary import (
    SummaryOptions,
    customer_questions,
    key_moments,
    next_steps,
    overview,
    summarise,
)
from nlp.summary_markdown import to_markdown

LINES: list[tuple[Role, str]] = [
    ("rep", "Thanks for joining, how is the rollout going for the team?"),
    (
        "customer",
        "Honestly the rollout is fine but the renewal price is far too high for our budget.",
    ),
    ("rep", "I understand, the renewal price reflects the new analytics features you asked for."),
    ("customer", "We also looked at Gong and they quoted us a much lower renewal price."),
    ("rep", "Let me put together a revised proposal. I'll send it over by Friday."),
    ("customer", "Great, that would really help us a lot, thank you so much!"),
    ("customer", "Can you also include the onboarding costs in the proposal?"),
]


def make_call():
    interaction = Interaction.from_content(
        b"summary-call",
        customer_id="acme",
        kind="call",
        title="Renewal",
        occurred_at=datetime(2026, 11, 18, 15, tzinfo=UTC),
        source="x",
        rep="dana",
    )
    utterances = [
        Utterance(
            index=i,
            speaker=Speaker(role=role, label=role.upper()),
            start_s=10.0 * i,
            end_s=10.0 * i + 8,
            text=text,
        )
        for i, (role, text) in enumerate(LINES)
    ]
    return interaction, Transcript(
        interaction_id=interaction.id, engine="import", utterances=utterances
    )


def test_next_steps_carry_their_due_date():
    _, transcript = make_call()
    steps = next_steps(transcript, date(2026, 11, 18))
    assert [(s.utterance_index, s.commitment, s.due) for s in steps] == [
        (4, "Let me put together a revised proposal.", None),
        (4, "I'll send it over by Friday.", date(2026, 11, 20)),
    ]
    assert steps[1].start_s == 40.0 and steps[1].due_text == "Friday"


def test_customer_questions_exclude_the_reps():
    _, transcript = make_call()
    assert [q.text for q in customer_questions(transcript)] == [
        "Can you also include the onboarding costs in the proposal?"
    ]


def test_key_moments_from_tags_and_sentiment_swings():
    _, transcript = make_call()
    tags = [
        Tag(
            utterance_index=3,
            label="competitor_mention",
            entity="Gong",
            score=0.99,
            start=18,
            end=22,
            evidence="Gong",
            speaker_role="customer",
        )
    ]
    sentiments = [
        Sentiment(label=label, score=0.9)
        for label in (
            "positive",
            "negative",
            "neutral",
            "negative",
            "neutral",
            "positive",
            "neutral",
        )
    ]
    moments = key_moments(transcript, tags, sentiments)
    assert [(m.utterance_index, m.kind, m.detail) for m in moments] == [
        (3, "competitor_mention", None),
        (
            5,
            "sentiment_swing",
            "negative -> positive",
        ),  # the rep's positive opening is not the customer's
    ]
    assert moments[0].entity == "Gong" and moments[0].start_s == 30.0


def test_overview_picks_central_sentences_without_repeating(tagger):
    _, transcript = make_call()
    picked = overview(transcript, tagger.encode)
    texts = [m.text for m in picked]
    assert len(picked) == 4 and [m.utterance_index for m in picked] == sorted(
        m.utterance_index for m in picked
    )
    assert any("renewal price" in t for t in texts)
    assert (
        sum("renewal price" in t for t in texts) < 3
    )  # maximal marginal relevance keeps the picks apart


def test_overview_ranks_by_centrality():
    _, transcript = make_call()

    def encode(texts):  # "price" sentences agree with each other; the others point every which way
        others = [t for t in texts if "price" not in t]
        angle = {t: 2 * np.pi * k / len(others) for k, t in enumerate(others)}
        return np.array(
            [
                [1.0, 0, 0] if "price" in t else [0, np.cos(angle[t]), np.sin(angle[t])]
                for t in texts
            ]
        )

    (first,) = overview(transcript, encode, SummaryOptions(overview_sentences=1))
    assert "price" in first.text


def test_summary_json_and_markdown(tagger):
    interaction, transcript = make_call()
    tags, sentiments = tagger.tag_transcript(transcript)
    summary = summarise(interaction, transcript, tags, sentiments, tagger.encode)
    assert summary.metrics is not None and summary.metrics.duration_s == 68.0
    assert "price_objection" in {m.kind for m in summary.key_moments}
    text = to_markdown(summary)
    assert text.startswith("# Renewal\n")
    assert "- [ ] I'll send it over by Friday. (rep, due Fri 2026-11-20)" in text
    assert "**Competitor mentioned (Gong)**" in text and "## Call metrics" in text
    assert type(summary).model_validate_json(summary.model_dump_json()) == summary


def call_of(lines, when=datetime(2026, 10, 29, 16, tzinfo=UTC)):
    interaction = Interaction.from_content(
        repr(lines).encode(),
        customer_id="wayne",
        kind="call",
        occurred_at=when,
        source="x",
        rep="sam",
    )
    utterances = [
        Utterance(
            index=i,
            speaker=Speaker(role=role, label=role),
            start_s=5.0 * i,
            end_s=5.0 * i + 4,
            text=text,
        )
        for i, (role, text) in enumerate(lines)
    ]
    return interaction, Transcript(
        interaction_id=interaction.id, engine="import", utterances=utterances
    )


def test_hedged_commitments_and_call_backs_are_next_steps():
    _, transcript = call_of(
        [
            ("rep", "Let me see what I can do on a two-year term and call you on Monday."),
            ("rep", "I'll ask finance and get back to you by Tuesday."),
            ("rep", "I might be able to find a discount by the end of next week."),
            ("rep", "I'm going to check with my manager tomorrow."),
            ("rep", "I've asked billing to refund the duplicate charge today."),
            ("customer", "Legal is ready to sign as soon as it arrives."),
            ("customer", "We are probably not going to renew in January."),
            ("customer", "We will not renew the contract."),
            ("rep", "I wanted to look at how the team is using it."),
        ]
    )
    steps = next_steps(transcript, date(2026, 10, 29))  # a Thursday
    assert [(s.utterance_index, s.speaker_role, s.due) for s in steps] == [
        (0, "rep", date(2026, 11, 2)),
        (1, "rep", date(2026, 11, 3)),
        (2, "rep", date(2026, 11, 6)),  # the end of next week: that Friday
        (3, "rep", date(2026, 10, 30)),
        (4, "rep", date(2026, 10, 29)),
        (5, "customer", None),
    ]


def test_courtesies_and_arrangements_are_not_sentiment_swings():
    _, transcript = call_of(
        [
            ("customer", "The renewal price is far too high for us."),
            ("customer", "Thanks. Let's talk again next week."),
            ("customer", "Great, thank you so much!"),
            ("customer", "Fine. Please make sure the data is complete."),
            ("customer", "Honestly the new dashboards are wonderful."),
        ]
    )
    sentiments = [Sentiment(label=label, score=0.9) for label in ("negative",) + ("positive",) * 4]
    swings = [
        m.utterance_index
        for m in key_moments(transcript, [], sentiments)
        if m.kind == "sentiment_swing"
    ]
    assert swings == [4]  # only the real turn, not the politeness before it


def test_outcome_line_states_the_risk_and_the_reps_step(tagger):
    from nlp.summary import call_outcome

    interaction, transcript = call_of(
        [
            ("rep", "Hi Bruce, did you have a chance to review the two options?"),
            ("customer", "To be frank, leadership has decided we're moving to another vendor."),
            (
                "rep",
                "I understand. Let me see what I can do on a two-year term and call you on Monday.",
            ),
            ("customer", "Thanks."),
        ]
    )
    tags = [
        Tag(
            utterance_index=1,
            label="cancellation_intent",
            score=0.97,
            start=38,
            end=67,
            evidence="moving to another vendor",
            speaker_role="customer",
        ),
        Tag(
            utterance_index=0,
            label="price_objection",
            score=0.99,
            start=0,
            end=5,
            evidence="Hi",
            speaker_role="rep",
        ),  # the rep's own words never make the outcome
    ]
    steps = next_steps(transcript, date(2026, 10, 29))
    outcome = call_outcome(transcript, tags, steps)
    assert (
        outcome is not None
        and outcome.kind == "cancellation_intent"
        and outcome.due == date(2026, 11, 2)
    )
    assert outcome.text == (
        "Customer says leadership has decided they're moving to another vendor; "
        "rep to see what they can do on a two-year term and call them on Mon 2 Nov"
    )
    summary = summarise(interaction, transcript, tags, [None] * 4, tagger.encode)
    assert summary.outcome == outcome.text
    assert "leadership has decided we're moving to another vendor" in " ".join(
        m.text for m in summary.overview
    )
    assert f"**Outcome:** {outcome.text}\n" in to_markdown(summary)


def test_no_outcome_when_nothing_was_raised_or_promised():
    from nlp.summary import call_outcome

    _, transcript = call_of([("rep", "Hi there."), ("customer", "Hello, all good here.")])
    assert call_outcome(transcript, [], next_steps(transcript, date(2026, 10, 29))) is None


def test_the_outcome_tells_the_customer_in_the_third_person():
    from nlp.outcome import _customer_part

    assert (
        _customer_part(
            "price_objection",
            "Honestly, for the US team our price per seat is too high for us.",
            set(),
        )
        == "Customer says for the US team their price per seat is too high for them"
    )
    assert (
        _customer_part("billing_question", "Yes, why were we charged for forty seats?", set())
        == "Customer asks why were they charged for forty seats"
    )
    assert (
        _customer_part("competitor_mention", "Gong quoted us less.", {"Gong"})
        == "Customer says Gong quoted them less"
    )


def test_expansion_is_the_outcome_when_there_is_no_risk_and_negated_growth_is_not():
    from nlp.summary import call_outcome

    _, grows = call_of(
        [
            ("customer", "The pilot went well, we want to extend it to the whole sales team."),
            ("rep", "Great, I'll send the updated order form tomorrow."),
        ]
    )
    outcome = call_outcome(grows, [], next_steps(grows, date(2026, 10, 29)))
    assert outcome is not None and outcome.kind == "expansion" and outcome.due == date(2026, 10, 30)
    assert outcome.text == (
        "Customer says the pilot went well, they want to extend it to the whole sales team; "
        "rep to send the updated order form by Fri 30 Oct"
    )
    _, stays = call_of([("customer", "We are not adding seats this year.")])
    assert call_outcome(stays, [], []) is None
