"""Playbooks: every signal kind has an intervention; recommend() picks one with its reason."""

import pytest

from models.accounts import Contact
from models.errors import ConfigError
from risk.config import DEFAULT_CONFIG, load_config
from risk.health import health
from risk.kinds import known_kinds
from risk.playbooks import DEFAULT_PLAYBOOKS, load_playbooks, recommend
from tests.risk.histories import AS_OF, account, ago, call, full, history, tag, team

CONFIG = load_config()
PLAYBOOKS = load_playbooks(None, CONFIG)
CALLS = [call(d, sentiments=("positive",)) for d in (10, 30, 50, 70)]


def action(h):
    return recommend(health(h, AS_OF, CONFIG), h, PLAYBOOKS, CONFIG)


def test_every_signal_kind_has_an_intervention():
    assert known_kinds(CONFIG) <= set(PLAYBOOKS.kinds)
    assert {"key_person_inactive", "core_feature_abandoned", "cancel_requested", "no_login"} <= set(
        PLAYBOOKS.kinds
    )


def test_the_issue_s_examples():
    dm = [Contact(customer_id="x", user="u1", role="decision_maker")]
    quiet_dm = [e for e in team() if not (e.properties.get("user") == "u1" and e.at > ago(20))]
    assert "Executive strategy meeting" in action(full("dm", CALLS, quiet_dm, contacts=dm)).action
    dropped = [
        e for e in team() if not (e.properties.get("feature") == "dashboards" and e.at > ago(28))
    ]
    assert action(full("f", CALLS, dropped)).action.startswith("Tailored training")
    leaving = full(
        "l", [*CALLS, call(2, tag("export_data_intent", "Export all our data."))], team()
    )
    assert action(leaving).action.startswith("Executive visit to diagnose what changed")
    asked = full(
        "c", CALLS, team(), account=account("c", status="cancel_requested", status_at=ago(3))
    )
    assert action(asked).kind == "cancel_requested" and "Executive visit" in action(asked).action
    price = [*CALLS, call(2, tag("price_objection", "This is too expensive now."))]
    old = action(full("old", price, team(), account=account("old", start_date=ago(800).date())))
    new = action(full("new", price, team(), account=account("new", start_date=ago(100).date())))
    assert (
        old.kind == "long_standing_price"
        and "value review" in old.action
        and "2.2 years" in old.reason
    )
    assert new.kind == "price_objection"
    happy = action(
        full("h", CALLS, team())
    )  # 90 with the new features not tried: still no risk event
    assert happy.kind == "healthy" and "expansion or ask for advocacy" in happy.action


def test_no_recommendation_for_unknown_or_churned_customers():
    assert action(history("nobody")) is None
    gone = full("g", CALLS, team(), account=account("g", status="churned", status_at=ago(5)))
    assert action(gone) is None


def test_the_reason_is_the_signal_s_evidence():
    h = full(
        "x", [*CALLS, call(2, tag("competitor_mention", "Gong is cheaper.", entity="Gong"))], team()
    )
    result = action(h)
    assert (
        result.kind == "competitor_mention"
        and 'the customer said: "Gong is cheaper."' in result.reason
    )


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda text: text.replace('  no_login: "', '  no_loginx: "'),
            "kinds.no_login: no intervention for this signal kind",
        ),
        (
            lambda text: text.replace("min_score: 90", "min_score: 190"),
            "healthy.min_score: Input should be less than or equal to 100",
        ),
        (
            lambda text: text.replace(
                '  ticket_rise: "Support', '  ticket_rise: "  "\n  x: "Support'
            ),
            "kinds.ticket_rise: the action is empty",
        ),
        (lambda text: text + "surprise: 1\n", "surprise: Extra inputs are not permitted"),
        (lambda text: "kinds: [", "not valid YAML"),
    ],
)
def test_a_bad_playbooks_file_is_one_line_naming_the_field(tmp_path, edit, message):
    path = tmp_path / "playbooks.yaml"
    path.write_text(edit(DEFAULT_PLAYBOOKS.read_text()))
    with pytest.raises(ConfigError) as caught:
        load_playbooks(path, CONFIG)
    text = str(caught.value)
    assert text.startswith(f"{path}: ") and message in text and "\n" not in text


def test_a_risk_config_with_a_new_tag_needs_its_playbook(tmp_path):
    risky = tmp_path / "risk.yaml"
    risky.write_text(
        DEFAULT_CONFIG.read_text().replace("  poor_fit:", "  new_label: {weight: 3}\n  poor_fit:")
    )
    with pytest.raises(ConfigError, match="kinds.new_label: no intervention for this signal kind"):
        load_playbooks(None, load_config(risky))


def test_every_kind_the_code_raises_is_registered_and_has_a_playbook():
    """Each literal kind passed to risk.kinds.signal() (or RiskSignal(kind=...)) in risk/ is a known kind."""
    import ast
    from pathlib import Path

    import risk

    raised = set()
    for path in Path(risk.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name == "signal" and len(node.args) > 1 and isinstance(node.args[1], ast.Constant):
                raised.add(node.args[1].value)
            for keyword in node.keywords if name == "RiskSignal" else []:
                if keyword.arg == "kind" and isinstance(keyword.value, ast.Constant):
                    raised.add(keyword.value.value)
    assert len(raised) >= 20  # (the indicators, tags and usage_drop:<kind> are named by variables)
    assert raised <= known_kinds(CONFIG) and raised <= set(PLAYBOOKS.kinds)


def test_every_tag_label_the_tagger_finds_moves_the_score():
    """Each label in the closed vocabulary is a risk event (risk.yaml ``tags``) or a positive signal
    (``positive.tags``), so risk consumes every label the tagger can give; and each has a playbook."""
    from models.records import TAG_LABELS

    counted = set(CONFIG.tags) | set(CONFIG.positive.tags)
    assert set(TAG_LABELS) <= counted, set(TAG_LABELS) - counted
    assert set(CONFIG.tags) <= set(PLAYBOOKS.kinds)
