"""Turning pydantic validation failures into one readable line naming the file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from pydantic import ValidationError

from models.errors import MalformedSource

T = TypeVar("T")


def describe(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    more = f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
    return f"{where + ': ' if where else ''}{message}{more}"


def validated(path: Path, build: Callable[[], T], where: str = "") -> T:
    """Run ``build`` and report a validation failure as MalformedSource on ``path``."""
    try:
        return build()
    except ValidationError as exc:
        prefix = f"{where}: " if where else ""
        raise MalformedSource(f"{prefix}{describe(exc)}", path) from None
