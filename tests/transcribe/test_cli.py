import json

import pytest

from tests.helpers import one_line_error
from tests.speech import mix, two_voice_turns

pytestmark = pytest.mark.slow


def test_transcribe_with_the_bundled_model_and_the_sidecar(cli, tmp_path):
    audio, _ = mix(
        tmp_path / "call.wav", two_voice_turns()[:4], gap_s=1.0, stereo=True, left_voice="austen"
    )
    run = cli(
        "transcribe", str(audio), "--json"
    )  # nothing set: the bundled tiny.en, the rep on the left
    assert run.returncode == 0, run.stderr
    transcript = json.loads(run.stdout)
    assert (transcript["engine"], transcript["model"]) == ("faster-whisper", "tiny.en")
    first = transcript["utterances"][0]
    assert first["speaker"]["role"] == "rep" and "dashwood" in first["text"].lower()
    (tmp_path / "call.wav.meta.json").write_text('{"rep_channel": "right"}')
    swapped = json.loads(cli("transcribe", str(audio), "--json").stdout)
    assert (
        swapped["utterances"][0]["speaker"]["role"] == "customer"
    )  # the sidecar says the rep is on the right
    again = json.loads(cli("transcribe", str(audio), "--json", "--rep-channel", "left").stdout)
    assert (
        again["utterances"][0]["speaker"]["role"] == "rep"
    )  # the command line wins over the sidecar
    vtt = cli("transcribe", str(audio), "--format", "vtt")
    assert (
        vtt.returncode == 0 and vtt.stdout.startswith("WEBVTT\n") and "<v customer>" in vtt.stdout
    )


def test_transcribe_errors_are_one_line(cli, tmp_path):
    corrupt = tmp_path / "broken.mp3"
    corrupt.write_bytes(b"ID3" + bytes(300))
    assert "cannot decode audio" in one_line_error(cli("transcribe", str(corrupt)))
    assert "must be left or right" in one_line_error(
        cli("transcribe", str(corrupt), "--rep-channel", "middle")
    )
    broken = tmp_path / "model"
    broken.mkdir()
    (broken / "model.bin").write_bytes(b"nonsense")
    run = cli("transcribe", str(corrupt), "--model", str(broken))
    assert "cannot load Whisper model" in one_line_error(run) and run.returncode == 3
    offline = cli("transcribe", str(corrupt), "--model", "large-v3", env={"HF_HUB_OFFLINE": "1"})
    assert (
        "cannot load Whisper model 'large-v3'" in one_line_error(offline)
        and offline.returncode == 3
    )
    (tmp_path / "weights.bin").write_bytes(b"x")
    assert "is a CTranslate2 directory" in one_line_error(
        cli("transcribe", str(corrupt), "--model", str(tmp_path / "weights.bin"))
    )
