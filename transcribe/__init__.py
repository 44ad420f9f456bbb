"""Audio to Transcript: faster-whisper transcription and speaker roles."""
