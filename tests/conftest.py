"""Shared fixtures: real SQLite stores in tmp dirs, real input files, the CLI (in process, or the
real console script)."""

from __future__ import annotations

import io
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

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


# the databases postgres_url made for the running test, not used since
_FRESH_POSTGRES: set[str] = set()


def _admin():
    from sqlalchemy import create_engine

    assert POSTGRES_URL
    return create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")


def _database_url(name: str) -> str:
    assert POSTGRES_URL
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


def _create_database(prefix: str, template: str | None = None) -> str:
    """A new database named ``prefix`` and a random suffix (a copy of ``template`` where given: it may have no
    connection then); its name."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    copied = f' TEMPLATE "{template}"' if template else ""
    admin = _admin()
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"{copied}'))
    finally:
        admin.dispose()
    return name


def _drop(name: str) -> None:
    admin = _admin()
    try:
        _drop_database(admin, name)
    finally:
        admin.dispose()


def _require_postgres() -> None:
    """Skip the test where no PostgreSQL server is configured (fail under CI, which starts one)."""
    if not POSTGRES_URL:
        if os.environ.get("CI"):
            pytest.fail(
                "CALLINTEL_TEST_POSTGRES_URL is not set: .ci/services.sh starts PostgreSQL and sets it"
            )
        pytest.skip(
            "no PostgreSQL server (CALLINTEL_TEST_POSTGRES_URL unset; .ci/services.sh sets one up)"
        )


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped after it."""
    _require_postgres()
    name = _create_database("callintel_test")
    _FRESH_POSTGRES.add(name)
    yield _database_url(name)
    _FRESH_POSTGRES.discard(name)
    _drop(name)


def _drop_database(admin, name: str, wait_s: float = 60.0) -> None:
    """DROP ... WITH (FORCE); a role without pg_signal_backend cannot end an autovacuum worker that happens to be
    in the database, so then wait for the database to have no other connection and drop it plainly."""
    import time

    from sqlalchemy.exc import ProgrammingError

    with admin.connect() as connection:
        try:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return
        except ProgrammingError:
            pass
        others = text("SELECT count(*) FROM pg_stat_activity WHERE datname = :name")
        deadline = time.monotonic() + wait_s
        while connection.execute(others, {"name": name}).scalar() and time.monotonic() < deadline:
            time.sleep(0.2)  # polling a condition (autovacuum leaving), not waiting a fixed time
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))


@pytest.fixture
def db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "postgresql":
        return request.getfixturevalue("postgres_url")
    return f"sqlite:///{tmp_path / 'store.db'}"


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file migrated to head once per session: each ``store`` starts from a copy of it rather than
    running every migration again (about 0.15 s of CPU a store)."""
    path = tmp_path_factory.mktemp("template") / "store.db"
    Store(f"sqlite:///{path}").close()  # closing checkpoints the WAL into the file
    return path


@pytest.fixture(scope="session")
def migrated_postgres() -> Iterator[str]:
    """A PostgreSQL database migrated to head once per session (test process), the template each
    ``migrated_copy`` of a PostgreSQL URL is made from: running every migration takes about a second a database."""
    _require_postgres()
    name = _create_database("callintel_template")
    Store(_database_url(name)).close()  # disposes its engine: a template may have no connection
    yield name
    _drop(name)


@pytest.fixture
def migrated_copy(request: pytest.FixtureRequest) -> Callable[[str], str]:
    """``migrated_copy(url)``: ``url`` with an empty store at head in it, copied from the session's migrated one
    rather than made by running every migration again (for a test that needs an empty store, not the
    migrations): where an SQLite URL names a file not there yet, a copy of the session's migrated file; where a
    PostgreSQL URL names the database ``postgres_url`` made for this test and nothing has used it yet, that
    database made again from the session's migrated template. Any other URL unchanged."""

    def copy(url: str) -> str:
        database = make_url(url).database
        if url.startswith("sqlite:///") and database and not Path(database).exists():
            shutil.copyfile(request.getfixturevalue("migrated_sqlite"), database)
            Path(database).chmod(0o600)
        elif url.startswith("postgresql") and database in _FRESH_POSTGRES:
            _from_template(database, request.getfixturevalue("migrated_postgres"))
        return url

    return copy


def _from_template(name: str, template: str) -> None:
    """Make the untouched database ``name`` again as a copy of ``template``."""
    _FRESH_POSTGRES.discard(name)
    admin = _admin()
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}"'))
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    finally:
        admin.dispose()


def known_database(url: str) -> str:
    database = make_url(url).database
    assert database, url
    return database


@pytest.fixture
def store_copy(tmp_path: Path, request: pytest.FixtureRequest) -> Callable[[str], str]:
    """``store_copy(url)``: the URL of a new private copy of the closed store at ``url`` (an SQLite file copied
    beside the others; a PostgreSQL database made with ``url``'s as its template, dropped after the test), for a
    test that needs the same data twice without building it twice."""

    def copy(url: str) -> str:
        database = known_database(url)
        if url.startswith("sqlite:///"):
            target = tmp_path / f"copy_{uuid.uuid4().hex[:12]}.db"
            shutil.copyfile(database, target)
            return f"sqlite:///{target}"
        name = _create_database("copy", template=database)
        request.addfinalizer(lambda: _drop(name))
        return _database_url(name)

    return copy


@pytest.fixture(scope="session")
def _built_stores() -> Iterator[dict[tuple[str, str], str]]:
    """(key, backend) -> URL of a store ``built_store`` filled once this session; PostgreSQL ones dropped after."""
    built: dict[tuple[str, str], str] = {}
    yield built
    for url in built.values():
        if url.startswith("postgresql"):
            _drop(known_database(url))


@pytest.fixture
def built_store(
    backend: str,
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    store_copy: Callable[[str], str],
    _built_stores: dict[tuple[str, str], str],
) -> Callable[[str, Callable[[str], object]], str]:
    """``built_store(key, fill)``: the URL of a private copy of a store on the test's backend that ``fill(url)``
    filled (and closed) once per session under ``key``: for the tests of a module that each need the same
    book, built once rather than once a test. ``fill`` gets an empty store at head."""

    def copy(key: str, fill: Callable[[str], object]) -> str:
        made = _built_stores.get((key, backend))
        if made is None:
            if backend == "postgresql":
                template = request.getfixturevalue("migrated_postgres")
                made = _database_url(_create_database("callintel_built", template=template))
            else:
                path = tmp_path_factory.mktemp("built") / "store.db"
                shutil.copyfile(request.getfixturevalue("migrated_sqlite"), path)
                made = f"sqlite:///{path}"
            _built_stores[(key, backend)] = made  # before filling: a failed fill is dropped too
            fill(made)
        return store_copy(made)

    return copy


@pytest.fixture
def store(db_url: str, migrated_copy: Callable[[str], str]):
    """A migrated store on ``db_url`` (a private copy of the session's migrated SQLite file or PostgreSQL
    database: opening it only checks that it is at head, as ``Database.migrate`` does for any database already
    there)."""
    with Store(migrated_copy(db_url)) as s:
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


class _CliTimeout(BaseException):
    """Raised by the alarm in an in-process run: a BaseException, so main()'s last line of defence lets it by."""


def _text_stream(data: str = "") -> io.TextIOWrapper:
    """A text stream over bytes, with a ``.buffer`` like the real stdin, stdout and stderr."""
    return io.TextIOWrapper(io.BytesIO(data.encode()), encoding="utf-8", write_through=True)


def _written(stream: io.TextIOWrapper) -> str:
    """What was written to a ``_text_stream``."""
    buffer = stream.buffer
    assert isinstance(buffer, io.BytesIO)
    return buffer.getvalue().decode()


@pytest.fixture
def cli(tmp_path: Path):
    """Run ``callintel ARGS`` in this process through ``api.cli.main(argv)``: the fast default.

    Like ``cli_process``: stdin from ``input``, stdout and stderr captured, the exit status, ``env`` on
    top of this process's environment (COLUMNS=200), the working directory ``cwd`` (default tmp_path).
    Each call starts from fresh settings, no logging handlers on the root logger (so ``--verbose`` logs
    reach the captured stderr, as in a new process) and rich consoles that size and colour themselves
    as they would on a pipe; all of it is put back afterwards."""
    from api import render
    from api.cli import main

    def run(
        *args: str,
        input: str | None = None,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        timeout: float = 300,
    ) -> Run:
        stdin, stdout, stderr = _text_stream(input or ""), _text_stream(), _text_stream()
        root = logging.getLogger()
        level = root.level

        def expire(*_: object) -> None:
            raise _CliTimeout

        with pytest.MonkeyPatch.context() as patch:
            for key, value in {"COLUMNS": "200", **(env or {})}.items():
                patch.setenv(key, value)
            patch.chdir(cwd or tmp_path)
            patch.setattr(sys, "stdin", stdin)
            patch.setattr(sys, "stdout", stdout)
            patch.setattr(sys, "stderr", stderr)
            for console in (render.stdout, render.stderr):  # made at import: width and colour then
                patch.setattr(console, "_width", None)  # from COLUMNS at each print
                patch.setattr(console, "_color_system", None)  # no colour, as on a pipe
            patch.setattr(root, "handlers", [])  # pytest's own: basicConfig would then do nothing
            previous = signal.signal(signal.SIGALRM, expire)
            signal.setitimer(signal.ITIMER_REAL, timeout)
            get_settings.cache_clear()
            try:
                code = main(list(args))
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
            except _CliTimeout:
                pytest.fail(f"callintel {' '.join(args)} ran past {timeout} s in process")
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)
                get_settings.cache_clear()
                for handler in root.handlers:
                    handler.close()
                root.setLevel(level)
        return Run(code, _written(stdout), _written(stderr))

    return run


@pytest.fixture
def cli_process(tmp_path: Path):
    """Run the installed ``callintel`` console script in a subprocess: for the process boundary
    (exit status and stderr of the real script, servers, signals, pipes left open)."""

    def run(
        *args: str,
        input: str | None = None,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
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
            cwd=cwd or tmp_path,
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
    """The real tagger: bundled MiniLM (checksum verified), shipped heads, bundled catalogue; on one inference
    thread (what ``CALLINTEL_THREADS=1`` configures): the same tags, and on the shared 2-core test machines about a
    third less CPU than a second ONNX Runtime thread that mostly spins waiting for work."""
    from nlp.tagger import Tagger

    return Tagger(threads=1)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that runs the CLI is slow: ``cli_process`` starts the console script (a process that imports the
    model libraries), and each ``cli`` run builds its own facade, which loads the models its command uses (the
    tagger's pipeline, Whisper) again. ``make test-fast`` (``-m "not slow"``) leaves both out: it starts no
    process and loads the models once, through the session fixtures ``tagger`` and ``whisper``. The other slow
    tests are marked where they are (tests/bench/conftest.py marks that whole package: benchmark programs)."""
    for item in items:
        if {"cli", "cli_process"} & set(getattr(item, "fixturenames", ())):
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
