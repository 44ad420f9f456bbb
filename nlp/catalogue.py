"""The competitor catalogue: a YAML file of canonical names, their aliases, and how each relates to us.

    competitors:
      - name: Gong
        aliases: ["gong.io"]
      - name: Outreach              # an integration: named in calls, never competitor risk
        relationship: partner

A one-word name may also be an ordinary word ("a chorus of complaints", "we need better outreach"); the matcher
(nlp/competitors.py) tells them apart by capitalisation and context. ``ambiguous: true`` makes it stricter (only
the capitalised form counts), ``ambiguous: false`` turns the check off (every occurrence counts).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ingest.validation import describe
from models.errors import ConfigError, SourceNotFound, UnreadableSource

__all__ = ["BUNDLED_CATALOGUE", "Catalogue", "Competitor", "Relationship", "load_catalogue"]

BUNDLED_CATALOGUE = Path(__file__).parent / "data" / "competitors.yaml"
Relationship = Literal["competitor", "partner"]


class Competitor(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    aliases: tuple[str, ...] = ()
    ambiguous: bool | None = Field(
        None,
        description="true: also an ordinary word, count only the capitalised product form; false: count every "
        "occurrence; unset: decided by capitalisation and context",
    )
    relationship: Relationship = Field(
        "competitor",
        description="partner: an integration, recognised but never a competitor mention",
    )

    @field_validator("name")
    @classmethod
    def _name_has_text(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a name needs a letter or digit, not only spaces")
        return value.strip()

    @field_validator("aliases")
    @classmethod
    def _aliases_have_text(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for alias in value:
            if not alias.strip():
                raise ValueError("an alias is empty")
        return tuple(alias.strip() for alias in value)

    def forms(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


class Catalogue(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    competitors: tuple[Competitor, ...] = ()

    def clash(self) -> str | None:
        """The first name or alias that two entries (or one entry twice) claim, as a field path and problem."""
        owner: dict[str, tuple[int, str]] = {}
        for i, entry in enumerate(self.competitors):
            for j, form in enumerate(entry.forms()):
                key = form.casefold()
                if key in owner and owner[key][0] != i:
                    field = "name" if j == 0 else f"aliases.{j - 1}"
                    first, by = owner[key]
                    return f"competitors.{i}.{field}: {form!r} is already a name of {by} (competitors.{first})"
                owner.setdefault(key, (i, entry.name))
        return None

    def relationship(self, name: str) -> Relationship:
        return next(c.relationship for c in self.competitors if c.name == name)


def _message(exc: ValidationError) -> str:
    """pydantic's words, in the YAML's terms (a tuple is a list there)."""
    return (
        describe(exc)
        .replace("a valid tuple", "a list")
        .replace("a valid dictionary or instance of Competitor", "a mapping with a name")
    )


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Read and validate a catalogue; errors name the file and the field."""
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
        catalogue = Catalogue.model_validate(value)
    except ValidationError as exc:
        raise ConfigError(_message(exc), path) from None
    clash = catalogue.clash()
    if clash is not None:
        raise ConfigError(clash, path)
    return catalogue
