"""faster-whisper (CTranslate2) transcription into a Transcript, with speaker roles.

The model is the bundled tiny.en unless another is given (transcribe/bundled.py). Decoding is set for
calls: Silero VAD skips silence, each 30 s chunk is decoded without the previous text as a prompt
(with it, a model can repeat a whole block), and three guards drop what a model invents on silence and
noise: faster-whisper's no-speech test (``no_speech_threshold`` with ``log_prob_threshold``) and, in
sequential decoding, its temperature fallback on repetitive output (``compression_ratio_threshold``)
and ``hallucination_silence_threshold`` (skips silent stretches around a doubtful segment); and ours,
which drops a segment caught in a loop: one to four words said LOOP_REPEATS times back to back
("thank you thank you thank you ...", six times or more). The batched pipeline has no fallback, and its segments are
whole VAD chunks, where a compression ratio says nothing about loops.

Stereo recordings are transcribed channel by channel: the rep's channel (``rep_channel``, default
left) gives role ``rep``, the other ``customer``; the utterances are merged in time order. Mono
recordings are diarized (transcribe/diarize.py): each word gets the voice (SPEAKER_0, the first heard,
or SPEAKER_1) of its speaker embeddings, and roles.assign_roles names the rep from the opening
(greeting, thanks, self-introduction) unless ``rep_speaker`` says which voice is the rep. An utterance
ends where the speaker changes or the words pause for ``pause_s``.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from models.errors import ModelUnavailable
from models.records import Role, Speaker, Transcript, Utterance, Word
from transcribe.audio import SAMPLE_RATE, Audio, iter_windows
from transcribe.bundled import ResolvedModel, resolve_model
from transcribe.diarize import SAME_SPEAKER_COS, Voices, load_voice_encoder, speaker_of_spans
from transcribe.roles import assign_roles

__all__ = ["ENGINE", "TranscribeOptions", "WhisperEngine"]

ENGINE = "faster-whisper"
LOOP_REPEATS = 6
logger = logging.getLogger("callintel.transcribe")


@dataclass(frozen=True)
class TranscribeOptions:
    model: str | None = (
        None  # None: the bundled default (tiny.en); a bundled name, a directory or a model name
    )
    cache_dir: Path | None = (
        None  # where a bundled model in parts is joined (CALLINTEL_MODEL_CACHE)
    )
    device: str = "cpu"
    compute_type: str = "int8"
    threads: int = 0
    beam_size: int = 5
    vad: bool = True
    batched: bool = (
        True  # faster-whisper's BatchedInferencePipeline (VAD chunks decoded in batches)
    )
    batch_size: int = 4
    word_timestamps: bool = True
    language: str | None = None
    rep_channel: Literal["left", "right"] = "left"
    rep_speaker: str | None = (
        None  # mono: this voice (SPEAKER_0 / SPEAKER_1) is the rep, overriding the cues
    )
    diarize: bool = True  # mono: tell the voices apart (else every word is SPEAKER_0)
    same_speaker_cos: float = SAME_SPEAKER_COS  # mono: two voices this similar are one
    pause_s: float = 1.0  # an utterance ends where its words pause this long
    window_s: float = 600.0  # audio decoded and transcribed this many seconds at a time
    temperature: float | None = (
        None  # None: faster-whisper's fallback schedule 0.0, 0.2 ... 1.0; a number: only it
    )
    condition_on_previous_text: bool = False
    no_speech_threshold: float = 0.6
    log_prob_threshold: float = -1.0
    compression_ratio_threshold: float = 2.4
    hallucination_silence_threshold: float | None = 2.0


@dataclass(frozen=True)
class _Piece:
    start: float
    end: float
    text: str
    words: list[Word]
    speaker: Speaker


def _shifted(piece: _Piece, offset: float) -> _Piece:
    if not offset:
        return piece
    words = [
        w.model_copy(
            update={"start_s": round(w.start_s + offset, 3), "end_s": round(w.end_s + offset, 3)}
        )
        for w in piece.words
    ]
    return _Piece(
        round(piece.start + offset, 3),
        round(piece.end + offset, 3),
        piece.text,
        words,
        piece.speaker,
    )


def _load(options: TranscribeOptions) -> tuple[ResolvedModel, Any]:
    from faster_whisper import WhisperModel

    resolved = resolve_model(options.model, options.cache_dir)
    try:
        return resolved, WhisperModel(
            resolved.ref,
            device=options.device,
            compute_type=options.compute_type,
            cpu_threads=options.threads,
        )
    except Exception as exc:  # faster-whisper raises many kinds for a missing or broken model
        raise ModelUnavailable(
            f"cannot load Whisper model {resolved.name!r} ({type(exc).__name__}: {str(exc).splitlines()[0][:200]}); "
            "give a bundled name (tiny.en, base), a local CTranslate2 directory, or a model name on a machine "
            "that is online"
        ) from None


class WhisperEngine:
    def __init__(self, options: TranscribeOptions) -> None:
        self.options = options
        self.resolved, self.model = _load(options)
        self._batched: Any = None

    def with_options(self, options: TranscribeOptions) -> WhisperEngine:
        """The same loaded model under other per-recording options (rep channel, rep speaker)."""
        if (options.model, options.device, options.compute_type) != (
            self.options.model,
            self.options.device,
            self.options.compute_type,
        ):
            return WhisperEngine(options)
        clone = object.__new__(WhisperEngine)
        clone.options, clone.resolved, clone.model, clone._batched = (
            options,
            self.resolved,
            self.model,
            self._batched,
        )
        return clone

    def transcribe(
        self, path: Path, interaction_id: str, on_progress: Callable[[float], None] | None = None
    ) -> Transcript:
        """Transcribe ``path`` window by window (bounded memory); ``on_progress`` hears the seconds done."""
        language = self.options.language
        pieces: list[_Piece] = []
        voices: list[Voices] = []
        duration, mono = 0.0, True
        for offset, window in iter_windows(path, self.options.window_s):
            duration = offset + window.duration_s
            mono = len(window.channels) == 1
            if not window.silent:
                found, detected = (
                    self._stereo(window)
                    if not mono
                    else self._channel(
                        window.channels[0], Speaker(role="unknown", label="SPEAKER_0")
                    )
                )
                if mono and found and self.options.diarize:
                    spans = [(p.start, p.end) for p in found]
                    voices.append(
                        load_voice_encoder().embed_speech(window.channels[0], spans, offset)
                    )
                pieces += [_shifted(piece, offset) for piece in found]
                language = language or detected
            if on_progress is not None:
                on_progress(duration)
        pieces.sort(key=lambda p: (p.start, p.speaker.label))
        pieces = (
            self._voiced(pieces, Voices.joined(voices))
            if mono
            else self._split(pieces, None, _other_side_starts(pieces))
        )
        utterances = assign_roles(
            rep_label=self.options.rep_speaker if mono else None,
            utterances=[
                Utterance(
                    index=i,
                    speaker=p.speaker,
                    start_s=p.start,
                    end_s=p.end,
                    text=p.text,
                    words=p.words or None,
                )
                for i, p in enumerate(sorted(pieces, key=lambda p: (p.start, p.speaker.label)))
            ],
        )
        return Transcript(
            interaction_id=interaction_id,
            language=language or "en",
            duration_s=round(duration, 3),
            engine=ENGINE,
            model=self.resolved.name,
            utterances=utterances,
        )

    def _stereo(self, audio: Audio) -> tuple[list[_Piece], str]:
        """Each channel on its own; the language is the one detected on the rep's channel."""
        rep_index = 0 if self.options.rep_channel == "left" else 1
        pieces, languages = [], {}
        for index, channel in enumerate(audio.channels):
            role: Role = "rep" if index == rep_index else "customer"
            found, languages[index] = self._channel(channel, Speaker(role=role, label=role.upper()))
            pieces += found
        return pieces, languages[rep_index]

    def _decode(self, samples: np.ndarray) -> tuple[Iterable[Any], Any]:
        o = self.options
        schedule = {} if o.temperature is None else {"temperature": o.temperature}
        common = dict(
            beam_size=o.beam_size,
            word_timestamps=o.word_timestamps,
            language=o.language,
            condition_on_previous_text=o.condition_on_previous_text,
            no_speech_threshold=o.no_speech_threshold,
            log_prob_threshold=o.log_prob_threshold,
            compression_ratio_threshold=o.compression_ratio_threshold,
            **schedule,
        )
        if o.batched and o.vad:  # the batched pipeline cuts the audio at the VAD's speech chunks
            if self._batched is None:
                from faster_whisper import BatchedInferencePipeline

                self._batched = BatchedInferencePipeline(model=self.model)
            return self._batched.transcribe(
                samples, batch_size=o.batch_size, vad_filter=True, **common
            )
        guard = o.hallucination_silence_threshold if o.word_timestamps else None
        return self.model.transcribe(
            samples, vad_filter=o.vad, hallucination_silence_threshold=guard, **common
        )

    def _channel(self, samples: np.ndarray, speaker: Speaker) -> tuple[list[_Piece], str]:
        """Segments of one channel, their times clipped to the audio (a decoder can overshoot its 30 s window)."""
        duration = round(len(samples) / SAMPLE_RATE, 3)

        def clip(value: float) -> float:
            return round(min(max(value, 0.0), duration), 3)

        segments, info = self._decode(samples)
        pieces = []
        for segment in segments:
            text = segment.text.strip()
            if not text or segment.start >= duration:
                continue
            if _looping(text.lower().split()):
                logger.info("dropped a looping segment at %.1f s: %.60s", segment.start, text)
                continue
            words = [
                Word(
                    text=w.word.strip(),
                    start_s=clip(w.start),
                    end_s=clip(max(w.end, w.start)),
                    probability=min(max(w.probability, 0.0), 1.0),
                )
                for w in segment.words or []
                if w.word.strip()
            ]
            pieces.append(
                _Piece(
                    clip(segment.start), clip(max(segment.end, segment.start)), text, words, speaker
                )
            )
        return pieces, info.language

    def _voiced(self, pieces: list[_Piece], voices: Voices) -> list[_Piece]:
        """Mono: each word (or segment, without word times) gets its voice; then split where it changes."""
        units = (
            [(w.start_s, w.end_s) for p in pieces for w in p.words]
            if all(p.words for p in pieces)
            else [(p.start, p.end) for p in pieces]
        )
        if not self.options.diarize or not units:
            return self._split(pieces, None)
        labels = iter(speaker_of_spans(units, voices, self.options.same_speaker_cos))
        if all(p.words for p in pieces):
            return self._split(pieces, [[next(labels) for _ in p.words] for p in pieces])
        return [
            _Piece(p.start, p.end, p.text, p.words, Speaker(label=f"SPEAKER_{next(labels)}"))
            for p in pieces
        ]

    def _split(
        self,
        pieces: list[_Piece],
        voices: list[list[int]] | None,
        others: dict[str, list[float]] | None = None,
    ) -> list[_Piece]:
        """Pieces cut where the words pause for pause_s, (mono) the voice changes, or (stereo) the other side
        starts to speak between two words (``others``: each speaker's label -> the other side's word starts)."""
        out = []
        for n, piece in enumerate(pieces):
            labels = voices[n] if voices is not None else [None] * len(piece.words)
            heard = (others or {}).get(piece.speaker.label, [])
            runs: list[list[int]] = []
            for i, word in enumerate(piece.words):
                if (
                    not runs
                    or word.start_s - piece.words[i - 1].end_s >= self.options.pause_s
                    or labels[i] != labels[i - 1]
                    or bisect.bisect_left(heard, word.start_s)
                    > bisect.bisect_right(heard, piece.words[i - 1].end_s)
                ):
                    runs.append([])
                runs[-1].append(i)
            if len(runs) <= 1:
                label = labels[0] if labels else None
                speaker = piece.speaker if label is None else Speaker(label=f"SPEAKER_{label}")
                out.append(_Piece(piece.start, piece.end, piece.text, piece.words, speaker))
                continue
            for run in runs:
                words = [piece.words[i] for i in run]
                speaker = (
                    piece.speaker
                    if labels[run[0]] is None
                    else Speaker(label=f"SPEAKER_{labels[run[0]]}")
                )
                out.append(
                    _Piece(
                        words[0].start_s,
                        words[-1].end_s,
                        " ".join(w.text for w in words),
                        words,
                        speaker,
                    )
                )
        return out


def _other_side_starts(pieces: list[_Piece]) -> dict[str, list[float]]:
    """Stereo: for each side's label, the sorted start times of the other side's words."""
    starts: dict[str, list[float]] = {}
    for piece in pieces:
        starts.setdefault(piece.speaker.label, []).extend(w.start_s for w in piece.words)
    return {
        label: sorted(t for other, times in starts.items() if other != label for t in times)
        for label in starts
    }


def _looping(words: list[str]) -> bool:
    """The same one to four words repeated LOOP_REPEATS times back to back: a decoder's loop, not speech."""
    words = [w.strip(".,!?;:") for w in words]
    for n in range(1, 5):
        for start in range(len(words) - n * LOOP_REPEATS + 1):
            gram = words[start : start + n]
            if all(
                words[start + k * n : start + (k + 1) * n] == gram for k in range(1, LOOP_REPEATS)
            ):
                return True
    return False
