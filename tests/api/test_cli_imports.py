"""The CLI starts without the heavy libraries: each command imports what it uses (issue 19, tagging start-up).

Each check runs in a fresh interpreter and reads ``sys.modules``: what was imported, not how long it took.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = (
    pytest.mark.slow
)  # each check starts a fresh interpreter (the process boundary is what they test)

ROOT = Path(__file__).resolve().parents[2]
MODEL_LIBRARIES = (
    "torch",
    "transformers",
    "sentence_transformers",
    "faster_whisper",
    "ctranslate2",
)
NOT_AT_START = (*MODEL_LIBRARIES, "spacy", "sklearn", "fastapi", "uvicorn", "alembic", "celery")


def imported_after(code: str, stdin: str = "") -> set[str]:
    """The top-level modules a fresh interpreter holds after running ``code`` from the repository root."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})), file=sys.stderr)"
    proc = subprocess.run(
        [sys.executable, "-c", probe],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return set(json.loads(proc.stderr.strip().splitlines()[-1]))


def test_importing_the_cli_loads_no_model_library_nor_server():
    loaded = imported_after("import api.cli")
    assert not loaded & set(NOT_AT_START), sorted(loaded & set(NOT_AT_START))


def test_help_loads_no_model_library():
    loaded = imported_after("from api.cli import main\nmain(['--help'])")
    assert not loaded & set(NOT_AT_START), sorted(loaded & set(NOT_AT_START))


def test_a_store_command_loads_no_model_library(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    loaded = imported_after(
        f"from api.cli import main\nmain(['jobs', 'list', '--database-url', {url!r}])"
    )
    assert "sqlalchemy" in loaded  # it did open the store
    assert not loaded & set(MODEL_LIBRARIES), sorted(loaded & set(MODEL_LIBRARIES))


def test_tag_loads_the_encoder_without_torch_transformers_nor_the_store():
    code = "import sys\nsys.argv = ['callintel', 'tag']\nfrom api.cli import main\nmain(['tag'])"
    loaded = imported_after(code, stdin="We are moving to Gong, it is too expensive\n")
    assert {"onnxruntime", "spacy", "tokenizers"} <= loaded  # it did tag
    unused = {
        "torch",  # spaCy's thinc would import it: nlp/__init__.py hides it from thinc
        "transformers",
        "sentence_transformers",
        "sklearn",
        "faster_whisper",
        "alembic",
        "fastapi",
    }
    assert not loaded & unused, sorted(loaded & unused)


def test_the_bundled_encoder_runs_without_torch():
    """ONNX Runtime runs the MiniLM, exported once beforehand (the one export imports torch)."""
    code = "from nlp.encoder import Encoder\nassert Encoder().encode(['too expensive']).shape == (1, 384)"
    imported_after(code)  # the first use in this model cache exports the ONNX file (torch); then:
    loaded = imported_after(code)
    assert "onnxruntime" in loaded
    assert not loaded & {"torch", "transformers", "sentence_transformers"}, sorted(
        loaded & {"torch", "transformers", "sentence_transformers"}
    )


def test_spacy_imported_through_nlp_leaves_torch_importable_afterwards():
    """thinc is kept from importing torch, yet torch itself still imports for what needs it (the ONNX export)."""
    code = (
        "import nlp.tagger, sys\nassert 'torch' not in sys.modules\n"
        "import thinc.compat\nassert not thinc.compat.has_torch\nimport torch\nassert torch.ones(2).sum() == 2"
    )
    loaded = imported_after(code)
    assert {"spacy", "torch"} <= loaded
