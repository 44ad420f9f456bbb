from __future__ import annotations

import pytest

from models.errors import ConfigError, SourceNotFound
from nlp.catalogue import load_catalogue
from nlp.tagger import Tagger, TagInput


def entities(tagger: Tagger, text: str) -> list[tuple[str | None, str]]:
    (result,) = tagger.tag([TagInput(text)])
    return [(t.entity, t.evidence) for t in result.tags if t.label == "competitor_mention"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We also looked at Gong last year.", [("Gong", "Gong")]),
        ("Can we import calls from gong.io?", [("Gong", "gong.io")]),
        ("The meeting is ongoing.", []),
        ("We ring the gong when a deal closes.", []),
        ("Our sales team uses Outreach for sequencing.", []),  # a partner (bundled: an integration)
        ("Calls are not syncing to Outreach since yesterday.", []),
        ("We are moving to Outreach Kaia for call recording.", [("Kaia", "Outreach Kaia")]),
        ("we're looking at gong for next year.", [("Gong", "gong")]),
        ("There was a chorus of complaints about the dashboard.", []),
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
        ("competitors:\n  - Gong\n", "competitors.0: Input should be a mapping with a name"),
        ("competitors: Gong\n", "competitors: Input should be a list"),
        (
            "competitors:\n  - name: Gong\n    aliases: gong.io\n",
            "competitors.0.aliases: Input should be a list",
        ),
        (
            "competitors:\n  - name: Gong\n    aliases: ['']\n",
            "competitors.0.aliases: an alias is empty",
        ),
        ("competitors:\n  - name: '  '\n", "competitors.0.name: a name needs a letter"),
        (
            "competitors:\n  - name: Gong\n    relationship: friend\n",
            "competitors.0.relationship: Input should be 'competitor' or 'partner'",
        ),
        (
            "competitors:\n  - name: Gong\n  - name: Chorus\n    aliases: [gong]\n",
            "competitors.1.aliases.0: 'gong' is already a name of Gong (competitors.0)",
        ),
        ("competitors:\n  - name: Gong\n    ambiguous: maybe\n", "competitors.0.ambiguous"),
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


def test_a_bad_catalogue_is_one_line_at_the_cli(cli, tmp_path):
    from tests.helpers import one_line_error

    path = tmp_path / "bad.yaml"
    path.write_text("competitors:\n  - name: Gong\n    relationship: rival\n")
    line = one_line_error(cli("tag", "--competitors", str(path), input="Gong is cheaper.\n"))
    assert f"{path}: competitors.0.relationship" in line


def test_partners_are_recognised_but_never_competitor_mentions(tmp_path):
    path = tmp_path / "ours.yaml"
    path.write_text("competitors:\n  - name: Gong\n  - name: Outreach\n    relationship: partner\n")
    catalogue = load_catalogue(path)
    assert [c.relationship for c in catalogue.competitors] == ["competitor", "partner"]
    tagger = Tagger(catalogue=path)
    (result,) = tagger.tag([TagInput("Outreach sync failing since Gong came in.", "customer")])
    assert [(t.label, t.entity) for t in result.tags if t.entity] == [
        ("competitor_mention", "Gong")
    ]
    (doc,) = tagger.docs([TagInput("Calls are not syncing to Outreach since yesterday.")])
    assert [s.text for s in doc.spans["partners"]] == ["Outreach"] and not doc.spans["competitors"]


def test_ambiguous_flags_make_the_rule_stricter_or_turn_it_off(tmp_path):
    from tests.nlp.test_competitor_words import found, matcher

    path = tmp_path / "flags.yaml"
    path.write_text(
        "competitors:\n  - name: Gong\n    ambiguous: true\n  - name: Chorus\n    ambiguous: false\n"
    )
    pipeline = matcher(path)
    assert found(pipeline, "we're looking at gong.") == []  # strict: only the capitalised form
    assert found(pipeline, "We are looking at Gong.") == ["Gong"]
    assert found(pipeline, "a chorus of complaints") == ["Chorus"]  # no check: every occurrence
