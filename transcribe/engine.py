"""faster-whisper (CTranslate2) transcription into a Transcript, with speaker roles.

Stereo recordings are transcribed channel by channel: the rep's channel
(``rep_channel``, default left) gives role ``rep``, the other ``customer``, and
the utterances are merged in time order. Mono recordings get turns from pauses:
a new turn starts after a silence of at least ``turn_pause_s``; turns alternate
between SPEAKER_0 and SPEAKER_1, and roles.assign_roles names the rep from the
opening (greeting, thanks, self-introduction), else roles stay ``unknown``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from models.errors import ModelUnavailable
from models.records import Role, Speaker, Transcript, Utterance, Word
from transcribe.audio import SAMPLE_RATE, Audio, iter_windows
from transcribe.roles import assign_roles

__all__ = ["ENGINE", "TranscribeOptions", "WhisperEngine"]

ENGINE = "faster-whisper"


@dataclass(frozen=True)
class TranscribeOptions:
    model: str | None = None
    device: str = "cpu"
    compute_type: str = "int8"
    threads: int = 0
    beam_size: int = 5
    vad: bool = True
    word_timestamps: bool = True
    language: str | None = None
    rep_channel: Literal["left", "right"] = "left"
    turn_pause_s: float = 1.0
    rep_speaker: str | None = None  # mono: this turn label (SPEAKER_0 / SPEAKER_1) is the rep, overriding the cues
    window_s: float = 600.0  # audio decoded and transcribed this many seconds at a time
    temperature: float | None = None  # None: faster-whisper's fallback schedule 0.0, 0.2 ... 1.0; a number: only it


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
    words = [w.model_copy(update={"start_s": round(w.start_s + offset, 3), "end_s": round(w.end_s + offset, 3)})
             for w in piece.words]
    return _Piece(round(piece.start + offset, 3), round(piece.end + offset, 3), piece.text, words, piece.speaker)


class WhisperEngine:
    def __init__(self, options: TranscribeOptions) -> None:
        if not options.model:
            raise ModelUnavailable(
                "no Whisper model given: pass --model with a local CTranslate2 directory (or a model name on a machine "
                "that is online), or set CALLINTEL_WHISPER_MODEL"
            )
        from faster_whisper import WhisperModel

        self.options = options
        try:
            self.model = WhisperModel(options.model, device=options.device, compute_type=options.compute_type,
                                      cpu_threads=options.threads)
        except Exception as exc:  # faster-whisper raises many kinds for a missing or broken model
            raise ModelUnavailable(
                f"cannot load Whisper model {options.model!r} ({type(exc).__name__}: {str(exc).splitlines()[0][:200]}); "
                "give a local CTranslate2 directory, or a model name on a machine that is online"
            ) from None

    def with_options(self, options: TranscribeOptions) -> WhisperEngine:
        """The same loaded model under other per-recording options (rep channel, rep speaker)."""
        if (options.model, options.device, options.compute_type) != (self.options.model, self.options.device,
                                                                      self.options.compute_type):
            return WhisperEngine(options)
        clone = object.__new__(WhisperEngine)
        clone.options, clone.model = options, self.model
        return clone

    def transcribe(
        self, path: Path, interaction_id: str, on_progress: Callable[[float], None] | None = None
    ) -> Transcript:
        """Transcribe ``path`` window by window (bounded memory); ``on_progress`` hears the seconds done."""
        language = self.options.language
        pieces: list[_Piece] = []
        duration, mono = 0.0, True
        for offset, window in iter_windows(path, self.options.window_s):
            duration = offset + window.duration_s
            mono = len(window.channels) == 1
            if not window.silent:
                found, detected = self._stereo(window) if not mono else self._channel(
                    window.channels[0], Speaker(role="unknown", label="SPEAKER_0"))
                pieces += [_shifted(piece, offset) for piece in found]
                language = language or detected
            if on_progress is not None:
                on_progress(duration)
        pieces.sort(key=lambda p: (p.start, p.speaker.label))
        if mono:
            pieces = self._turns(pieces)
        utterances = assign_roles(rep_label=self.options.rep_speaker if mono else None, utterances=[
            Utterance(index=i, speaker=p.speaker, start_s=p.start, end_s=p.end, text=p.text, words=p.words or None)
            for i, p in enumerate(pieces)
        ])
        return Transcript(interaction_id=interaction_id, language=language or "en", duration_s=round(duration, 3),
                          engine=ENGINE, model=self.options.model, utterances=utterances)

    def _stereo(self, audio: Audio) -> tuple[list[_Piece], str]:
        """Each channel on its own; the language is the one detected on the rep's channel."""
        rep_index = 0 if self.options.rep_channel == "left" else 1
        pieces, languages = [], {}
        for index, channel in enumerate(audio.channels):
            role: Role = "rep" if index == rep_index else "customer"
            found, languages[index] = self._channel(channel, Speaker(role=role, label=role.upper()))
            pieces += found
        return pieces, languages[rep_index]

    def _channel(self, samples: np.ndarray, speaker: Speaker) -> tuple[list[_Piece], str]:
        """Segments of one channel, their times clipped to the audio (a decoder can overshoot its 30 s window)."""
        o = self.options
        duration = round(len(samples) / SAMPLE_RATE, 3)

        def clip(value: float) -> float:
            return round(min(max(value, 0.0), duration), 3)

        schedule = {} if o.temperature is None else {"temperature": o.temperature}
        segments, info = self.model.transcribe(samples, beam_size=o.beam_size, vad_filter=o.vad,
                                               word_timestamps=o.word_timestamps, language=o.language, **schedule)
        pieces = []
        for segment in segments:
            text = segment.text.strip()
            if not text or segment.start >= duration:
                continue
            words = [Word(text=w.word.strip(), start_s=clip(w.start), end_s=clip(max(w.end, w.start)),
                          probability=min(max(w.probability, 0.0), 1.0)) for w in segment.words or []]
            pieces.append(_Piece(clip(segment.start), clip(max(segment.end, segment.start)), text, words, speaker))
        return pieces, info.language

    def _turns(self, pieces: list[_Piece]) -> list[_Piece]:
        """Mono: a pause of at least turn_pause_s starts the other speaker's turn."""
        out, label, previous_end = [], 0, None
        for piece in pieces:
            if previous_end is not None and piece.start - previous_end >= self.options.turn_pause_s:
                label = 1 - label
            out.append(_Piece(piece.start, piece.end, piece.text, piece.words,
                              Speaker(role="unknown", label=f"SPEAKER_{label}")))
            previous_end = piece.end
        return out
