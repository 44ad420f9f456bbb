"""Tagging, sentiment, call metrics and summaries over transcripts and tickets.

spaCy imports thinc, and thinc imports PyTorch whenever it is installed (about 2 s of start-up) for
models this project never builds: spaCy serves only blank pipelines, matchers and the sentencizer here,
and the sentence encoder runs on ONNX Runtime. So while thinc's compatibility module loads, and only
then, ``import torch`` fails as if torch were not installed; torch imported before, or afterwards
(the one-off ONNX export, a configured sentence-transformers model, training), is the real one.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec
from types import ModuleType


class _TorchHiddenFromThinc(MetaPathFinder):
    """Refuses ``torch`` while ``thinc.compat`` runs (it then sets ``has_torch = False``); else no opinion."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname == "torch" and _thinc_compat_loading():
            raise ModuleNotFoundError("torch is not imported by spaCy in callintel", name=fullname)
        return None


def _thinc_compat_loading() -> bool:
    module = sys.modules.get("thinc.compat")
    return module is not None and not hasattr(module, "has_torch")


if "thinc" not in sys.modules and not any(
    isinstance(finder, _TorchHiddenFromThinc) for finder in sys.meta_path
):
    sys.meta_path.insert(0, _TorchHiddenFromThinc())
