"""Each source format read into records, with metadata from sidecars, manifests and the command line."""

import json
from datetime import UTC, datetime

import pytest

from ingest import IngestDefaults, ingest_paths, read_source
from ingest.files import discover
from models.errors import MalformedSource
from tests.audio import tone, write_wav
from tests.helpers import known

VTT = """WEBVTT

00:00:01.000 --> 00:00:03.500
<v Dana Reyes>Hi Sam, thanks for joining today.

00:00:03.600 --> 00:00:05.000
<v Dana Reyes>How is the rollout going?

00:00:06.000 --> 00:00:09.250
<v Sam Lee>Honestly, the renewal price is too high for us.
"""

SRT = """1
00:00:01,000 --> 00:00:02,500
Agent: Thanks for calling, how can I help?

2
00:00:03,000 --> 00:00:05,000
Customer: We want to cancel at the end of the term.
"""

TXT = """[00:00:00] Dana: Hi Sam, thanks for joining.
[00:00:04] Sam: The invoice we got this month
is double what we expected.
[00:00:11] Dana: Let me check that for you.
"""

EML_GMAIL = """From: Dana Reyes <dana@callintel.example>
To: Sam Lee <sam@globex.com>
Subject: Re: Invoice 2231 is wrong
Date: Tue, 03 Nov 2026 10:15:00 +0000
Message-ID: <reply-2@callintel.example>
Content-Type: text/plain; charset=utf-8

Hi Sam, I have corrected the invoice and sent a new copy.

On Mon, 2 Nov 2026 at 09:00, Sam Lee <sam@globex.com> wrote:
> We were charged twice for November, can you fix invoice 2231?
> Thanks, Sam
"""

EML_OUTLOOK = """From: Sam Lee <sam@globex.com>
Subject: RE: Export
Date: Wed, 04 Nov 2026 08:00:00 +0000
Content-Type: text/plain; charset=utf-8

Thanks, but how do I export everything at once?

-----Original Message-----
From: Support <help@callintel.example>
Sent: Tuesday, November 3, 2026 4:00 PM
Subject: Export

You can export one report at a time from the admin page.

-----Original Message-----
From: Sam Lee <sam@globex.com>
Sent: Tuesday, November 3, 2026 3:00 PM

How do we get our call notes out?
"""


def _one(path, defaults=IngestDefaults()):
    (item,) = read_source(path, defaults).items
    return item


def test_webvtt_voices_merge_into_turns_and_the_rep_is_named(tmp_path):
    path = tmp_path / "call.vtt"
    path.write_text(VTT)
    item = _one(path, IngestDefaults(customer_id="globex", rep="dana"))
    u = item.transcript.utterances
    assert [(x.speaker.label, x.speaker.role, x.start_s, x.end_s) for x in u] == [
        ("Dana Reyes", "rep", 1.0, 5.0),
        ("Sam Lee", "customer", 6.0, 9.25),
    ]
    assert u[0].text == "Hi Sam, thanks for joining today. How is the rollout going?"
    assert item.interaction.metadata == {"format": "webvtt"} and item.transcript.duration_s == 9.25


def test_srt_speaker_prefixes_give_roles(tmp_path):
    path = tmp_path / "call.srt"
    path.write_text(SRT)
    u = _one(path, IngestDefaults(customer_id="acme")).transcript.utterances
    assert [(x.speaker.role, x.text) for x in u] == [
        ("rep", "Thanks for calling, how can I help?"),
        ("customer", "We want to cancel at the end of the term."),
    ]


def test_plain_text_with_times_and_continuation_lines(tmp_path):
    path = tmp_path / "call.txt"
    path.write_text(TXT)
    item = _one(path, IngestDefaults(customer_id="globex"))
    u = item.transcript.utterances
    assert [(x.speaker.label, x.speaker.role, x.start_s, x.end_s) for x in u] == [
        ("Dana", "unknown", 0.0, 4.0),
        ("Sam", "unknown", 4.0, 11.0),
        ("Dana", "unknown", 11.0, 13.4),
    ]
    assert u[1].text == "The invoice we got this month is double what we expected."


def test_plain_text_without_times_has_no_times(tmp_path):
    path = tmp_path / "call.txt"
    path.write_text("Rep: Hello there.\nClient: Hi.\n")
    u = _one(path, IngestDefaults(customer_id="a")).transcript.utterances
    assert [(x.speaker.role, x.start_s, x.end_s) for x in u] == [
        ("rep", None, None),
        ("customer", None, None),
    ]


def test_gmail_style_email_splits_the_quoted_thread(tmp_path):
    path = tmp_path / "invoice.eml"
    path.write_text(EML_GMAIL)
    item = _one(path)
    assert item.interaction.kind == "ticket" and item.interaction.customer_id == "globex.com"
    assert item.interaction.title == "Invoice 2231 is wrong"
    assert item.interaction.occurred_at == datetime(2026, 11, 3, 10, 15, tzinfo=UTC)
    assert [(u.speaker.role, u.speaker.label, u.text) for u in item.transcript.utterances] == [
        (
            "customer",
            "sam@globex.com",
            "We were charged twice for November, can you fix invoice 2231? Thanks, Sam",
        ),
        (
            "rep",
            "dana@callintel.example",
            "Hi Sam, I have corrected the invoice and sent a new copy.",
        ),
    ]


def test_outlook_style_email_and_rep_domains(tmp_path):
    path = tmp_path / "export.eml"
    path.write_text(EML_OUTLOOK)
    item = _one(
        path, IngestDefaults(customer_id="globex", rep_email_domains=("callintel.example",))
    )
    assert [(u.speaker.role, u.text) for u in item.transcript.utterances] == [
        ("customer", "How do we get our call notes out?"),
        ("rep", "You can export one report at a time from the admin page."),
        ("customer", "Thanks, but how do I export everything at once?"),
    ]


def test_html_only_email(tmp_path):
    path = tmp_path / "html.eml"
    path.write_text(
        "From: a@b.com\nSubject: Hi\nContent-Type: text/html\n\n<p>Please <b>cancel</b> our plan.</p>\n"
    )
    assert _one(path).transcript.utterances[0].text == "Please cancel our plan."


@pytest.mark.parametrize("sender", ['"' + "a" * 120_000, "a." * 60_000, "a@" * 60_000])
def test_a_hostile_from_header_is_refused_in_one_line_before_it_is_parsed(tmp_path, sender):
    """The stdlib's address parser takes seconds on these (4.4 s for the dots): their length is checked first."""
    path = tmp_path / "hostile.eml"
    path.write_text(f"From: {sender}\nSubject: Hi\n\nPlease cancel our plan.\n")
    with pytest.raises(
        MalformedSource, match=r"the From header is 1200\d\d characters long \(at most 8192\)"
    ):
        read_source(path)


def test_a_long_from_line_inside_a_thread_is_read_only_as_far_as_a_line_goes(tmp_path):
    from ingest.tickets import MAX_SENDER_CHARS, _sender

    quoted = "x" * 100_000 + " <late@example.com>"
    assert (
        _sender(quoted) == "x" * MAX_SENDER_CHARS
    )  # the address past the line limit is never searched for
    assert _sender("Sam Jones <sam@globex.com>") == "sam@globex.com"
    path = tmp_path / "thread.eml"
    path.write_text(
        "From: sam@globex.com\nSubject: Re: Export\n\nAny news?\n\n"
        "-----Original Message-----\nFrom: "
        + "a." * 60_000
        + "\nSubject: Export\n\nHow do I export?\n"
    )
    utterances = _one(path, IngestDefaults(customer_id="globex")).transcript.utterances
    assert [u.text for u in utterances] == ["How do I export?", "Any news?"]


def test_csv_tickets_group_rows_into_threads(tmp_path):
    path = tmp_path / "tickets.csv"
    path.write_text(
        "ticket_id,customer_id,created_at,subject,from,body\n"
        "T1,acme,2026-09-01T10:00:00Z,Invoice,customer,Why was I charged twice?\n"
        "T2,acme,2026-09-02T10:00:00Z,Export,customer,How do I export my data?\n"
        "T1,acme,2026-09-01T11:00:00Z,Invoice,agent,Refunded the duplicate charge.\n"
    )
    items = read_source(path).items
    assert [
        (i.interaction.title, [u.speaker.role for u in known(i.transcript).utterances])
        for i in items
    ] == [("Invoice", ["customer", "rep"]), ("Export", ["customer"])]


def test_json_ticket_list(tmp_path, write_json):
    path = write_json(
        "tickets.json",
        {
            "tickets": [
                {
                    "ticket_id": "9",
                    "customer_id": "a",
                    "created_at": "2026-01-01",
                    "body": "The invoice is wrong.",
                }
            ]
        },
    )
    assert read_source(path).items[0].interaction.metadata == {"format": "ticket", "ticket_id": "9"}


def test_usage_csv_extra_columns_are_properties(tmp_path):
    path = tmp_path / "usage.csv"
    path.write_text(
        "customer_id,kind,occurred_at,feature\nacme,feature_used,2026-09-01T10:00:00Z,dashboards\n"
        "acme,login,2026-09-02T10:00:00Z,\n"
    )
    events = read_source(path).usage_events
    assert [(e.kind, e.properties) for e in events] == [
        ("feature_used", {"feature": "dashboards"}),
        ("login", {}),
    ]


def test_recordings_are_checked_and_queued_for_transcription(tmp_path):
    path = write_wav(tmp_path / "call.wav", tone(2.0), tone(2.0, hz=330))
    (tmp_path / "call.wav.meta.json").write_text(
        json.dumps(
            {
                "customer_id": "acme",
                "rep": "dana",
                "occurred_at": "2026-09-01T10:00:00Z",
                "rep_channel": "right",
            }
        )
    )
    item = _one(path)
    assert (
        item.transcript is None
        and item.interaction.kind == "call"
        and item.interaction.rep == "dana"
    )
    meta = item.interaction.metadata
    assert (meta["format"], meta["channels"], meta["rep_channel"], meta["audio_path"]) == (
        "audio",
        2,
        "right",
        str(path.resolve()),
    )
    assert meta["duration_s"] == pytest.approx(2.0)


def test_command_line_over_sidecar_over_manifest_over_file(tmp_path, write_json):
    doc = {
        "customer_id": "from-file",
        "rep": "file-rep",
        "utterances": [{"speaker": "rep", "text": "Hello."}],
    }
    a, b, c = (write_json(f"calls/{n}.json", {**doc, "title": n}) for n in "abc")
    (tmp_path / "calls" / "manifest.csv").write_text(
        "file,customer_id,rep\na.json,from-manifest,manifest-rep\n"
        "b.json,from-manifest,manifest-rep\n"
    )
    (tmp_path / "calls" / "b.meta.json").write_text(json.dumps({"customer_id": "from-sidecar"}))
    assert (_one(a).interaction.customer_id, _one(a).interaction.rep) == (
        "from-manifest",
        "manifest-rep",
    )
    assert (_one(b).interaction.customer_id, _one(b).interaction.rep) == (
        "from-sidecar",
        "manifest-rep",
    )
    assert _one(c).interaction.customer_id == "from-file"
    assert _one(b, IngestDefaults(customer_id="from-cli")).interaction.customer_id == "from-cli"
    assert [p.name for p in discover([tmp_path / "calls"])] == [
        "a.json",
        "b.json",
        "c.json",
    ]  # metadata is not a source


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bad.vtt", "not a caption file", "not a valid VTT file"),
        ("empty.vtt", "WEBVTT\n", "no captions with text"),
        ("odd.csv", "a,b\n1,2\n", "a CSV needs a body/text/message column"),
        ("notext.csv", "ticket_id,body\nT1,\n", "line 2: no message text"),
        ("noheaders.eml", "just some words\n", "not an email"),
        ("broken.wav", "RIFF....WAVEfmt nonsense", "cannot decode audio"),
    ],
)
def test_bad_sources_name_the_file_and_the_problem(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(MalformedSource) as caught:
        read_source(path, IngestDefaults(customer_id="a"))
    assert str(caught.value).startswith(f"{path}: ") and message in str(caught.value)


def test_a_bad_sidecar_or_manifest_is_reported_on_its_own_file(tmp_path, write_json):
    path = write_json("x.json", {"customer_id": "a", "utterances": [{"text": "hi"}]})
    (tmp_path / "x.meta.json").write_text(json.dumps({"rep_channel": "middle"}))
    with pytest.raises(MalformedSource, match=r"x\.meta\.json: rep_channel"):
        read_source(path)
    (tmp_path / "x.meta.json").unlink()
    (tmp_path / "manifest.csv").write_text("name,customer_id\nx.json,b\n")
    with pytest.raises(
        MalformedSource, match=r"manifest\.csv: a manifest needs a header row with a 'file' column"
    ):
        read_source(path)


def test_a_recording_without_a_customer_says_how_to_give_one(tmp_path, store):
    write_wav(tmp_path / "a.wav", tone(1.0))
    report = ingest_paths([tmp_path], store)
    assert "a.wav.meta.json" in str(report.failed[0].error) and "--customer" in str(
        report.failed[0].error
    )
