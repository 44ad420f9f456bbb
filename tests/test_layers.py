"""The packages' layering, as the README's Layout section draws it: each package imports only those below it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# What each package may import (of ours); the README's diagram is this table.
ALLOWED: dict[str, set[str]] = {
    "models": set(),
    "ingest": {"models"},
    "transcribe": {"models", "ingest"},
    "nlp": {"models", "ingest"},
    "risk": {"models", "ingest"},
    "portfolio": {"models", "ingest", "risk"},
    "pipeline": {"models", "ingest", "transcribe", "nlp", "risk", "portfolio"},
    "api": {"models", "ingest", "transcribe", "nlp", "risk", "portfolio", "pipeline"},
}


def imported_packages(package: str, root: Path = ROOT) -> dict[str, set[str]]:
    """Each of our packages ``package`` imports, with the files that import it."""
    found: dict[str, set[str]] = {}
    for path in sorted((root / package).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top in ALLOWED and top != package:
                    found.setdefault(top, set()).add(str(path.relative_to(root)))
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_a_package_imports_only_the_layers_below_it(package):
    wrong = {
        top: files
        for top, files in imported_packages(package).items()
        if top not in ALLOWED[package]
    }
    assert not wrong, (
        f"{package} imports {sorted(wrong)} from {sorted(set().union(*wrong.values()))}"
    )


def test_the_layering_catches_an_upward_import(tmp_path):
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "bad.py").write_text("import nlp\nfrom api.service import Callintel\n")
    assert imported_packages("models", tmp_path) == {
        "api": {"models/bad.py"},
        "nlp": {"models/bad.py"},
    }
