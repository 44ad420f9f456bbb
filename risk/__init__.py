"""Risk signals, customer timelines and health scores."""
