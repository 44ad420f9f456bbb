"""Bundled sample data for ``callintel demo``: call transcripts, tickets and usage events."""

from pathlib import Path

SAMPLES_DIR = Path(__file__).parent

__all__ = ["SAMPLES_DIR"]
