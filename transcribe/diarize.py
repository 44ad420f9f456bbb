"""Who spoke when on a mono recording: speaker embeddings clustered into voices.

The embeddings come from Resemblyzer's pretrained GE2E speaker encoder (the weights ship inside the
``resemblyzer`` package, Apache-2.0, and are checked by SHA-256 before loading): one 256-d vector for
each 1.6 s of audio, every ``1 / PARTIAL_RATE`` seconds. The vectors that fall on speech are clustered
into at most two voices (agglomerative, cosine, average linkage, on at most ``MAX_CLUSTERED`` of them;
the rest join the nearer centre). Two centres closer than ``same_speaker_cos`` are one voice. Each word
then takes the voice of the vectors centred inside it (or of the nearest one).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from models.checksums import check_sha256
from models.errors import ModelUnavailable
from transcribe.audio import SAMPLE_RATE

__all__ = [
    "VOICE_SHA256",
    "Voices",
    "VoiceEncoder",
    "cluster_voices",
    "load_voice_encoder",
    "speaker_of_spans",
]

logger = logging.getLogger("callintel.transcribe")
VOICE_SHA256 = "39373b86598fa3da9fcddee6142382efe09777e8d37dc9c0561f41f0070f134e"
PARTIAL_RATE = 2  # embeddings per second of audio
MAX_CLUSTERED = 1500
MIN_SPEECH_PARTIALS = 6  # fewer speech vectors than this (about 1.5 s of speech): one voice
SAME_SPEAKER_COS = 0.80
NEAR_S = 0.2


@dataclass(frozen=True)
class Voices:
    """Speaker embeddings of a recording: each row's centre time in seconds, and the L2-normalised vector."""

    centers: np.ndarray  # (n,) float64
    vectors: np.ndarray  # (n, 256) float32

    @classmethod
    def empty(cls) -> Voices:
        return cls(np.zeros(0), np.zeros((0, 256), dtype=np.float32))

    @classmethod
    def joined(cls, parts: list[Voices]) -> Voices:
        """The parts in order, concatenated once (not pairwise: that copies everything so far each time)."""
        parts = [cls.empty(), *parts]
        return cls(
            np.concatenate([p.centers for p in parts]), np.concatenate([p.vectors for p in parts])
        )


class VoiceEncoder:
    """Resemblyzer's speaker encoder on the CPU, its bundled weights checked first."""

    def __init__(self) -> None:
        import warnings

        with (
            warnings.catch_warnings()
        ):  # webrtcvad, imported by resemblyzer, still imports pkg_resources
            warnings.simplefilter("ignore")
            weights = _weights()  # imports the package
            from resemblyzer import VoiceEncoder as Encoder
            from resemblyzer.audio import normalize_volume
        check_sha256(weights, VOICE_SHA256)
        self._normalize = normalize_volume
        self._encoder = Encoder("cpu", verbose=False, weights_fpath=weights)

    def embed(self, samples: np.ndarray, offset: float = 0.0) -> Voices:
        """Vectors every 1/PARTIAL_RATE s of ``samples`` (16 kHz mono), their centres shifted by ``offset``."""
        if samples.size < SAMPLE_RATE // 2:
            return Voices.empty()
        wav = self._normalize(samples.astype(np.float32), -30, increase_only=True)
        _, partials, slices = self._encoder.embed_utterance(
            wav, return_partials=True, rate=PARTIAL_RATE, min_coverage=0.5
        )
        centers = (
            np.array([(s.start + min(s.stop, wav.size)) / 2 / SAMPLE_RATE for s in slices]) + offset
        )
        return Voices(centers, np.asarray(partials, dtype=np.float32))

    def embed_speech(
        self, samples: np.ndarray, spans: list[tuple[float, float]], offset: float = 0.0
    ) -> Voices:
        """Vectors of the stretches of ``samples`` around the ``spans`` of speech (seconds, in time order) only:
        silence costs nothing, and memory is bounded by the longest stretch, not the recording."""
        parts = []
        for start, end in _regions(spans, pad=NEAR_S, join=1.0):
            a, b = int(start * SAMPLE_RATE), min(int(end * SAMPLE_RATE), samples.size)
            parts.append(self.embed(samples[a:b], offset + a / SAMPLE_RATE))
        return Voices.joined(parts)


def _regions(
    spans: list[tuple[float, float]], pad: float, join: float
) -> list[tuple[float, float]]:
    """The spans widened by ``pad`` and merged where they are less than ``join`` seconds apart."""
    out: list[list[float]] = []
    for start, end in sorted(spans):
        start, end = max(0.0, start - pad), end + pad
        if out and start - out[-1][1] < join:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [(a, b) for a, b in out]


def _weights() -> Path:
    try:
        path = Path(str(resources.files("resemblyzer") / "pretrained.pt"))
    except ModuleNotFoundError:
        raise ModelUnavailable(
            "the resemblyzer package (speaker embeddings) is not installed: "
            "pip install resemblyzer==0.1.4"
        ) from None
    if not path.is_file():
        raise ModelUnavailable("the speaker encoder's weights are missing", path)
    return path


@lru_cache(maxsize=1)
def load_voice_encoder() -> VoiceEncoder:
    logger.info("loading the speaker encoder")
    return VoiceEncoder()


def cluster_voices(vectors: np.ndarray, same_speaker_cos: float = SAME_SPEAKER_COS) -> np.ndarray:
    """A voice (0 or 1) for each vector; all 0 when there is one voice. Voice 0 is the one heard first."""
    if len(vectors) < MIN_SPEECH_PARTIALS:
        return np.zeros(len(vectors), dtype=int)
    from sklearn.cluster import AgglomerativeClustering

    step = max(1, -(-len(vectors) // MAX_CLUSTERED))
    sample = vectors[::step]
    found = AgglomerativeClustering(n_clusters=2, metric="cosine", linkage="average").fit_predict(
        sample
    )
    centres = np.stack([_unit(sample[found == k].mean(axis=0)) for k in (0, 1)])
    if float(centres[0] @ centres[1]) >= same_speaker_cos:
        return np.zeros(len(vectors), dtype=int)
    labels = np.argmax(vectors @ centres.T, axis=1)
    return labels if labels[0] == 0 else 1 - labels


def _unit(vector: np.ndarray) -> np.ndarray:
    return vector / (np.linalg.norm(vector) or 1.0)


def speaker_of_spans(
    spans: list[tuple[float, float]], voices: Voices, same_speaker_cos: float = SAME_SPEAKER_COS
) -> list[int]:
    """A voice for each (start, end) span of speech (a word, or a segment without words), spans and
    ``voices`` both in time order."""
    if not spans or not len(voices.centers):
        return [0] * len(spans)
    starts = np.array([s for s, _ in spans])
    ends = np.array([max(e, s) for s, e in spans])
    centers = voices.centers
    # the vectors centred on speech (on a span, or within NEAR_S of one) are the ones clustered
    after = np.searchsorted(starts, centers, side="right")
    before = after - 1
    on_speech = (before >= 0) & (centers <= ends[np.clip(before, 0, None)] + NEAR_S)
    on_speech |= (after < len(starts)) & (
        starts[np.clip(after, None, len(starts) - 1)] - centers <= NEAR_S
    )
    if not on_speech.any():
        return [0] * len(spans)
    centers, labels = (
        centers[on_speech],
        cluster_voices(voices.vectors[on_speech], same_speaker_cos),
    )
    out = []
    for start, end in zip(starts, ends, strict=True):
        inside = labels[
            np.searchsorted(centers, start, "left") : np.searchsorted(centers, end, "right")
        ]
        if inside.size:
            out.append(int(inside.mean() > 0.5 or (inside.mean() == 0.5 and inside[0] == 1)))
        else:
            out.append(int(labels[np.argmin(np.abs(centers - (start + end) / 2))]))
    return out
