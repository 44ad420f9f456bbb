"""The helpers that make files and folders only their owner can read."""

from __future__ import annotations

import os

import pytest

from models.private_files import create_private_file, make_private_dir, private_writer


def test_make_private_dir_creates_0700_and_accepts_an_existing_one(tmp_path):
    old = os.umask(0)
    try:
        made = make_private_dir(tmp_path / "a" / "b")
    finally:
        os.umask(old)
    assert made.stat().st_mode & 0o777 == 0o700
    assert make_private_dir(made) == made
    (tmp_path / "file").write_text("x")
    with pytest.raises(FileExistsError):
        make_private_dir(tmp_path / "file")


def test_create_private_file_is_0600_and_never_replaces(tmp_path):
    path = tmp_path / "db"
    assert create_private_file(path) is True
    assert path.stat().st_mode & 0o777 == 0o600
    path.write_text("kept")
    assert create_private_file(path) is False and path.read_text() == "kept"


def test_private_writer_appears_whole_or_not_at_all(tmp_path):
    path = tmp_path / "upload.bin"
    with private_writer(path) as handle:
        handle.write(b"data")
        assert not path.exists()
    assert path.read_bytes() == b"data" and path.stat().st_mode & 0o777 == 0o600
    with pytest.raises(RuntimeError), private_writer(tmp_path / "broken.bin") as handle:
        handle.write(b"half")
        raise RuntimeError("client went away")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["upload.bin"]
