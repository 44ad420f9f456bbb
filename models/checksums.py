"""SHA-256 of files, and the check every bundled model's weights pass before they are loaded."""

from __future__ import annotations

import hashlib
from pathlib import Path

from models.errors import ModelUnavailable

__all__ = ["check_sha256", "sha256_of"]

_READ = 1 << 20


def sha256_of(path: Path) -> str:
    """The file's SHA-256, read a MiB at a time."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(_READ), b""):
            digest.update(block)
    return digest.hexdigest()


def check_sha256(path: Path, expected: str) -> None:
    """Raise ModelUnavailable, naming the file, unless its SHA-256 is ``expected``."""
    actual = sha256_of(path)
    if actual != expected:
        raise ModelUnavailable(f"SHA-256 is {actual}, expected {expected}; refusing to load", path)
