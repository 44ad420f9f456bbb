"""A long call end to end on the CPU, and Whisper's speed and accuracy per model and decoding mode.

    python bench/transcribe_speed.py [--minutes 60] [--rtf-minutes 10] [--threads 2] [--runs 1]
                                     [--parts ingest models mono]

1. Builds a stereo call of --minutes from the real speech in tests/data/speech (public domain): the rep
   (left) reads Austen, the customer (right) answers with Kennedy's line, with pauses of 0.3-1.5 s between
   turns and a 6 s silence every 20 turns. Both channels carry silence while the other side talks.
2. Runs ``callintel ingest CALL --workers 1`` on it in a fresh SQLite database, with nothing else set: the
   bundled default model, all five stages (transcribe, tag, metrics, summary, risk). Reports the wall time,
   the real-time factor and the peak RSS of the process (max RSS of the children), and the WER of each
   side's whole transcript against the script the call was built from.
3. On the first --rtf-minutes of the same call, in this process, for tiny.en and base, batched and
   sequential decoding (faster-whisper's BatchedInferencePipeline vs WhisperModel.transcribe, both with
   Silero VAD skipping each channel's silence): seconds and RTF (processing time / audio time), best of
   --runs, and the ratio of batched to sequential measured in the same run. Then WER on the six real
   clips (jiwer; references lower-cased, punctuation dropped). Model loading is outside every clock.
4. The same minutes mixed down to mono: with and without diarization (seconds, ratio), and the share of
   words attributed to the right speaker (truth: the louder channel under each word in the stereo call).

Settings, printed with the figures: int8 on the CPU, beam 5, batch 4, word timestamps on, --threads
CTranslate2 threads.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
import wave
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from tests.speech import AUSTEN, JFK, JFK_PIECE_TEXTS, SPEECH_DIR, clip, jfk_pieces, reference, wer  # noqa: E402
from transcribe.audio import SAMPLE_RATE  # noqa: E402


def build_call(path: Path, minutes: float, seed: int = 0) -> dict[str, str]:
    """Write the stereo call turn by turn (never whole in memory); returns what each side says, in order
    (the last turn may be cut short)."""
    rng = np.random.default_rng(seed)
    rep, customer = [clip(name) for name in AUSTEN], jfk_pieces()
    said: dict[str, list[str]] = {"rep": [], "customer": []}
    total, turn = int(minutes * 60 * SAMPLE_RATE), 0
    written = 0
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        while written < total:
            speech = rep[turn % len(rep)] if turn % 2 == 0 else customer[turn % len(customer)]
            said["rep" if turn % 2 == 0 else "customer"].append(
                reference(AUSTEN[turn % len(rep)])
                if turn % 2 == 0
                else JFK_PIECE_TEXTS[turn % len(customer)]
            )
            pause = 6.0 if turn % 20 == 19 else float(rng.uniform(0.3, 1.5))
            voice = np.concatenate([speech, np.zeros(int(pause * SAMPLE_RATE), dtype=np.float32)])
            voice = voice[: total - written]
            silent = np.zeros_like(voice)
            left, right = (voice, silent) if turn % 2 == 0 else (silent, voice)
            frames = (np.clip(np.stack([left, right], axis=1), -1, 1) * 32767).astype("<i2")
            out.writeframes(frames.tobytes())
            written += voice.size
            turn += 1
    return {role: " ".join(texts) for role, texts in said.items()}


def cut(source: Path, target: Path, seconds: float) -> Path:
    with wave.open(str(source)) as src, wave.open(str(target), "wb") as out:
        out.setparams(src.getparams())
        out.writeframes(src.readframes(int(seconds * SAMPLE_RATE)))
    return target


def run_ingest(call: Path, tmp: Path, threads: int, said: dict[str, str]) -> None:
    env = {
        **os.environ,
        "CALLINTEL_DATABASE_URL": f"sqlite:///{tmp / 'bench.db'}",
        "CALLINTEL_THREADS": str(threads),
        "CALLINTEL_RISK_AS_OF": "2026-11-01T00:00:00+00:00",
    }
    callintel = Path(sys.executable).with_name("callintel")
    start = time.perf_counter()
    done = subprocess.run(
        [str(callintel), "ingest", str(call), "--customer", "bench", "--workers", "1"],
        env=env,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(
            f"callintel ingest failed ({done.returncode}): {done.stderr.strip()[-500:]}"
        )
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    audio_s = _seconds(call)
    print(
        f"callintel ingest, {audio_s / 60:.0f}-minute stereo call, bundled default model, all five stages, 1 worker:"
    )
    print(f"  wall {wall:.1f} s  RTF {wall / audio_s:.4f}  peak RSS {peak_mb:.0f} MB")
    from models.store import Store

    with Store(env["CALLINTEL_DATABASE_URL"]) as store:
        (stored,) = [store.get_interaction(i.id) for i in store.list_interactions(kind="call")]
    if stored is None or stored.transcript is None:
        raise SystemExit("the call was not transcribed")
    heard = {
        role: [u.text for u in stored.transcript.utterances if u.speaker.role == role]
        for role in said
    }
    print(
        "  WER of the whole call against its script: "
        + ", ".join(
            f"{role} {wer([said[role]], [' '.join(heard[role])]):.3f} ({len(heard[role])} utterances)"
            for role in said
        )
    )


def _seconds(path: Path) -> float:
    with wave.open(str(path)) as w:
        return w.getnframes() / w.getframerate()


def _best(engine, call: Path, runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        engine.transcribe(call, "bench")
        best = min(best, time.perf_counter() - start)
    return best


def _wer(engine) -> float:
    names = [*AUSTEN, JFK]
    texts = [
        " ".join(u.text for u in engine.transcribe(SPEECH_DIR / f"{n}.wav", n).utterances)
        for n in names
    ]
    return wer([reference(n) for n in names], texts)


def compare_models(call: Path, threads: int, runs: int, cache: Path) -> None:
    from transcribe.engine import TranscribeOptions, WhisperEngine

    audio_s = _seconds(call)
    print(
        f"per model, first {audio_s / 60:.0f} minutes of the call, int8, beam 5, batch 4, {threads} threads, "
        f"best of {runs}:"
    )
    for model in ("tiny.en", "base"):
        try:
            sequential = WhisperEngine(
                TranscribeOptions(model=model, threads=threads, batched=False, cache_dir=cache)
            )
        except Exception as exc:  # base needs the extra
            print(f"  {model}: not available ({exc})")
            continue
        batched = sequential.with_options(replace(sequential.options, batched=True))
        seconds = {
            "sequential": _best(sequential, call, runs),
            "batched": _best(batched, call, runs),
        }
        errors = {"sequential": _wer(sequential), "batched": _wer(batched)}
        for mode in ("sequential", "batched"):
            print(
                f"  {model:8s} {mode:10s} {seconds[mode]:7.1f} s  RTF {seconds[mode] / audio_s:.4f}  "
                f"WER {errors[mode]:.3f} (6 real clips)"
            )
        print(
            f"  {model:8s} batched / sequential time: {seconds['batched'] / seconds['sequential']:.2f}"
        )


def compare_diarization(call: Path, tmp: Path, threads: int, runs: int) -> None:
    """The stereo cut mixed down to mono: tiny.en with and without diarization, and how many words land on the
    right speaker (the truth: the channel that is louder under the word in the stereo original)."""
    from tests.audio import write_wav
    from transcribe.audio import load_audio
    from transcribe.engine import TranscribeOptions, WhisperEngine

    left, right = load_audio(call).channels
    mono = write_wav(tmp / "mono.wav", (left + right).astype(np.float32))
    plain = WhisperEngine(TranscribeOptions(threads=threads, diarize=False))
    diarized = plain.with_options(replace(plain.options, diarize=True))
    seconds = {"off": _best(plain, mono, runs), "on": _best(diarized, mono, runs)}
    transcript = diarized.transcribe(mono, "bench")
    right_words = total = 0
    for u in transcript.utterances:
        for w in u.words or []:
            a, b = (
                int(w.start_s * SAMPLE_RATE),
                max(int(w.end_s * SAMPLE_RATE), int(w.start_s * SAMPLE_RATE) + 1),
            )
            louder_left = float(np.abs(left[a:b]).sum()) >= float(np.abs(right[a:b]).sum())
            right_words += louder_left == (u.speaker.label == "SPEAKER_0")
            total += 1
    audio_s = left.size / SAMPLE_RATE
    print(
        f"mono diarization, the same {audio_s / 60:.0f} minutes mixed to one channel, tiny.en batched, "
        f"best of {runs}:"
    )
    print(
        f"  without {seconds['off']:.1f} s (RTF {seconds['off'] / audio_s:.4f})  with {seconds['on']:.1f} s "
        f"(RTF {seconds['on'] / audio_s:.4f})  ratio {seconds['on'] / seconds['off']:.2f}"
    )
    print(
        f"  words on the right speaker: {right_words}/{total} = {right_words / max(total, 1):.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--rtf-minutes", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument(
        "--parts",
        nargs="+",
        choices=("ingest", "models", "mono"),
        default=["ingest", "models", "mono"],
        help="which measurements to run (default: all three)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        call = tmp / "long-call.wav"
        said = build_call(call, args.minutes)
        if "ingest" in args.parts:
            run_ingest(call, tmp, args.threads, said)
        part = cut(call, tmp / "part.wav", min(args.rtf_minutes, args.minutes) * 60)
        if "models" in args.parts:
            compare_models(part, args.threads, args.runs, tmp / "cache")
        if "mono" in args.parts:
            compare_diarization(part, tmp, args.threads, args.runs)


if __name__ == "__main__":
    main()
