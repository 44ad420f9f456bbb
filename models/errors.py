"""The one exception tree of callintel.

Every error a user can cause or meet derives from ``CallintelError``; the CLI
turns each into one line on stderr and a non-zero exit, the API into a JSON
body with a 4xx status.

    CallintelError
    ├── InputError              bad input from a user (exit 1, HTTP 400/422)
    │   ├── SourceNotFound      a named file or folder does not exist
    │   ├── UnreadableSource    it exists but cannot be read (permissions, a directory, binary)
    │   ├── MalformedSource     it was read but its content is invalid
    │   ├── UnsupportedSource   no reader knows this kind of file
    │   └── NotFound            no stored record has this id (an interaction, a customer; HTTP 404)
    ├── ConfigError             a setting or configuration file is invalid (exit 2)
    ├── ModelUnavailable        model weights are missing or fail their checksum (exit 3)
    └── StoreError              the database cannot be opened or written (exit 4, HTTP 503)
        └── BrokerUnavailable   the Celery broker (CALLINTEL_BROKER_URL) cannot be reached (exit 4, HTTP 503)
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "BrokerUnavailable",
    "CallintelError",
    "ConfigError",
    "InputError",
    "MalformedSource",
    "ModelUnavailable",
    "NotFound",
    "SourceNotFound",
    "StoreError",
    "UnreadableSource",
    "UnsupportedSource",
]


class CallintelError(Exception):
    """Base of every error callintel reports to a user."""

    exit_code = 1
    http_status = 400

    def __init__(self, message: str, path: str | Path | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message

    def as_dict(self) -> dict[str, str | None]:
        return {"error": type(self).__name__, "message": self.message, "path": self.path}

    def public(self) -> tuple[str, str | None]:
        """(message, path) as a remote caller (an HTTP client) may see them."""
        return self.message, self.path


class InputError(CallintelError):
    """The input a user gave is wrong."""


class SourceNotFound(InputError):
    http_status = 404

    def __init__(self, path: str | Path) -> None:
        super().__init__("no such file or directory", path)


class NotFound(InputError):
    http_status = 404

    def __init__(self, what: str, key: str) -> None:
        super().__init__(f"no {what} with id {key!r}")


class UnreadableSource(InputError):
    pass


class MalformedSource(InputError):
    http_status = 422


class UnsupportedSource(InputError):
    http_status = 415


class ConfigError(CallintelError):
    exit_code = 2


class ModelUnavailable(CallintelError):
    exit_code = 3
    http_status = 503


class StoreError(CallintelError):
    """The CLI's line names the database (its password hidden); an HTTP body never does, nor the driver's words
    (host, port, user): the server logs them."""

    exit_code = 4
    http_status = 503

    def public(self) -> tuple[str, str | None]:
        return "the database is unavailable; the server's log says why", None


class BrokerUnavailable(StoreError):
    """The broker cannot be reached: like the store, a service the pipeline cannot work without (exit 4)."""

    def __init__(self, url: str, reason: object) -> None:
        super().__init__(f"cannot reach the broker at {url}: {reason}")

    def public(self) -> tuple[str, str | None]:
        return "the job broker is unavailable; the server's log says why", None
