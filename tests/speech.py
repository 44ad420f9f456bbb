"""Real human speech (tests/data/speech, public domain) for the transcription tests and benchmarks:
the clips with their references, WER, and calls mixed from them with known turns."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tests.audio import write_wav
from transcribe.audio import SAMPLE_RATE, load_audio

SPEECH_DIR = Path(__file__).parent / "data" / "speech"
AUSTEN = tuple(
    f"sense_and_sensibility_01_austen_64kb-{n}" for n in ("0870", "0880", "0890", "0920", "0930")
)
JFK = "jfk"
# JFK's clip cut at its two pauses (seconds): "And so, my fellow Americans," / "ask not ... for you," / "ask ..."
JFK_CUTS = ((0.0, 2.5), (2.6, 7.6), (7.6, 11.0))
JFK_PIECE_TEXTS = (
    "And so, my fellow Americans,",
    "ask not what your country can do for you,",
    "ask what you can do for your country.",
)


def clip(name: str) -> np.ndarray:
    return load_audio(SPEECH_DIR / f"{name}.wav").channels[0]


def reference(name: str) -> str:
    return (SPEECH_DIR / f"{name}.txt").read_text().strip()


def words(text: str) -> str:
    """Lower case, no punctuation, "Mr." read as "mister", hyphens as spaces: how the references are written."""
    text = re.sub(r"\bmr\.?(?=\s)", "mister", text.lower())
    return " ".join(re.sub(r"[^a-z' ]+", " ", text.replace("-", " ")).split())


def wer(references: list[str], hypotheses: list[str]) -> float:
    import jiwer

    return float(jiwer.wer([words(r) for r in references], [words(h) for h in hypotheses]))


def jfk_pieces() -> list[np.ndarray]:
    samples = clip(JFK)
    return [samples[int(a * SAMPLE_RATE) : int(b * SAMPLE_RATE)] for a, b in JFK_CUTS]


@dataclass(frozen=True)
class Turn:
    voice: str  # "austen" or "jfk"
    start_s: float
    end_s: float


def two_voice_turns() -> list[tuple[str, np.ndarray]]:
    """Nine turns alternating between the reader of Austen and Kennedy (who says his opening line twice)."""
    austen, jfk = [clip(name) for name in AUSTEN], jfk_pieces()
    order = [austen[0], jfk[0], austen[1], jfk[1], austen[2], jfk[2], austen[3], jfk[0], austen[4]]
    return [("austen" if i % 2 == 0 else "jfk", samples) for i, samples in enumerate(order)]


def _level(samples: np.ndarray) -> np.ndarray:
    return (samples / (np.abs(samples).max() + 1e-9) * 0.5).astype(np.float32)


def mix(
    path: Path,
    turns: list[tuple[str, np.ndarray]],
    gap_s: float = 0.3,
    stereo: bool = False,
    left_voice: str = "austen",
) -> tuple[Path, list[Turn]]:
    """One turn after another with ``gap_s`` of silence between: mono (both voices on one channel) or stereo
    (``left_voice`` on the left). Returns the file and the turns' true times."""
    left, right, truth, t = [], [], [], 0.0
    gap = np.zeros(int(gap_s * SAMPLE_RATE), dtype=np.float32)
    for voice, samples in turns:
        samples = _level(samples)
        silent = np.zeros_like(samples)
        on_left = not stereo or voice == left_voice
        left += [samples if on_left else silent, gap]
        right += [silent if on_left else samples, gap]
        truth.append(Turn(voice, t, t + samples.size / SAMPLE_RATE))
        t += (samples.size + gap.size) / SAMPLE_RATE
    channels = (np.concatenate(left), np.concatenate(right)) if stereo else (np.concatenate(left),)
    return write_wav(path, *channels), truth


def turn_at(truth: list[Turn], t: float) -> int:
    """The index of the turn nearest to ``t`` (the one under it, else the closest edge), from the mix's truth."""
    return min(
        range(len(truth)),
        key=lambda n: (
            0.0
            if truth[n].start_s <= t <= truth[n].end_s
            else min(abs(t - truth[n].start_s), abs(t - truth[n].end_s))
        ),
    )


def voice_at(truth: list[Turn], t: float) -> str:
    """Who was speaking at ``t``, from the mix's truth."""
    return truth[turn_at(truth, t)].voice
