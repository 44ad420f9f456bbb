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
    │   ├── NotFound            no stored record has this id (an interaction, a customer; HTTP 404)
    │   ├── Conflict            the record exists or its state forbids this (a customer made twice, a resolved alert; 409)
    │   ├── UnexpectedFileError reading or storing one file failed in a way no reader foresaw (HTTP 422)
    │   └── AddressRefused      a webhook URL's host is not a public address (HTTP 422)
    ├── Unauthorized            no valid API token or session (HTTP 401)
    │   └── LoginRequired       a dashboard page without a live login: the browser goes to the form
    ├── Forbidden               the caller's role may not do this (HTTP 403)
    ├── TooLarge                an upload or request body past its limit (HTTP 413)
    ├── InsufficientStorage     the upload folder's disk (or quota) is full (HTTP 507)
    ├── UploadFolderError       the upload folder cannot be written for another reason (HTTP 500)
    ├── ConfigError             a setting or configuration file is invalid (exit 2)
    │   └── SecretKeyError      stored secrets do not decrypt with this CALLINTEL_SECRET_KEY
    ├── ModelUnavailable        model weights are missing or fail their checksum (exit 3)
    └── StoreError              the database cannot be opened or written (exit 4, HTTP 503)
        ├── BrokerUnavailable   the Celery broker (CALLINTEL_BROKER_URL) cannot be reached (exit 4, HTTP 503)
        └── LeaseLost           another worker holds this job now; the stage's output is not committed
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "AddressRefused",
    "BrokerUnavailable",
    "CallintelError",
    "ConfigError",
    "Conflict",
    "Forbidden",
    "InputError",
    "InsufficientStorage",
    "LeaseLost",
    "LoginRequired",
    "MalformedSource",
    "ModelUnavailable",
    "NotFound",
    "SecretKeyError",
    "SourceNotFound",
    "StoreError",
    "TooLarge",
    "Unauthorized",
    "UnexpectedFileError",
    "UnreadableSource",
    "UnsupportedSource",
    "UploadFolderError",
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


class Conflict(InputError):
    """The record exists already (a customer created twice), or its state forbids the change (resolving an alert
    that is already resolved)."""

    http_status = 409


class UnreadableSource(InputError):
    pass


class MalformedSource(InputError):
    http_status = 422


class UnsupportedSource(InputError):
    http_status = 415


class UnexpectedFileError(InputError):
    """Reading or storing one file failed in a way no reader foresaw (a bug, or input beyond a library's limits)."""

    http_status = 422


class AddressRefused(InputError):
    """A webhook URL whose host is not a public address (and not in CALLINTEL_WEBHOOK_ALLOW_HOSTS)."""

    http_status = 422


class Unauthorized(CallintelError):
    http_status = 401


class LoginRequired(Unauthorized):
    """A dashboard page without a (live) login cookie: the browser is sent to the login form."""


class Forbidden(CallintelError):
    http_status = 403


class TooLarge(CallintelError):
    http_status = 413


class InsufficientStorage(CallintelError):
    """The upload folder's disk (or quota) is full."""

    http_status = 507


class UploadFolderError(CallintelError):
    """The upload folder cannot be written for another reason (permissions, a missing mount, ...)."""

    http_status = 500


class ConfigError(CallintelError):
    exit_code = 2


class SecretKeyError(ConfigError):
    """Stored secrets do not decrypt with this CALLINTEL_SECRET_KEY."""


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


class LeaseLost(StoreError):
    """Another worker holds this job now (ours outlived its lease); the stage's output is not committed."""
