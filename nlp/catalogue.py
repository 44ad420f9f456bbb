"""The competitor catalogue: a YAML file of canonical names and their aliases."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ingest.validation import describe
from models.errors import ConfigError, SourceNotFound, UnreadableSource

__all__ = ["BUNDLED_CATALOGUE", "Catalogue", "Competitor", "load_catalogue"]

BUNDLED_CATALOGUE = Path(__file__).parent / "data" / "competitors.yaml"


class Competitor(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    aliases: tuple[str, ...] = ()
    ambiguous: bool = Field(
        False,
        description="also an ordinary word: match only the capitalised product form in context",
    )

    def forms(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


class Catalogue(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    competitors: tuple[Competitor, ...] = ()


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Read and validate a catalogue; errors name the file and the problem."""
    path = Path(path) if path is not None else BUNDLED_CATALOGUE
    if path.is_dir():
        raise UnreadableSource("is a directory, not a YAML catalogue", path)
    if not path.is_file():
        raise SourceNotFound(path)
    try:
        value = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"not a valid YAML catalogue: {str(exc).splitlines()[0]}", path) from None
    if not isinstance(value, dict) or "competitors" not in value:
        raise ConfigError("a catalogue needs a top-level 'competitors' list", path)
    try:
        return Catalogue.model_validate(value)
    except ValidationError as exc:
        raise ConfigError(describe(exc), path) from None
