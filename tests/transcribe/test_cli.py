import json

from tests.audio import tone, write_wav
from tests.helpers import one_line_error


def test_transcribe_json_and_vtt(cli, tiny_whisper, tmp_path):
    audio = write_wav(tmp_path / "call.wav", tone(4.0), tone(4.0, hz=330.0))
    run = cli("transcribe", str(audio), "--model", str(tiny_whisper), "--json", "--beam-size", "1", "--no-vad", "--temperature", "0")
    assert run.returncode == 0, run.stderr
    transcript = json.loads(run.stdout)
    assert transcript["engine"] == "faster-whisper" and transcript["duration_s"] == 4.0
    assert {u["speaker"]["role"] for u in transcript["utterances"]} <= {"rep", "customer"}
    vtt = cli("transcribe", str(audio), "--model", str(tiny_whisper), "--format", "vtt", "--beam-size", "1", "--no-vad", "--temperature", "0")
    assert vtt.returncode == 0 and vtt.stdout.startswith("WEBVTT\n")


def test_transcribe_errors_are_one_line(cli, tiny_whisper, tmp_path):
    corrupt = tmp_path / "broken.mp3"
    corrupt.write_bytes(b"ID3" + bytes(300))
    assert "cannot decode audio" in one_line_error(cli("transcribe", str(corrupt), "--model", str(tiny_whisper)))
    run = cli("transcribe", str(corrupt))
    assert "no Whisper model given" in one_line_error(run) and run.returncode == 3
    assert "must be left or right" in one_line_error(
        cli("transcribe", str(corrupt), "--model", str(tiny_whisper), "--rep-channel", "middle"))
