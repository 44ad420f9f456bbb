from models.records import Speaker, Transcript, Utterance
from transcribe.formats import to_srt, to_text, to_vtt

T = Transcript(
    interaction_id="i",
    engine="faster-whisper",
    utterances=[
        Utterance(
            index=0, speaker=Speaker(role="rep", label="REP"), start_s=0.0, end_s=1.5, text="Hello."
        ),
        Utterance(
            index=1,
            speaker=Speaker(role="unknown", label="SPEAKER_1"),
            start_s=3661.25,
            end_s=3662.0,
            text="Hi.",
        ),
    ],
)


def test_srt():
    assert to_srt(T) == (
        "1\n00:00:00,000 --> 00:00:01,500\nrep: Hello.\n\n"
        "2\n01:01:01,250 --> 01:01:02,000\nSPEAKER_1: Hi.\n"
    )


def test_vtt():
    assert to_vtt(T).startswith("WEBVTT\n\n00:00:00.000 --> 00:00:01.500\n<v rep>Hello.\n")


def test_text():
    assert to_text(T).splitlines() == [
        "[00:00:00.000] rep: Hello.",
        "[01:01:01.250] SPEAKER_1: Hi.",
    ]
