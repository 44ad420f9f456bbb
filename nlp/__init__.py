"""Tagging, sentiment, call metrics and summaries over transcripts and tickets."""
