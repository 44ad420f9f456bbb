"""The stdin batching and line parsing of `callintel tag`, without a model."""

import io
import os
import threading

import pytest

from api.tag_stream import line_batches, parse_line
from models.errors import MalformedSource


def test_batches_from_a_file_like_object_keep_line_numbers():
    stream = io.BytesIO(b"a\nb\nc\nd\ne")
    assert list(line_batches(stream, 2)) == [
        [(1, b"a"), (2, b"b")],
        [(3, b"c"), (4, b"d")],
        [(5, b"e")],
    ]


def test_a_pause_flushes_a_partial_batch_on_a_pipe():
    read_fd, write_fd = os.pipe()
    reader = os.fdopen(read_fd, "rb", buffering=0)
    got = []
    first_seen = threading.Event()

    def consume():
        for batch in line_batches(reader, 100, pause_s=0.05):
            got.append(batch)
            first_seen.set()

    thread = threading.Thread(target=consume)
    thread.start()
    os.write(write_fd, b"one\ntwo\n")
    assert first_seen.wait(5), "a partial batch must come out while the writer pauses"
    assert got[0] == [(1, b"one"), (2, b"two")]
    os.write(write_fd, b"three")
    os.close(write_fd)
    thread.join(5)
    assert got[-1] == [(3, b"three")]


@pytest.mark.parametrize(
    ("raw", "text", "role", "given"),
    [
        (b"plain words", "plain words", "unknown", False),
        (b'{"text": "hi", "speaker": "agent"}', "hi", "rep", True),
        (b'{"text": "hi", "speaker": "SPEAKER_2"}', "hi", "unknown", True),
        (b'{"text": "hi", "speaker": {"role": "customer", "label": "C"}}', "hi", "customer", True),
    ],
)
def test_parse_line(raw, text, role, given):
    item, with_speaker = parse_line(1, raw)
    assert (item.text, item.role, with_speaker) == (text, role, given)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{broken", "line 7: malformed JSON"),
        (b'{"text": 5}', "line 7: a JSON line needs a string 'text' field"),
        (b'{"text": "x", "speaker": 3}', "line 7: 'speaker' must be a string"),
        (b'{"text": "x", "speaker": {"role": "boss"}}', "line 7: bad speaker"),
        (b"\xff\xfe", "line 7: not UTF-8"),
    ],
)
def test_bad_lines(raw, message):
    with pytest.raises(MalformedSource, match=message) as caught:
        parse_line(7, raw)
    assert str(caught.value).startswith("<stdin>: ")


def test_a_line_past_the_limit_is_not_read_whole_from_a_file_like_object():
    stream = io.BytesIO(b"ok\n" + b"x" * 10_000_000 + b"\nnever\n")
    assert list(line_batches(stream, 100, max_chars=1000)) == [[(1, b"ok"), (2, None)]]
    assert stream.tell() <= 3 + 4 * 1000 + 1  # the rest of the 10 MB line stays unread


def test_a_line_past_the_limit_is_not_read_whole_from_a_pipe():
    read_fd, write_fd = os.pipe()
    reader = os.fdopen(read_fd, "rb", buffering=0)
    written = [0]

    def produce():  # an endless line: writes until the reader closes the pipe
        try:
            with os.fdopen(write_fd, "wb", buffering=0) as writer:
                writer.write(b"ok\n")
                while written[0] < 100_000_000:
                    written[0] += writer.write(b"x" * 65536)
        except BrokenPipeError:
            pass

    thread = threading.Thread(target=produce)
    thread.start()
    batches = list(line_batches(reader, 100, max_chars=1000))
    reader.close()
    thread.join(timeout=30)
    assert batches[-1][-1] == (2, None) and (1, b"ok") in [
        line for batch in batches for line in batch
    ]
    assert written[0] < 2_000_000  # stopped after a few chunks, not at the producer's 100 MB


def test_parse_line_counts_characters_not_bytes():
    assert parse_line(3, "é".encode() * 1000, max_chars=1000)[0].text == "é" * 1000
    with pytest.raises(
        MalformedSource, match=r"line 3: longer than 1000 characters \(CALLINTEL_MAX_LINE_CHARS\)"
    ):
        parse_line(3, "é".encode() * 1001, max_chars=1000)
    with pytest.raises(MalformedSource, match="line 9: longer than 1000 characters"):
        parse_line(9, None, max_chars=1000)
