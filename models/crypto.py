"""Webhook signing secrets encrypted at rest: Fernet (AES-128-CBC + HMAC-SHA256) with a key from CALLINTEL_SECRET_KEY.

The Fernet key is the SHA-256 of a label and CALLINTEL_SECRET_KEY. In development without that setting a
key is made once in the user data dir (``secret.key``, mode 0600, written atomically and never overwritten)
and used from then on; production refuses to start without the setting (models/settings.py). Secrets that do
not decrypt (the key was changed) are one SecretKeyError naming the setting.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from pathlib import Path

import platformdirs
from cryptography.fernet import Fernet, InvalidToken

from models.errors import ConfigError, SecretKeyError
from models.private_files import make_private_dir
from models.settings import Settings

__all__ = ["decrypt", "development_key_file", "encrypt", "secret_key"]

LABEL = b"callintel webhook secrets\x00"
MIN_KEY = 32


def development_key_file() -> Path:
    return Path(platformdirs.user_data_dir("callintel", appauthor=False)) / "secret.key"


def _make_key_file(path: Path) -> None:
    """Write a new random key to ``path`` atomically (0600 from the start), unless one is there already."""
    make_private_dir(path.parent)  # the data dir, as the store makes it
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(48) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.link(
            temporary, path
        )  # atomic; fails if another process made the key first (theirs is used)
    except FileExistsError:
        pass
    finally:
        temporary.unlink(missing_ok=True)


def _development_key(path: Path) -> str:
    try:
        if not path.exists():
            _make_key_file(path)
        key = path.read_text().strip()
    except OSError as exc:
        raise ConfigError(
            f"cannot make or read the development key ({exc.strerror}); set CALLINTEL_SECRET_KEY",
            path,
        ) from None
    if len(key) < MIN_KEY:
        raise ConfigError(
            f"the development key is shorter than {MIN_KEY} characters; set CALLINTEL_SECRET_KEY",
            path,
        )
    return key


def secret_key(settings: Settings) -> str:
    """CALLINTEL_SECRET_KEY, or in development the key made once in the data dir."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value()
    if settings.environment == "production":
        raise ConfigError(
            "production needs CALLINTEL_SECRET_KEY (webhook secrets are encrypted with it)"
        )
    return _development_key(development_key_file())


def _fernet(settings: Settings) -> Fernet:
    return Fernet(
        base64.urlsafe_b64encode(hashlib.sha256(LABEL + secret_key(settings).encode()).digest())
    )


def encrypt(settings: Settings, plaintext: str) -> str:
    return _fernet(settings).encrypt(plaintext.encode()).decode("ascii")


def decrypt(settings: Settings, token: str) -> str:
    try:
        return _fernet(settings).decrypt(token.encode("ascii", "replace")).decode()
    except InvalidToken:
        raise SecretKeyError(
            "stored webhook secrets do not decrypt with this CALLINTEL_SECRET_KEY: set the key they "
            "were encrypted with"
        ) from None
