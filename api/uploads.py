"""The upload folder: files received whole or not at all, private, and no orphans left behind.

Each upload streams to a temporary ``.part-<hex>`` file (0600) in ``CALLINTEL_UPLOAD_DIR``, locked (``flock``) for
as long as its request runs; complete, it is renamed into its own folder ``<hex>/`` (0700) and read from there.
A failure at any step removes both. What a killed server leaves (a ``.part-`` file, or a folder no stored
interaction refers to) is swept at the next start-up; a file still locked belongs to a live upload and is kept.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import re
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from models import interactions_repo
from models.errors import (
    CallintelError,
    InsufficientStorage,
    StoreError,
    TooLarge,
    UploadFolderError,
)
from models.private_files import make_private_dir
from models.store import Store

__all__ = [
    "Received",
    "receive",
    "safe_name",
    "sweep_orphans",
]

logger = logging.getLogger("callintel.api")
CHUNK = 1024 * 1024
PART_PREFIX = ".part-"
FOLDER_NAME = re.compile(r"^[0-9a-f]{32}$")
EMPTY_GRACE_S = 60.0  # an empty folder this new may be a live upload's, about to receive its file
FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


def safe_name(name: str | None) -> str:
    cleaned = re.sub(r"[^\w.\-]+", "_", Path(name or "upload").name).strip("._") or "upload"
    return cleaned[:120]


def storage_error(exc: OSError, filename: str | None) -> CallintelError:
    """An OSError writing an upload as our error: never the server's paths, never a traceback."""
    if exc.errno in FULL:
        return InsufficientStorage(
            "insufficient storage: the upload folder is full (CALLINTEL_UPLOAD_DIR)", filename
        )
    reason = exc.strerror or type(exc).__name__
    return UploadFolderError(
        f"the server cannot store uploads: {reason} (CALLINTEL_UPLOAD_DIR)", filename
    )


@dataclass
class Received:
    """An upload on disk; ``keep`` it when stored interactions refer to it, else it is removed."""

    path: Path
    keep: bool = field(default=False)


def _copy(
    source: BinaryIO, out: BinaryIO, limit_mb: int, setting: str, filename: str | None
) -> None:
    written = 0
    while chunk := source.read(CHUNK):
        written += len(chunk)
        if written > limit_mb * CHUNK:
            raise TooLarge(f"the file is larger than {limit_mb} MiB ({setting})", filename)
        out.write(chunk)
    out.flush()
    os.fsync(out.fileno())


def _open_part(part: Path) -> BinaryIO:
    """The temporary file, new (0600) and locked by this process until it is closed."""
    out = os.fdopen(os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")
    fcntl.flock(out.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    return out


@contextmanager
def receive(
    source: BinaryIO, filename: str | None, root: Path, limit_mb: int, setting: str
) -> Iterator[Received]:
    """Stream ``source`` into the upload folder and yield where it lies; removed afterwards unless kept."""
    key = uuid.uuid4().hex
    part, folder = root / f"{PART_PREFIX}{key}", root / key
    received = Received(folder / safe_name(filename))
    out: BinaryIO | None = None
    try:
        try:
            make_private_dir(root)
            out = _open_part(part)
            _copy(source, out, limit_mb, setting, filename)
            folder.mkdir(mode=0o700)
            part.rename(
                received.path
            )  # the lock goes with the file: still held while it is read and stored
        except OSError as exc:
            raise storage_error(exc, filename) from None
        yield received
    finally:
        if not received.keep:
            part.unlink(missing_ok=True)
            shutil.rmtree(folder, ignore_errors=True)
        if out is not None:
            _close(out)


def _close(out: BinaryIO) -> None:
    """Close (and unlock) the upload's file; after a failed write its unflushed bytes are dropped, not raised again."""
    try:
        out.close()
    except OSError as exc:
        logger.debug("upload file not flushed on close: %s", exc)


def _in_use(entry: Path) -> bool:
    """A live upload's: one of its files is locked, or it is a folder too new to have its file yet."""
    files = [entry] if entry.is_file() else [p for p in entry.rglob("*") if p.is_file()]
    if not files:
        return time.time() - entry.stat().st_mtime < EMPTY_GRACE_S
    for path in files:
        with path.open("rb") as handle:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
    return False


def _referenced(root: Path, store: Store) -> set[str]:
    """The names of the upload folders that stored interactions refer to (their source or recording)."""
    roots = {os.path.abspath(root), os.path.realpath(root)}
    names: set[str] = set()
    with store.transaction() as session:
        for where in interactions_repo.upload_references(session):
            folder = os.path.dirname(os.path.abspath(str(where).split("#")[0]))
            if os.path.dirname(folder) in roots:
                names.add(os.path.basename(folder))
    return names


def _orphans(root: Path, store: Store) -> Iterator[Path]:
    referenced = _referenced(root, store)
    for entry in sorted(root.iterdir()):
        if entry.name.startswith(PART_PREFIX) and entry.is_file() and not entry.is_symlink():
            yield entry
        elif (
            FOLDER_NAME.match(entry.name)
            and entry.is_dir()
            and not entry.is_symlink()
            and entry.name not in referenced
        ):
            yield entry


def sweep_orphans(root: Path, store: Store) -> list[Path]:
    """Remove what killed uploads left in ``root``; never a folder a stored interaction refers to, nor a live upload's."""
    if not root.is_dir():
        return []
    removed: list[Path] = []
    try:
        for entry in _orphans(root, store):
            if _in_use(entry):
                continue
            entry.unlink() if entry.is_file() else shutil.rmtree(entry)
            removed.append(entry)
    except (OSError, StoreError) as exc:
        logger.warning("upload folder %s: orphans not swept (%s)", root, exc)
    if removed:
        logger.info(
            "upload folder %s: removed %d files left by interrupted uploads", root, len(removed)
        )
    return removed
