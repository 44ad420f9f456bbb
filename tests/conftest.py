"""Shared fixtures: real SQLite stores in tmp dirs, real input files, the real console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

from models.settings import get_settings  # noqa: E402
from models.store import Store  # noqa: E402
from tests.helpers import Run  # noqa: E402

CALLINTEL = Path(sys.executable).with_name("callintel")


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Each test gets its own default database and fresh settings."""
    for key in list(os.environ):
        if key.startswith("CALLINTEL_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("CALLINTEL_DATABASE_URL", f"sqlite:///{tmp_path / 'default.db'}")
    monkeypatch.setenv(
        "CALLINTEL_SECRET_KEY", "tests-only-key-" + "k" * 32
    )  # no key file made in the user's data dir
    monkeypatch.setenv("CALLINTEL_RATE_LIMIT", "0")  # off in tests; the rate-limit tests turn it on
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


POSTGRES_URL = os.environ.get(
    "CALLINTEL_TEST_POSTGRES_URL"
)  # .ci/services.sh starts the server and sets it


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests marked ``both_backends`` run once on SQLite and once on a real PostgreSQL server."""
    if "backend" in metafunc.fixturenames and metafunc.definition.get_closest_marker(
        "both_backends"
    ):
        metafunc.parametrize("backend", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    return getattr(request, "param", "sqlite")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped after it."""
    if not POSTGRES_URL:
        if os.environ.get("CI"):
            pytest.fail(
                "CALLINTEL_TEST_POSTGRES_URL is not set: .ci/services.sh starts PostgreSQL and sets it"
            )
        pytest.skip(
            "no PostgreSQL server (CALLINTEL_TEST_POSTGRES_URL unset; .ci/services.sh sets one up)"
        )
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"callintel_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "postgresql":
        return request.getfixturevalue("postgres_url")
    return f"sqlite:///{tmp_path / 'store.db'}"


@pytest.fixture
def store(db_url: str):
    with Store(db_url) as s:
        yield s


@pytest.fixture
def write_json(tmp_path: Path):
    def write(name: str, value) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if name.endswith(".jsonl"):
            path.write_text("".join(json.dumps(row) + "\n" for row in value))
        else:
            path.write_text(json.dumps(value))
        return path

    return write


@pytest.fixture
def cli(tmp_path: Path):
    """Run the installed ``callintel`` console script in a subprocess."""

    def run(
        *args: str,
        input: str | None = None,
        env: dict[str, str] | None = None,
        timeout: float = 300,
    ) -> Run:
        full_env = {**os.environ, "COLUMNS": "200", **(env or {})}
        proc = subprocess.run(
            [str(CALLINTEL), *args],
            input=input,
            capture_output=True,
            text=True,
            env=full_env,
            timeout=timeout,
            cwd=tmp_path,
        )
        return Run(proc.returncode, proc.stdout, proc.stderr)

    return run


@pytest.fixture(scope="session")
def whisper():
    """The real default transcriber: the bundled faster-whisper tiny.en (checksum verified), loaded once."""
    from transcribe.engine import TranscribeOptions, WhisperEngine

    return WhisperEngine(TranscribeOptions(threads=2))


@pytest.fixture(scope="session")
def tagger():
    """The real tagger: bundled MiniLM (checksum verified), shipped heads, bundled catalogue."""
    from nlp.tagger import Tagger

    return Tagger()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that runs the console script (the ``cli`` fixture) is slow: each run is a process that imports
    the model libraries and loads the models. ``make test-fast`` (``-m "not slow"``) leaves these out."""
    for item in items:
        if "cli" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


@pytest.hookimpl(wrapper=True, tryfirst=True)  # the outermost wrapper: after pytest's short summary
def pytest_terminal_summary(terminalreporter):
    """After the run: one line per group of skipped tests, saying what they need and how to run them."""
    from tests.helpers import skip_summary

    result = yield
    reasons = []
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = report.longrepr
        reasons.append(longrepr[2] if isinstance(longrepr, tuple) else str(longrepr))
    for line in skip_summary(reasons):
        terminalreporter.write_line(line, yellow=True)
    return result
