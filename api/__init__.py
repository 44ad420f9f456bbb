"""The faces of the system: command line, HTTP API and dashboard. Nothing imports api/."""
