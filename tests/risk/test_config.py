import pytest

from models.errors import ConfigError
from risk.config import DEFAULT_CONFIG, load_config


def test_the_bundled_defaults_load():
    config = load_config()
    assert (config.bands.green, config.bands.yellow, config.half_life_days) == (70, 40, 30)
    assert config.tags["cancellation_intent"].weight == 90 and config.usage.kinds["login"] == 18.75
    weights = {
        name: getattr(config.indicators, name).weight
        for name in ("login_frequency", "core_feature_depth", "ticket_sentiment")
    }
    assert weights == {"login_frequency": 20, "core_feature_depth": 30, "ticket_sentiment": 25}
    assert (config.indicators.feature_adoption.weight, config.indicators.page_visits.weight) == (
        15,
        10,
    )


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda text: text.replace("green: 70", "green: 30"),
            "bands: bands.yellow must not be above bands.green",
        ),
        (
            lambda text: text.replace("half_life_days: 30", "half_life_days: -1"),
            "half_life_days: Input should be greater than 0",
        ),
        (lambda text: text + "surprise: 1\n", "surprise: Extra inputs are not permitted"),
        (
            lambda text: text.replace("{decision_maker: ", "{ceo: "),
            "key_people: 'ceo' is not a key role",
        ),
        (
            lambda text: text.replace(
                "better: higher, full: 2, half: 0.5", "better: higher, full: 1, half: 2"
            ),
            "indicators.login_frequency: full must be above half",
        ),
        (
            lambda text: text.replace(
                "{days: 30, weight: 25, per_day: 0.5, max_weight: 45}", "{days: 30}"
            ),
            "silence.login.weight: Field required",
        ),
        (lambda text: "bands: [", "not valid YAML"),
    ],
)
def test_a_bad_config_is_one_clear_error_naming_the_file(tmp_path, edit, message):
    path = tmp_path / "risk.yaml"
    path.write_text(edit(DEFAULT_CONFIG.read_text()))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{path}: ") and message in str(caught.value)


def test_a_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="cannot read the risk configuration"):
        load_config(tmp_path / "nope.yaml")
