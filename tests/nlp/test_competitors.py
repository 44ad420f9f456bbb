from __future__ import annotations

import pytest

from models.errors import ConfigError, SourceNotFound
from nlp.catalogue import load_catalogue
from nlp.tagger import Tagger, TagInput


def entities(tagger: Tagger, text: str) -> list[tuple[str, str]]:
    (result,) = tagger.tag([TagInput(text)])
    return [(t.entity, t.evidence) for t in result.tags if t.label == "competitor_mention"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We also looked at Gong last year.", [("Gong", "Gong")]),
        ("Can we import calls from gong.io?", [("Gong", "gong.io")]),
        ("The meeting is ongoing.", []),
        ("We ring the gong when a deal closes.", []),
        ("Our sales team uses Outreach for sequencing.", [("Outreach", "Outreach")]),
        ("Our outreach to new accounts has doubled.", []),
        ("Cold outreach is hard.", []),
        ("The other division uses Clari Copilot.", [("Clari", "Clari Copilot")]),
        (
            "They moved from salesloft to chorus.ai.",
            [("Salesloft", "salesloft"), ("Chorus", "chorus.ai")],
        ),
    ],
)
def test_competitor_matching(tagger: Tagger, text: str, expected):
    assert entities(tagger, text) == expected


def test_custom_catalogue(tmp_path):
    path = tmp_path / "rivals.yaml"
    path.write_text(
        "competitors:\n  - name: Acme Insights\n    aliases: [acmeinsights.com, AI Calls]\n"
    )
    tagger = Tagger(catalogue=path)
    assert entities(tagger, "We trialled ai calls and Acme Insights.") == [
        ("Acme Insights", "ai calls"),
        ("Acme Insights", "Acme Insights"),
    ]
    assert entities(tagger, "We also looked at Gong.") == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("competitors: [", "not a valid YAML catalogue"),
        ("- Gong\n", "top-level 'competitors'"),
        ("competitors:\n  - aliases: [x]\n", "competitors.0.name"),
        ("competitors:\n  - name: Gong\n    colour: red\n", "competitors.0.colour"),
    ],
)
def test_bad_catalogue_names_the_file(tmp_path, content, message):
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    with pytest.raises(ConfigError) as caught:
        load_catalogue(path)
    assert str(caught.value).startswith(f"{path}: ") and message in str(caught.value)


def test_missing_catalogue(tmp_path):
    with pytest.raises(SourceNotFound):
        load_catalogue(tmp_path / "nope.yaml")


def test_a_folder_given_as_the_catalogue_says_so(tmp_path):
    from models.errors import UnreadableSource

    with pytest.raises(UnreadableSource, match="is a directory, not a YAML catalogue"):
        load_catalogue(tmp_path)
