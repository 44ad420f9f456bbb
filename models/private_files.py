"""Files and folders only their owner can read: the database, its folder, uploads, keys.

- ``make_private_dir(path)``: create a folder (and missing parents) the folder itself 0700; an existing one is
  left as it is.
- ``create_private_file(path)``: create an empty file 0600 unless it exists (True when this call created it).
- ``private_writer(path)``: write a file 0600 atomically: into a hidden temporary file in the same folder,
  renamed over ``path`` only when the block ends without an error (removed otherwise).

They raise ``OSError``; callers turn it into their own CallintelError naming the path.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

__all__ = ["DIR_MODE", "FILE_MODE", "create_private_file", "make_private_dir", "private_writer"]

DIR_MODE = 0o700
FILE_MODE = 0o600


def make_private_dir(path: str | Path) -> Path:
    """``path`` as a folder; created 0700 when missing (its missing parents with the usual mode)."""
    path = Path(path).expanduser()
    if path.is_dir():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.mkdir(path, DIR_MODE)
    except FileExistsError:  # made meanwhile by another process, or a file is in the way
        if not path.is_dir():
            raise
        return path
    os.chmod(path, DIR_MODE)  # exact, whatever the umask
    return path


def create_private_file(path: str | Path) -> bool:
    """Create ``path`` empty and 0600 unless it exists; True when this call created it."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, FILE_MODE)
    except FileExistsError:
        return False
    os.close(descriptor)
    return True


@contextmanager
def private_writer(path: str | Path) -> Iterator[BinaryIO]:
    """A binary file to write ``path``'s content into; ``path`` appears (0600, whole) only on success."""
    path = Path(path)
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".part"
    )  # 0600
    try:
        with os.fdopen(descriptor, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
