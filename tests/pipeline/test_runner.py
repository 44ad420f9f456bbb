import os
from dataclasses import replace
from pathlib import Path

import pytest

from models.records import Interaction
from pipeline import stages
from pipeline.queue import JobQueue
from pipeline.runner import run_jobs
from tests.helpers import known
from tests.models.test_store import make_call

pytestmark = pytest.mark.both_backends


def _store_call(
    store, content=b"call-1", text="Honestly this is too expensive, Gong quoted us half."
):
    interaction, transcript = make_call(content)
    transcript.utterances[1].text = text
    store.save_interaction(interaction, transcript)
    return interaction.id


def test_every_stage_is_stored_and_a_rerun_changes_nothing(store, db_url, settings, engines):
    interaction_id = _store_call(store)
    report = run_jobs(db_url, settings, 1, engines)
    assert (report.done, report.failed, report.queued) == (1, 0, 0)
    stored = store.get_interaction(interaction_id)
    assert sorted(t.label for t in stored.tags) == ["competitor_mention", "price_objection"]
    assert all(s is not None for s in stored.sentiments)
    assert store.get_metrics(interaction_id).talk_time_s == {"customer": 2.0, "rep": 1.0}
    summary = store.get_summary(interaction_id)
    assert {m.kind for m in summary.key_moments} >= {"competitor_mention", "price_objection"}
    from risk.engine import list_alerts

    alerts = list_alerts(store)
    # a competitor named outright weighs enough (risk.yaml) to raise an alert on its own, the price objection not
    assert [(a.kind, "Gong" in a.reason) for a in alerts] == [("high_weight_signal", True)]
    before = (stored, summary, store.get_metrics(interaction_id))
    assert run_jobs(db_url, settings, 1, engines).done == 1  # nothing queued: nothing redone
    JobQueue(store).enqueue([interaction_id])
    assert run_jobs(db_url, settings, 1, engines).done == 1
    assert (
        store.get_interaction(interaction_id),
        store.get_summary(interaction_id),
        store.get_metrics(interaction_id),
    ) == before
    assert list_alerts(store) == alerts  # analysing it again raises nothing new


def test_a_transient_error_is_retried_and_recorded(store, db_url, settings, engines, monkeypatch):
    interaction_id = _store_call(store)
    calls = []
    real = stages.BY_NAME["metrics"].run

    def flaky(engines, stored):
        calls.append(stored.interaction.id)
        if len(calls) == 1:
            raise RuntimeError("disk hiccup")
        return real(engines, stored)

    monkeypatch.setitem(stages.BY_NAME, "metrics", replace(stages.BY_NAME["metrics"], run=flaky))
    report = run_jobs(db_url, settings, 1, engines)
    assert (report.done, report.failed) == (1, 0)
    (job,) = JobQueue(store).jobs()
    assert (job.status, job.attempts, job.error) == ("done", 2, None)
    assert calls == [interaction_id, interaction_id]


def test_a_job_resumes_after_its_last_committed_stage(
    store, db_url, settings, engines, monkeypatch
):
    _store_call(store)
    seen = []
    for name in ("tag", "metrics", "summary"):
        real = stages.BY_NAME[name].run

        def spy(engines, stored, real=real, name=name):
            seen.append(name)
            if name == "summary" and seen.count("summary") == 1:
                raise KeyboardInterrupt  # the worker stops here: the job goes back, its stages kept
            return real(engines, stored)

        monkeypatch.setitem(stages.BY_NAME, name, replace(stages.BY_NAME[name], run=spy))
    with pytest.raises(KeyboardInterrupt):
        run_jobs(db_url, settings, 1, engines)
    (job,) = JobQueue(store).jobs()
    assert (job.status, job.stage, job.attempts) == ("queued", "metrics", 0)
    assert run_jobs(db_url, settings, 1, engines).done == 1
    assert seen == ["tag", "metrics", "summary", "summary"]


def test_a_missing_recording_fails_at_once_with_a_clear_error(
    store, db_url, settings, engines, tmp_path: Path
):
    interaction = Interaction.from_content(
        b"audio-bytes",
        customer_id="acme",
        kind="call",
        occurred_at="2026-09-01T10:00:00Z",
        source="gone.wav",
        metadata={"format": "audio", "audio_path": str(tmp_path / "gone.wav")},
    )
    store.save_interaction(interaction)
    report = run_jobs(db_url, settings, 1, engines)
    assert (report.done, report.failed) == (0, 1)
    (job,) = JobQueue(store).jobs()
    assert (
        job.attempts == 1
        and job.error
        == f"{tmp_path / 'gone.wav'}: the recording is no longer there (moved or deleted since ingest)"
    )


@pytest.mark.slow  # worker processes that load the models
def test_two_worker_processes_share_the_queue(store, db_url, settings):
    ids = [
        _store_call(store, f"call-{n}".encode(), text)
        for n, text in enumerate(
            [
                "We will cancel at renewal.",
                "How do I export all our notes?",
                "The invoice is wrong.",
                "Chorus is cheaper.",
            ]
        )
    ]
    report = run_jobs(db_url, settings, 2)
    assert (report.done, report.failed) == (4, 0)
    workers = {job.worker for job in JobQueue(store).jobs()}
    assert workers and all(
        w and not w.endswith(f":{os.getpid()}") for w in workers
    )  # done by the child processes
    assert all(store.get_summary(i) is not None for i in ids)


@pytest.mark.slow  # loads the real Whisper model
def test_a_recording_is_transcribed_by_the_pipeline_with_roles_from_its_channels(
    store, db_url, settings, tagger, tmp_path
):
    from ingest import ingest_paths
    from pipeline.stages import Engines
    from tests.speech import mix, two_voice_turns

    audio, _ = mix(
        tmp_path / "call.wav", two_voice_turns()[:4], gap_s=1.0, stereo=True, left_voice="austen"
    )
    (tmp_path / "call.wav.meta.json").write_text('{"customer_id": "acme", "rep_channel": "right"}')
    (interaction_id,) = ingest_paths([audio], store).created
    engines = Engines(settings, tagger_instance=tagger)  # nothing set: the bundled tiny.en
    assert run_jobs(db_url, settings, 1, engines).done == 1
    stored = store.get_interaction(interaction_id)
    assert stored.transcript.engine == "faster-whisper" and stored.transcript.model == "tiny.en"
    by_role = {
        role: " ".join(
            u.text for u in stored.transcript.utterances if u.speaker.role == role
        ).lower()
        for role in ("rep", "customer")
    }
    assert (
        "fellow americans" in by_role["rep"] and "dashwood" in by_role["customer"]
    )  # the sidecar's right channel
    assert store.get_summary(interaction_id) is not None


def test_a_broken_whisper_model_fails_the_job_with_one_line(
    store, db_url, settings, engines, tmp_path
):
    from ingest import IngestDefaults, ingest_paths
    from pipeline.stages import Engines
    from tests.audio import tone, write_wav

    broken = tmp_path / "model"
    broken.mkdir()
    (broken / "model.bin").write_bytes(b"nonsense")
    ingest_paths(
        [write_wav(tmp_path / "call.wav", tone(1.0))], store, IngestDefaults(customer_id="acme")
    )
    engines = Engines(
        settings.model_copy(update={"whisper_model": str(broken)}), tagger_instance=engines.tagger()
    )
    assert run_jobs(db_url, settings, 1, engines).failed == 1
    (job,) = JobQueue(store).jobs()
    error = known(job.error)
    assert job.stage is None and "cannot load Whisper model" in error and "\n" not in error


def test_imported_text_gets_roles_from_the_opening(store, db_url, settings, engines, tmp_path):
    from ingest import IngestDefaults, ingest_paths

    path = tmp_path / "call.txt"
    path.write_text(
        "Dana: Hi Sam, thanks for joining, this is Dana from callintel.\n"
        "Sam: Hi. Honestly the renewal is too expensive for us.\n"
    )
    (interaction_id,) = ingest_paths([path], store, IngestDefaults(customer_id="globex")).created
    assert run_jobs(db_url, settings, 1, engines).done == 1
    stored = store.get_interaction(interaction_id)
    assert [u.speaker.role for u in stored.transcript.utterances] == ["rep", "customer"]
    assert [t.label for t in stored.tags] == ["price_objection"]


def test_each_stage_is_declared_once_in_the_order_jobs_run_them():
    from models.analysis import STAGES

    assert tuple(stage.name for stage in stages.PIPELINE) == STAGES
    assert set(stages.BY_NAME) == set(STAGES)
