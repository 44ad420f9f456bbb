"""The library below the facade reads no settings: the facade (api/service.py ``Callintel``) passes
CALLINTEL_RISK_PLAYBOOKS, CALLINTEL_ENCODER_PRECISION and CALLINTEL_MODEL_CACHE down (nlp/encoder.py,
risk/playbooks.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from api.service import Callintel
from models.settings import Settings
from risk.playbooks import DEFAULT_PLAYBOOKS, load_playbooks

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("module", ["nlp/encoder.py", "risk/playbooks.py"])
def test_the_module_reads_no_settings(module):
    names = {
        node.id if isinstance(node, ast.Name) else node.attr
        for node in ast.walk(ast.parse((ROOT / module).read_text()))
        if isinstance(node, ast.Name | ast.Attribute)
    }
    assert "get_settings" not in names


def test_the_facade_passes_the_playbooks_setting(tmp_path):
    text = DEFAULT_PLAYBOOKS.read_text()
    assert "Propose an expansion" in text
    custom = tmp_path / "playbooks.yaml"
    custom.write_text(text.replace("Propose an expansion", "Offer the premium plan"))
    with Callintel(
        Settings(risk_playbooks=custom), database_url=f"sqlite:///{tmp_path}/a.db"
    ) as ci:
        assert ci.playbooks().healthy.action.startswith("Offer the premium plan")
    with Callintel(Settings(), database_url=f"sqlite:///{tmp_path}/b.db") as ci:
        assert ci.playbooks() == load_playbooks()  # unset: the bundled ones, as before
