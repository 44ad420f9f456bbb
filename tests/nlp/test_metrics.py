import pytest

from models.records import Speaker, Transcript, Utterance
from nlp.discourse import discourse
from nlp.metrics import call_metrics


def _u(i, role, start, end, text):
    return Utterance(
        index=i, speaker=Speaker(role=role, label=role.upper()), start_s=start, end_s=end, text=text
    )


def transcript(*utterances, duration=None):
    return Transcript(
        interaction_id="int_x", engine="import", duration_s=duration, utterances=list(utterances)
    )


def test_figures_of_a_constructed_call():
    measured = call_metrics(
        transcript(
            _u(
                0, "rep", 0, 10, "Hi, thanks for joining. How are things going?"
            ),  # 8 words, 1 question
            _u(
                1, "customer", 12, 18, "Um, okay I guess. You know, budget is tight."
            ),  # 9 words, 2 fillers
            _u(2, "customer", 18, 30, "We are looking at other options."),
            _u(3, "rep", 31, 40, "Understood. What would make this work for you?"),
            _u(4, "customer", 43, 60, "A lower price. Can you do that"),  # unpunctuated question
            duration=60,
        )
    )
    assert measured is not None
    m = measured
    assert m.duration_s == 60
    assert m.talk_time_s == {"customer": 35.0, "rep": 19.0}
    assert m.talk_ratio == {
        "customer": pytest.approx(35 / 54, abs=1e-3),
        "rep": pytest.approx(19 / 54, abs=1e-3),
    }
    assert (m.longest_monologue_s, m.longest_monologue_role) == (
        18.0,
        "customer",
    )  # utterances 1-2 are one run
    assert m.interactivity == 3.0  # three switches in one minute
    assert m.patience_s == pytest.approx(
        1.0
    )  # rep answered after 1 s (30 -> 31); 0 -> 12 is the customer answering
    assert m.questions == {"customer": 1, "rep": 2}
    assert m.question_rate == {"customer": 1.0, "rep": 2.0}
    assert m.filler_rate["customer"] == pytest.approx(100 * 2 / 22, abs=0.01)
    assert m.filler_rate["rep"] == 0.0
    assert m.words_per_minute["rep"] == pytest.approx(16 / (19 / 60), abs=0.1)


def test_untimed_transcripts_have_no_metrics():
    ticket = Transcript(
        interaction_id="int_t",
        engine="import",
        utterances=[Utterance(index=0, speaker=Speaker(role="customer"), text="Invoice is wrong.")],
    )
    assert call_metrics(ticket) is None


def test_questions_need_a_question_mark_or_a_question_opening():
    text = discourse()
    found = text.questions(
        text.doc("Is this the price. What is the price? Tell me the price. how do we export")
    )
    assert found == ["What is the price?", "how do we export"]


def test_fillers_are_whole_words_and_phrases():
    text = discourse()
    assert (
        text.filler_count(text.doc("Um, I mean, the umbrella is kind of large; ahead of time."))
        == 3
    )
