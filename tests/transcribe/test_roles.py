from models.records import Speaker, Utterance
from transcribe.roles import assign_roles


def turns(*texts: str) -> list[Utterance]:
    return [
        Utterance(
            index=i,
            speaker=Speaker(label=f"SPEAKER_{i % 2}"),
            start_s=i * 5.0,
            end_s=i * 5.0 + 4,
            text=t,
        )
        for i, t in enumerate(texts)
    ]


def test_the_greeting_side_is_the_rep():
    out = assign_roles(
        turns(
            "Hello?",
            "Hi, this is Dana from Callintel, thanks for taking the call.",
            "Sure.",
            "Let me share the agenda.",
        )
    )
    assert [u.speaker.role for u in out] == ["customer", "rep", "customer", "rep"]
    assert [u.speaker.label for u in out] == ["SPEAKER_0", "SPEAKER_1", "SPEAKER_0", "SPEAKER_1"]


def test_no_cue_or_a_tie_leaves_roles_unknown():
    assert {
        u.speaker.role for u in assign_roles(turns("Hello.", "Hi there.", "So, the numbers?"))
    } == {"unknown"}
    tie = turns("Thanks for joining.", "Thanks for joining too, my name is Sam.", "Welcome.")
    assert {u.speaker.role for u in assign_roles(tie)} == {"unknown"}  # two cues each
    assert {u.speaker.role for u in assign_roles(turns("Thanks for joining.", "Welcome!"))} == {
        "unknown"
    }


def test_known_roles_are_kept():
    stereo = [
        Utterance(index=0, speaker=Speaker(role="rep", label="REP"), text="Welcome!"),
        Utterance(index=1, speaker=Speaker(role="customer", label="CUSTOMER"), text="Thanks."),
    ]
    assert assign_roles(stereo) == stereo


def test_an_override_beats_the_cues():
    out = assign_roles(turns("Hello?", "Hi, thanks for taking the call."), rep_label="SPEAKER_0")
    assert [u.speaker.role for u in out] == ["rep", "customer"]
