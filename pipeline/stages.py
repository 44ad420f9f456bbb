"""The pipeline stages, each a function of the stored interaction, and how each one's output is stored.

transcribe  audio -> Transcript (faster-whisper); nothing to do for imported transcripts and tickets
tag         Transcript -> Tags + per-utterance Sentiment
metrics     timed Transcript -> CallMetrics (none for tickets or untimed text)
summary     Transcript + Tags -> Summary
risk        the customer's history -> health, risk signals, alerts (risk.engine), as of CALLINTEL_RISK_AS_OF or now;
            once per customer per batch (the customer's last job to get here evaluates)
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from models import interactions_repo, jobs_repo
from models.analysis import CallMetrics, Stage, Summary
from models.errors import MalformedSource
from models.interactions_repo import put_metrics, put_transcript
from models.records import Transcript
from models.settings import Settings
from models.store import Store, StoredInteraction

__all__ = ["BY_NAME", "PIPELINE", "Engines", "PipelineStage", "persist", "stages_after"]

logger = logging.getLogger("callintel.pipeline")


@dataclass
class Engines:
    """The models a worker needs, loaded on first use and kept for the next job."""

    settings: Settings
    tagger_instance: Any = None
    store: Store | None = (
        None  # set by the worker: the risk stage reads the customer's whole history
    )
    whisper_overrides: dict[str, Any] = field(
        default_factory=dict
    )  # TranscribeOptions fields, e.g. temperature
    whisper_engines: dict[tuple, Any] = field(default_factory=dict)

    def tagger(self):
        if self.tagger_instance is None:
            from nlp.tagger import Tagger

            self.tagger_instance = Tagger.from_settings(self.settings)
        return self.tagger_instance

    def whisper(self, rep_channel: str, rep_speaker: str | None):
        from transcribe.engine import TranscribeOptions, WhisperEngine

        options = TranscribeOptions(
            **{
                "model": self.settings.whisper_model,
                "threads": self.settings.threads,
                "cache_dir": self.settings.model_cache,
                "rep_channel": rep_channel,
                "rep_speaker": rep_speaker,
                **self.whisper_overrides,
            }
        )
        key = (rep_channel, rep_speaker)
        if key not in self.whisper_engines:
            base = next(iter(self.whisper_engines.values()), None)
            self.whisper_engines[key] = (
                WhisperEngine(options) if base is None else base.with_options(options)
            )
        return self.whisper_engines[key]


def transcribe(engines: Engines, stored: StoredInteraction) -> Transcript | None:
    """Recordings: faster-whisper. Imported transcripts whose roles are unknown: the rep named from the opening."""
    meta = stored.interaction.metadata
    if meta.get("format") != "audio":
        return _named_roles(stored.transcript)
    audio = Path(meta["audio_path"])
    if not audio.is_file():
        raise MalformedSource(
            "the recording is no longer there (moved or deleted since ingest)", audio
        )
    engine = engines.whisper(meta.get("rep_channel") or "left", meta.get("rep_speaker"))
    return engine.transcribe(audio, stored.interaction.id)


def _named_roles(transcript: Transcript | None) -> Transcript | None:
    from transcribe.roles import assign_roles

    if transcript is None or any(u.speaker.role != "unknown" for u in transcript.utterances):
        return None
    named = assign_roles(transcript.utterances)
    if all(u.speaker.role == "unknown" for u in named):
        return None
    return transcript.model_copy(update={"utterances": named})


def tag(engines: Engines, stored: StoredInteraction):
    if stored.transcript is None:
        return None
    return engines.tagger().tag_transcript(stored.transcript)


def metrics(engines: Engines, stored: StoredInteraction) -> CallMetrics | None:
    from nlp.metrics import call_metrics

    return call_metrics(stored.transcript) if stored.transcript is not None else None


def summary(engines: Engines, stored: StoredInteraction) -> Summary | None:
    from nlp.summary import summarise

    if stored.transcript is None:
        return None
    stored_metrics = (
        engines.store.get_metrics(stored.interaction.id) if engines.store is not None else None
    )
    return summarise(
        stored.interaction,
        stored.transcript,
        stored.tags,
        stored.sentiments,
        engines.tagger().encode,
        metrics=stored_metrics,
    )


def risk(engines: Engines, stored: StoredInteraction):
    """The customer's health once per batch: skipped while another of their jobs has stages before this one
    to run (that job evaluates them, seeing this interaction too); the history read through the bounded usage
    window (risk/window.py), so that the time taken does not grow with the customer's history."""
    from risk.config import load_config
    from risk.engine import assess, last_snapshot
    from risk.history import read_histories
    from risk.playbooks import load_playbooks
    from risk.window import Window

    settings, store = engines.settings, engines.store
    if store is None:
        raise RuntimeError("the risk stage needs the worker's store")
    as_of = settings.risk_moment()
    customer_id = stored.interaction.customer_id
    config = load_config(settings.risk_config)
    with store.transaction() as session:
        if jobs_repo.other_job_before(session, customer_id, stored.interaction.id, BEFORE_RISK):
            return None  # that job evaluates the customer, seeing this interaction too
        histories = read_histories(session, [customer_id], Window.for_config(config, as_of))
        previous = last_snapshot(session, customer_id, as_of)
    if not histories:
        return None
    playbooks = load_playbooks(settings.risk_playbooks, config)  # F: the setting, from the caller
    assessment = assess(histories[0], as_of, config, previous, playbooks)
    unknown = (
        assessment.health.score is None
    )  # as of a moment before the customer's data: nothing to store
    return None if unknown else assessment


def _save_analysis(session: Session, interaction_id: str, output: Any) -> None:
    tags, sentiments = output
    interactions_repo.put_analysis(session, interaction_id, tags, sentiments)


def _save_summary(session: Session, interaction_id: str, output: Any) -> None:
    """The summary, and the follow-up tasks of its next steps (portfolio/tasks.py), in one transaction."""
    from portfolio.tasks import store_summary_tasks

    interactions_repo.put_summary(session, output)
    store_summary_tasks(session, output)


def _save_risk(session: Session, interaction_id: str, output: Any) -> None:
    from risk.engine import record

    record(session, output)


@dataclass(frozen=True)
class PipelineStage:
    """One stage, declared once: its name (``models.analysis.Stage``), how it runs, how its output is stored."""

    name: Stage
    run: Callable[[Engines, StoredInteraction], Any]
    save: Callable[[Session, str, Any], None]


PIPELINE: tuple[PipelineStage, ...] = (
    PipelineStage("transcribe", transcribe, lambda session, _, out: put_transcript(session, out)),
    PipelineStage("tag", tag, _save_analysis),
    PipelineStage("metrics", metrics, lambda session, _, out: put_metrics(session, out)),
    PipelineStage("summary", summary, _save_summary),
    PipelineStage("risk", risk, _save_risk),
)
BY_NAME: dict[str, PipelineStage] = {stage.name: stage for stage in PIPELINE}
# Another job of the customer with only these stages done (or none) still reaches the risk stage; two jobs at
# their summary or risk stages at once both evaluate (neither waits on the other).
BEFORE_RISK: tuple[Stage, ...] = tuple(
    stage.name for stage in PIPELINE if stage.name not in ("summary", "risk")
)


def stages_after(done: Stage | None) -> list[Stage]:
    """The stages a job runs after ``done`` (all of them when none is done), in the pipeline's order."""
    names = [stage.name for stage in PIPELINE]
    return names[names.index(done) + 1 :] if done is not None else names


def persist(session: Session, stage: str, interaction_id: str, output: Any) -> None:
    """Write one stage's output inside the caller's transaction (nothing when the stage had nothing to do)."""
    if output is not None:
        BY_NAME[stage].save(session, interaction_id, output)
