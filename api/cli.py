"""The ``callintel`` command line: a thin layer over the library.

Every CallintelError becomes one line on stderr (``callintel: FILE: problem``)
and a non-zero exit; usage errors exit 2; no traceback reaches the user.
"""

from __future__ import annotations

import logging
import socket
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from typer.exceptions import TyperException

from api import render
from api import task_commands as _task_commands
from api.admin_commands import token_app, webhook_app
from api.alert_commands import StatusOption, alert_app
from api.commands import DATABASE_HELP, open_callintel
from api.queue_commands import queue_app
from models.errors import CallintelError, ConfigError
from models.settings import Settings, get_settings

__all__ = ["app", "main"]

app = typer.Typer(
    name="callintel",
    help="Conversation intelligence for sales teams, offline on your own machine.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

INTERNAL_ERROR = 70
COMPETITORS_HELP = (
    "Competitor catalogue YAML (default: CALLINTEL_COMPETITORS_FILE or the bundled one)."
)
BATCH_HELP = "Utterances per batch (default: CALLINTEL_TAG_BATCH_SIZE)."
MODEL_HELP = (
    "Whisper model: tiny.en or base (bundled), a CTranslate2 directory, or a name to download where online "
    "(default: CALLINTEL_WHISPER_MODEL, else the bundled tiny.en)."
)
REP_SPEAKER_HELP = (
    "Mono: the voice that is the rep (SPEAKER_0, the first heard, or SPEAKER_1), overriding the cues "
    "(default: the recording's sidecar)."
)
TEMPERATURE_HELP = (
    "Only this temperature (0: greedy, repeatable); default: fall back from 0.0 to 1.0."
)


@app.callback()
def _root(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log progress details to stderr.")
    ] = False,
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(name)s: %(message)s"
    )


WORKERS_HELP = "Worker processes for the pipeline (default: CALLINTEL_WORKERS)."


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (searched recursively).")],
    customer: Annotated[
        str | None, typer.Option(help="Customer id for every file (overrides the files).")
    ] = None,
    rep: Annotated[
        str | None, typer.Option(help="Rep name for every file (overrides the files).")
    ] = None,
    database_url: Annotated[str | None, typer.Option(help=DATABASE_HELP)] = None,
    workers: Annotated[int | None, typer.Option(min=1, max=64, help=WORKERS_HELP)] = None,
    analyse: Annotated[
        bool, typer.Option(help="Run the pipeline on what was ingested (--no-analyse: queue only).")
    ] = True,
) -> None:
    """Ingest recordings, transcripts, tickets and usage events, then analyse them; bad files are reported and skipped."""
    from api.commands import run_ingest

    with open_callintel(database_url) as callintel:
        status = run_ingest(
            callintel, paths, callintel.ingest_defaults(customer, rep), workers, analyse
        )
    raise typer.Exit(status)


class SummaryFormat(StrEnum):
    markdown = "markdown"
    json = "json"


@app.command()
def summary(
    interaction: Annotated[
        str, typer.Argument(help="Interaction id (or an unambiguous prefix of one).")
    ],
    output_format: Annotated[
        SummaryFormat, typer.Option("--format", help="markdown or json.")
    ] = SummaryFormat.markdown,
    json_output: Annotated[bool, typer.Option("--json", help="Same as --format json.")] = False,
    database_url: Annotated[str | None, typer.Option(help=DATABASE_HELP)] = None,
) -> None:
    """Print the post-call summary of an interaction: key moments, questions, next steps, overview, metrics."""
    from api.commands import run_summary

    fmt = "json" if json_output else output_format.value
    with open_callintel(database_url) as callintel:
        run_summary(callintel, interaction, fmt)


AS_OF_HELP = "Evaluate as of this date or date-time (default: CALLINTEL_RISK_AS_OF, else now)."


class BandName(StrEnum):
    """The health bands a list can be filtered to (risk/health.py Band)."""

    green = "green"
    yellow = "yellow"
    red = "red"
    unknown = "unknown"


@app.command()
def customers(
    as_of: Annotated[str | None, typer.Option(help=AS_OF_HELP)] = None,
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many.")] = 50,
    json_output: Annotated[
        bool, typer.Option("--json", help="Health, breakdown and signals as JSON.")
    ] = False,
    recompute: Annotated[
        bool,
        typer.Option(
            "--recompute",
            help="Recompute every customer's health from their history (implied by --as-of); "
            "without it the stored health of the last evaluation is read.",
        ),
    ] = False,
    band: Annotated[BandName | None, typer.Option(help="Only this health band.")] = None,
    owner: Annotated[str | None, typer.Option(help="Only this account owner's customers.")] = None,
    database_url: Annotated[str | None, typer.Option(help=DATABASE_HELP)] = None,
) -> None:
    """Customers by health score, riskiest first, with the biggest risks behind each score."""
    from api.risk_commands import CustomerFilter, run_customers

    with open_callintel(database_url) as callintel:
        moment = callintel.as_of(as_of)
        wanted = CustomerFilter(band.value if band else None, owner)
        run_customers(callintel, moment, limit, json_output, recompute or as_of is not None, wanted)


app.add_typer(queue_app, name="queue")  # list, review, assign, comment(s): api/queue_commands.py


@app.command()
def timeline(
    customer: Annotated[str, typer.Argument(help="Customer id.")],
    as_of: Annotated[str | None, typer.Option(help=AS_OF_HELP)] = None,
    days: Annotated[int, typer.Option(min=1, max=3650, help="How far back to show.")] = 90,
    json_output: Annotated[
        bool, typer.Option("--json", help="Health, weekly replay and timeline as JSON.")
    ] = False,
    database_url: Annotated[str | None, typer.Option(help=DATABASE_HELP)] = None,
) -> None:
    """A customer's health with its breakdown, how it moved, and calls, tickets, usage and signals in time order."""
    from api.risk_commands import run_timeline

    with open_callintel(database_url) as callintel:
        run_timeline(callintel, customer, callintel.as_of(as_of), days, json_output)


@app.command()
def alerts(
    refresh: Annotated[
        bool,
        typer.Option(
            help="Evaluate the changed customers first (store health, signals, new alerts)."
        ),
    ] = False,
    as_of: Annotated[str | None, typer.Option(help=AS_OF_HELP)] = None,
    customer: Annotated[str | None, typer.Option(help="Only this customer.")] = None,
    status: Annotated[StatusOption | None, typer.Option(help="Only alerts in this state.")] = None,
    owner: Annotated[str | None, typer.Option(help="Only alerts of this account owner.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many.")] = 50,
    database_url: Annotated[str | None, typer.Option(help=DATABASE_HELP)] = None,
    full: Annotated[
        bool,
        typer.Option(help="With --refresh: every customer, not only the changed ones (H)."),
    ] = False,
) -> None:
    """Alerts: a customer falling into a worse band, or a high-weight risk signal; each raised once.
    --refresh first evaluates the customers whose data changed or who were not evaluated today."""
    from api.risk_commands import run_alerts

    with open_callintel(database_url) as callintel:
        moment = callintel.as_of(as_of)
        run_alerts(callintel, refresh, moment, customer, limit, status, owner, full)


app.add_typer(alert_app, name="alert")  # ack and resolve: api/alert_commands.py


@app.command()
def backtest(
    horizon: Annotated[
        float,
        typer.Option(
            min=1, max=3650, help="Days before a churn in which a red counts as a warning."
        ),
    ] = 60,
    start: Annotated[
        str | None,
        typer.Option(
            "--from", help="First replay moment, a date or date-time (default: the data's first)."
        ),
    ] = None,
    end: Annotated[
        str | None,
        typer.Option(
            "--to",
            help="Last replay moment, a date (its end) or date-time (default: the data's last).",
        ),
    ] = None,
    json_output: Annotated[
        bool,
        typer.Option("--json", help="The measures, lifts and each customer's outcome as JSON."),
    ] = False,
    database_url: Annotated[str | None, typer.Option(help=DATABASE_HELP)] = None,
) -> None:
    """Replay every customer weekly and measure the risk warnings against the churned accounts: precision,
    recall, lead time, false alarms, each signal's lift."""
    from api.backtest_commands import parse_window, run_backtest

    try:
        window = parse_window(start, end)
    except CallintelError as exc:  # a bad --from/--to is a usage error: one line, exit 2
        raise ConfigError(str(exc)) from None
    with open_callintel(database_url) as callintel:
        run_backtest(callintel, horizon, *window, json_output)


@app.command()
def worker(
    concurrency: Annotated[
        int, typer.Option(min=1, max=64, help="Worker processes on this machine.")
    ] = 1,
    loglevel: Annotated[str, typer.Option(help="Celery log level: DEBUG, INFO, WARNING.")] = "INFO",
) -> None:
    """Run a Celery worker for the distributed pipeline (needs CALLINTEL_BROKER_URL; stop it with Ctrl-C)."""
    from pipeline.distributed import run_worker

    settings = get_settings()
    if not settings.broker_url:
        raise ConfigError(
            "callintel worker needs a broker: set CALLINTEL_BROKER_URL (e.g. redis://localhost:6379/0)"
        )
    run_worker(settings, concurrency, loglevel.upper())


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[
        int | None,
        typer.Option(
            min=0,
            max=64,
            help="Pipeline workers run beside the API (default: CALLINTEL_WORKERS; 0 with a broker, "
            "whose Celery workers run the jobs; 0: leave jobs to 'callintel jobs run').",
        ),
    ] = None,
    database_url: Annotated[str | None, typer.Option(help=DATABASE_HELP)] = None,
    web_workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=64,
            help="Web processes answering requests (default: CALLINTEL_WEB_WORKERS); the pipeline workers "
            "and the hourly risk refresh run once whatever this is.",
        ),
    ] = None,
) -> None:
    """Serve the HTTP API (OpenAPI at /openapi.json, with a token), the dashboard (/dashboard) and workers for uploads."""
    import uvicorn

    from api.app import create_app
    from api.service import Callintel
    from api.serving import serve_processes
    from pipeline.background import background_workers

    settings = Callintel(database_url=database_url).settings  # the store opens with the app
    count = workers if workers is not None else 0 if settings.broker_url else settings.workers
    processes = web_workers or settings.web_workers
    listening = _listen(
        host, port
    )  # before any worker starts: a busy port is one line, not uvicorn's log
    with listening, background_workers(settings.database_url, settings, count) as pool:
        if processes > 1:  # api/serving.py: uvicorn's supervisor, the pool's status shared
            serve_processes(settings, listening, processes, pool if count else None)
            return
        app_ = create_app(settings, workers=pool if count else None, warm=True)
        uvicorn.Server(uvicorn.Config(app_, host=host, port=port, log_level="info")).run(
            sockets=[listening]
        )


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket on HOST:PORT, or ConfigError (exit 2) in one line: busy, not this machine's, refused."""
    import errno

    listening = socket.socket(
        socket.AF_INET6 if ":" in host else socket.AF_INET
    )  # as uvicorn would
    try:
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listening.bind((host, port))
        listening.listen(2048)
    except OSError as exc:
        listening.close()
        if exc.errno == errno.EADDRINUSE:
            raise ConfigError(f"port {port} on {host} is already in use") from None
        raise ConfigError(
            f"cannot listen on port {port} on {host}: {exc.strerror or exc}"
        ) from None
    return listening


app.add_typer(token_app, name="token")
app.add_typer(webhook_app, name="webhook")


jobs_app = typer.Typer(
    help="The pipeline's jobs: list them, run the pending ones, retry the failed ones.",
    no_args_is_help=True,
)
app.add_typer(jobs_app, name="jobs")


class JobStatusOption(StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


@jobs_app.command("list")
def jobs_list(
    status: Annotated[
        JobStatusOption | None, typer.Option(help="Only jobs with this status.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many (oldest first).")] = 100,
    database_url: Annotated[str | None, typer.Option(help=DATABASE_HELP)] = None,
) -> None:
    """One row per job: status, last stage done, attempts, error; then the count per status."""
    with open_callintel(database_url) as callintel:
        queue = callintel.jobs()
        jobs, counts = queue.jobs(status.value if status else None), queue.counts()
    render.stdout.print(
        render.jobs_table(
            jobs[:limit], title=f"Jobs ({min(limit, len(jobs))} of {len(jobs)} shown)"
        )
    )
    render.stdout.print(
        ", ".join(f"{n} {name}" for name, n in sorted(counts.items())) or "no jobs", markup=False
    )


@jobs_app.command("run")
def jobs_run(
    workers: Annotated[int | None, typer.Option(min=1, max=64, help=WORKERS_HELP)] = None,
    database_url: Annotated[str | None, typer.Option(help=DATABASE_HELP)] = None,
) -> None:
    """Run every pending job (queued, or left running by a worker that died) until none is left."""
    from api.commands import process_with_progress, report_jobs

    with open_callintel(database_url) as callintel:
        status = report_jobs(process_with_progress(callintel, workers))
    raise typer.Exit(status)


@jobs_app.command("retry")
def jobs_retry(
    from_start: Annotated[
        bool, typer.Option(help="Redo every stage, not only the ones after the last done.")
    ] = False,
    database_url: Annotated[str | None, typer.Option(help=DATABASE_HELP)] = None,
) -> None:
    """Queue the failed jobs again with fresh attempts (then run them with 'callintel jobs run')."""
    with open_callintel(database_url) as callintel:
        count = callintel.jobs().requeue("failed", stages_too=from_start)
    render.stdout.print(f"queued {count} failed jobs again", markup=False)


@app.command()
def tag(
    competitors: Annotated[Path | None, typer.Option(help=COMPETITORS_HELP)] = None,
    batch_size: Annotated[int | None, typer.Option(min=1, max=8192, help=BATCH_HELP)] = None,
) -> None:
    """Tag utterances from stdin (plain text or JSON lines with text and speaker); one JSON object per line out."""
    from api.tag_stream import run_tag
    from nlp.tagger import Tagger

    settings = (
        get_settings()
    )  # no store and no facade: tagging needs neither, and they cost start-up time
    run_tag(
        Tagger.from_settings(settings, catalogue=competitors),
        sys.stdin.buffer,
        sys.stdout,
        batch_size or settings.tag_batch_size,
        settings.max_line_chars,
    )


class OutputFormat(StrEnum):
    text = "text"
    json = "json"
    srt = "srt"
    vtt = "vtt"


@app.command()
def transcribe(
    audio: Annotated[Path, typer.Argument(help="wav, mp3, m4a, ogg or flac recording.")],
    model: Annotated[str | None, typer.Option(help=MODEL_HELP)] = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the Transcript record as JSON.")
    ] = False,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="text, json, srt or vtt.")
    ] = OutputFormat.text,
    beam_size: Annotated[int, typer.Option(min=1, max=20, help="Beam size.")] = 5,
    compute_type: Annotated[
        str, typer.Option(help="CTranslate2 compute type: int8, float32, ...")
    ] = "int8",
    device: Annotated[str, typer.Option(help="cpu, cuda or auto.")] = "cpu",
    threads: Annotated[
        int | None, typer.Option(min=0, help="CPU threads (default: CALLINTEL_THREADS).")
    ] = None,
    language: Annotated[
        str | None, typer.Option(help="Language code; detected when not given.")
    ] = None,
    rep_channel: Annotated[
        str | None,
        typer.Option(
            help="Stereo: the rep's channel, left or right (default: the recording's sidecar, else left)."
        ),
    ] = None,
    rep_speaker: Annotated[str | None, typer.Option(help=REP_SPEAKER_HELP)] = None,
    vad: Annotated[bool, typer.Option(help="Skip silence with the Silero VAD.")] = True,
    batched: Annotated[
        bool, typer.Option(help="Decode the VAD's speech chunks in batches (faster on long calls).")
    ] = True,
    diarize: Annotated[
        bool, typer.Option(help="Mono: tell two voices apart by their speaker embeddings.")
    ] = True,
    temperature: Annotated[float | None, typer.Option(min=0, max=1, help=TEMPERATURE_HELP)] = None,
) -> None:
    """Transcribe a recording with faster-whisper; stereo channels become rep and customer, mono voices are told apart."""
    from api.commands import run_transcribe
    from ingest.metadata import SourceMeta, resolve_meta
    from transcribe.engine import TranscribeOptions

    if rep_channel not in (None, "left", "right"):
        raise typer.BadParameter("must be left or right", param_hint="--rep-channel")
    if rep_speaker not in (None, "SPEAKER_0", "SPEAKER_1"):
        raise typer.BadParameter("must be SPEAKER_0 or SPEAKER_1", param_hint="--rep-speaker")
    meta = resolve_meta(
        audio,  # checked above; the record validates them again
        SourceMeta.model_validate(
            {"rep_channel": rep_channel, "rep_speaker": rep_speaker, "language": language}
        ),
    )
    settings = get_settings()
    options = TranscribeOptions(
        model=model or settings.whisper_model,
        cache_dir=settings.model_cache,
        device=device,
        compute_type=compute_type,
        threads=settings.threads if threads is None else threads,
        beam_size=beam_size,
        vad=vad,
        batched=batched,
        diarize=diarize,
        language=meta.language,
        rep_channel=meta.rep_channel or "left",
        temperature=temperature,
        rep_speaker=meta.rep_speaker,
    )
    run_transcribe(audio, options, "json" if json_output else output_format.value)


@app.command()
def demo(
    keep: Annotated[
        Path | None,
        typer.Option(help="Write the demo database to this file instead of a temporary one."),
    ] = None,
    workers: Annotated[int | None, typer.Option(min=1, max=64, help=WORKERS_HELP)] = None,
) -> None:
    """Analyse the bundled samples end to end, offline, into a throwaway database."""
    from api.demo import run_demo

    raise typer.Exit(run_demo(get_settings(), keep, workers))


@app.command()
def config() -> None:
    """Show every setting, its environment variable, current value and help."""
    render.settings_table(Settings.model_fields, get_settings())


def _fail(message: str, code: int) -> int:
    """One line on stderr, even where a driver's message has several (psycopg's hint on a second line)."""
    render.problem("; ".join(part.strip() for part in message.splitlines() if part.strip()))
    return code


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point; returns (and exits with) the process status."""
    command = typer.main.get_command(app)
    try:
        result = command.main(args=argv, prog_name="callintel", standalone_mode=False)
        code = result if isinstance(result, int) else 0
    except typer.Exit as exc:
        code = exc.exit_code
    except TyperException as exc:  # usage errors: unknown option, missing argument, bad value
        ctx = getattr(exc, "ctx", None)
        where = ctx.command_path if ctx is not None else "callintel"
        code = _fail(
            f"{exc.format_message()} (see '{where} --help')", getattr(exc, "exit_code", 2) or 2
        )
    except typer.Abort:
        code = _fail("aborted", 130)
    except CallintelError as exc:
        code = _fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        code = _fail("interrupted", 130)
    except BrokenPipeError:
        code = 0
    except Exception as exc:  # the last line of defence: one line, never a traceback
        logging.getLogger("callintel").debug("internal error", exc_info=True)
        code = _fail(f"internal error: {type(exc).__name__}: {exc}", INTERNAL_ERROR)
    if __name__ == "__main__" or argv is None:
        sys.exit(code)
    return code


# -- C: portfolio analytics (api/portfolio_commands.py): the book at a glance and the RFM segments --
from api.portfolio_commands import portfolio_command, segments_command  # noqa: E402

app.command("portfolio")(portfolio_command)
app.command("segments")(segments_command)
# D: contact frequency (api/contacts_commands.py)
from api.contacts_commands import contacts as _contacts  # noqa: E402

app.command("contacts")(_contacts)
# -- E: follow-up tasks (api/task_commands.py) --
app.command("tasks")(_task_commands.tasks)
app.add_typer(_task_commands.task_app, name="task")  # done, reopen


if __name__ == "__main__":
    main()
