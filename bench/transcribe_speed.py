"""Transcription speed on the CPU: faster-whisper vs the transformers Whisper pipeline, same model, same audio.

    python bench/transcribe_speed.py [--seconds 120] [--runs 3] [--model-dim 64] [--threads 2]

Offline there is no pretrained Whisper, so both run the tiny random-weight model
that transcribe/tiny_model.py builds (the transformers weights and their
CTranslate2 conversion): the figures compare the two engines' machinery on
identical weights, greedy (beam 1, temperature 0), no VAD, and both decode
exactly --tokens tokens per 30 s window (a random model would otherwise stop at
different points in each engine). Each engine runs
in its own subprocess so that its peak memory (max RSS) is its own; real-time
factor = processing time / audio time, best of --runs.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
RATE = 16_000


def make_audio(path: Path, seconds: float) -> None:
    t = np.arange(int(seconds * RATE)) / RATE
    bursts = (np.sin(2 * np.pi * 0.25 * t) > 0).astype(np.float32)  # 2 s on, 2 s off
    samples = 0.3 * np.sin(2 * np.pi * 220 * t) * (1 + 0.5 * np.sin(2 * np.pi * 3 * t)) * bursts
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes((samples * 32767).astype("<i2").tobytes())


def run_engine(engine: str, model_dir: Path, audio: Path, runs: int, threads: int, tokens: int) -> dict:
    """In this process: load, warm up, time ``runs`` transcriptions of the decoded samples; best time, peak RSS."""
    from faster_whisper import decode_audio

    samples = decode_audio(str(audio), sampling_rate=RATE)  # both engines get the same float32 array
    if engine == "faster-whisper":
        from faster_whisper import WhisperModel

        model = WhisperModel(str(model_dir), device="cpu", compute_type="float32", cpu_threads=threads)

        eot = model.hf_tokenizer.token_to_id("<|endoftext|>")

        def work():
            segments, _ = model.transcribe(samples, beam_size=1, temperature=0.0, vad_filter=False, language="en",
                                           condition_on_previous_text=False, without_timestamps=True,
                                           max_new_tokens=tokens, suppress_tokens=[eot])
            return "".join(segment.text for segment in segments)
    else:
        import torch
        from transformers import pipeline

        torch.set_num_threads(threads)
        asr = pipeline("automatic-speech-recognition", model=str(model_dir), device="cpu", chunk_length_s=30)

        kwargs = {"num_beams": 1, "do_sample": False, "min_new_tokens": tokens, "max_new_tokens": tokens,
                  "language": "en", "task": "transcribe"}

        def work():
            return asr({"raw": samples, "sampling_rate": RATE}, generate_kwargs=kwargs)["text"]
    text = work()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"best_s": min(times), "peak_rss_mb": peak, "chars": len(text)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--model-dim", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--tokens", type=int, default=64, help="tokens decoded per 30 s window by both engines")
    parser.add_argument("--worker", nargs=3, metavar=("ENGINE", "MODEL", "AUDIO"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        engine, model, audio = args.worker
        print(json.dumps(run_engine(engine, Path(model), Path(audio), args.runs, args.threads, args.tokens)))
        return
    from transcribe.tiny_model import build

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        build(tmp_path / "ct2", d_model=args.model_dim, hf_dir=tmp_path / "hf")
        audio = tmp_path / "audio.wav"
        make_audio(audio, args.seconds)
        results = {}
        for engine, model_dir in (("faster-whisper", tmp_path / "ct2"), ("transformers", tmp_path / "hf")):
            out = subprocess.run(
                [sys.executable, __file__, "--runs", str(args.runs), "--threads", str(args.threads), "--tokens", str(args.tokens),
                 "--worker", engine, str(model_dir), str(audio)],
                capture_output=True, text=True,
            )
            if out.returncode != 0:
                sys.exit(f"{engine} failed:\n{out.stderr[-3000:]}")
            results[engine] = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"audio={args.seconds:.0f}s model=tiny random Whisper (d_model={args.model_dim}) device=cpu "
          f"compute=float32 beam=1 temperature=0 vad=off threads={args.threads} runs={args.runs} (best of) "
          f"tokens per 30 s window={args.tokens} (end of text suppressed in both)")
    for engine, figures in results.items():
        rtf = figures["best_s"] / args.seconds
        print(f"{engine:15s} RTF {rtf:.4f} ({figures['best_s']:.2f} s)  peak RSS {figures['peak_rss_mb']:.0f} MB  "
              f"output {figures['chars']} characters")
    ratio = results["transformers"]["best_s"] / results["faster-whisper"]["best_s"]
    print(f"faster-whisper is {ratio:.2f}x the speed of the transformers pipeline on the same weights")


if __name__ == "__main__":
    main()
