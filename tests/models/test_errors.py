"""The one exception tree: every CallintelError is defined in models/errors.py and drawn in its docstring."""

from __future__ import annotations

import importlib
import pkgutil

import models.errors as errors
from models.errors import CallintelError

PACKAGES = ("api", "models", "pipeline", "ingest", "nlp", "risk", "transcribe")


def _subclasses(cls: type[object]) -> set[type[object]]:
    found: set[type[object]] = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return found


def test_every_callintel_error_is_defined_in_models_errors_and_drawn() -> None:
    for package in PACKAGES:
        for info in pkgutil.walk_packages(importlib.import_module(package).__path__, f"{package}."):
            if info.name.endswith("__main__") or ".migrations" in info.name:
                continue
            try:
                importlib.import_module(info.name)
            except ImportError:
                continue  # an optional extra not installed here
    classes = _subclasses(CallintelError)
    outside = sorted(
        f"{c.__module__}.{c.__name__}" for c in classes if c.__module__ != errors.__name__
    )
    assert outside == []
    doc = errors.__doc__ or ""
    assert all(f" {c.__name__} " in doc for c in classes)
    assert sorted(c.__name__ for c in classes) == sorted(
        n for n in errors.__all__ if n != "CallintelError"
    )
