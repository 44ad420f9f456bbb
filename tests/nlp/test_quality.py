"""Regression guard on held-out quality: the figures in the README must not silently drop.

Each held-out set was committed before the change it judges (nlp/data/holdout/, nlp/data/external/SOURCE.md).
Once a set has judged its models it retires (nlp/data/retired/) and becomes fitting data: since the heads of the
seventeenth batch, holdout1-15 are (and holdout16 since the eighteenth batch's heads), so their tests below guard seen
lines against regressions, and their comments give the figures from when each set was held out. The shipped heads'
held-out sets are holdout17 and holdout18 (the last two tests).
"""

import pytest

from bench import tag_quality


@pytest.fixture(scope="module")
def report(tagger) -> tag_quality.Report:
    return tag_quality.report(tagger)


def held_out(report: tag_quality.Report, name: str) -> tag_quality.Quality:
    return next(s.quality for s in report.sets if s.name == name)


@pytest.mark.slow  # the real tagger over the held-out sets
def test_existing_labels_keep_their_quality(report):
    quality = held_out(report, "existing labels")
    assert quality.macro_f1 >= 0.90
    competitor = next(s for s in quality.labels if s.label == "competitor_mention")
    assert competitor.f1 >= 0.95


@pytest.mark.slow
def test_each_new_label_reaches_its_bar(report):
    quality = held_out(report, "new labels")
    assert {s.label for s in quality.labels} == set(tag_quality.NEW_LABELS)
    assert all(s.support >= 30 for s in quality.labels)
    # The target is 0.85 each; the shipped heads (sixteenth batch) reach product_issue 0.896, poor_fit 0.873,
    # usage_decline 0.967, stakeholder_change 0.862, expansion_interest 0.885 (fp32; int8 0.909 / 0.873 / 0.967 /
    # 0.862 / 0.885; README, Quality), but holdout5's misses were read for the sixteenth batch, so these are seen
    # figures. The lower guards date from the fourteenth batch (poor_fit 0.846, stakeholder_change 0.815) and
    # leave room for a retrain's +-0.02; the fresh figures for these labels are holdout14's, far lower.
    short = {
        "product_issue": 0.82,
        "expansion_interest": 0.82,
        "poor_fit": 0.82,
        "stakeholder_change": 0.79,
    }
    assert all(s.f1 >= short.get(s.label, 0.85) for s in quality.labels), quality.labels


@pytest.mark.slow
def test_signing_with_a_competitor_is_a_cancellation_and_a_mention(report):
    # 30 written; 2 name Outreach, a partner in the bundled catalogue
    assert report.signing_lines >= 28
    assert report.signing_both >= 0.85


@pytest.mark.slow
def test_sentiment_on_the_fresh_set_and_on_human_rated_text(report):
    # The target on the set is 0.85; the shipped heads reach 0.833 (fp32; 0.857 int8), external 0.872 (0.870 int8;
    # README, Quality): guards, not the goal.
    assert held_out(report, "sentiment").sentiment_accuracy >= 0.82
    assert report.external_sentences >= 450
    assert report.external_sentiment_accuracy >= 0.80


@pytest.mark.slow
def test_intents_inside_long_turns(report):
    assert held_out(report, "long turns").macro_f1 >= 0.85


@pytest.mark.slow
def test_the_fresh_set_for_the_labels_that_fell_short(report):
    # holdout8.tsv was committed before the training batch it judges (README, Quality). Guards, not the goal:
    # the shipped heads reach product_issue 0.949 and expansion_interest 0.857 there (fp32; int8 0.937 / 0.824).
    quality = held_out(report, "fresh (issue 18)")
    assert {s.label for s in quality.labels} == set(tag_quality.FRESH_LABELS)
    assert all(s.support >= 40 for s in quality.labels)
    assert all(s.f1 >= 0.82 for s in quality.labels), quality.labels
    # 0.662 before the sentiment head read the speaker role and the intent scores, 0.766 since, 0.821 with the
    # MLP head and seven lines relabelled by the one rule, 0.848 with the sixteenth batch (README, Quality)
    assert quality.sentiment_accuracy >= 0.78


@pytest.mark.slow
def test_sentiment_on_the_ninth_set(report):
    # holdout9.tsv was committed before the sentiment changes and the twelfth batch (README, Quality). The target
    # is 0.85; the shipped heads (sixteenth batch) reach 0.775 fp32 and 0.768 int8 (0.790 and 0.775 with the
    # fourteenth batch's, whose guard was 0.77): a guard, not the goal.
    quality = held_out(report, "fresh sentiment")
    assert quality.utterances >= 120
    assert quality.sentiment_accuracy >= 0.75


@pytest.mark.slow
def test_the_tenth_set(report):
    # holdout10.tsv was committed before the MLP sentiment head and the thirteenth batch (README, Quality). The
    # targets are 0.85 for sentiment and product_issue F1; the shipped heads (sixteenth batch) reach 0.810 and
    # 0.831 (fp32; int8 0.810 and 0.825); 0.791 and 0.727 when it was scored, before the fourteenth batch was
    # written after reading its product_issue misses: guards, not the goal.
    quality = held_out(report, "fresh (holdout10)")
    assert quality.utterances >= 150
    product_issue = next(s for s in quality.labels if s.label == "product_issue")
    assert product_issue.support >= 25
    assert product_issue.f1 >= 0.70
    assert quality.sentiment_accuracy >= 0.76


@pytest.mark.slow
def test_the_eleventh_set(report):
    # holdout11.tsv (product issues of many kinds and their hard negatives) was committed before the fourteenth
    # batch (README, Quality). The target is 0.85 for product_issue F1; it reached 0.747 (P 0.903, R 0.636) when
    # scored; the shipped heads (sixteenth batch, written after reading the older sets' misses) reach 0.843
    # (P 0.897; int8 0.815, P 0.892) and sentiment 0.888 there: guards, not the goal.
    quality = held_out(report, "fresh (holdout11)")
    assert quality.utterances >= 85
    product_issue = next(s for s in quality.labels if s.label == "product_issue")
    assert product_issue.support >= 40
    assert product_issue.f1 >= 0.72
    assert product_issue.precision >= 0.85  # the hard negatives stay untagged
    assert quality.sentiment_accuracy >= 0.78


@pytest.mark.slow
def test_the_twelfth_and_thirteenth_sets(report):
    # holdout12.tsv and holdout13.tsv were each committed before the change they judged and scored once (README,
    # Quality); neither change shipped. The sixteenth batch was written from their misses, so they are seen sets
    # now: the shipped heads reach product_issue F1 0.865 and 0.807, sentiment 0.841 and 0.850 (fp32; int8 0.846
    # and 0.835, 0.836 and 0.876). The targets are 0.85; the floors date from the fourteenth batch's heads (0.830
    # and 0.716, 0.813 and 0.846): guards, not the goal.
    for name, product_issue_f1, sentiment in (
        ("fresh (holdout12)", 0.80, 0.79),
        ("fresh (holdout13)", 0.69, 0.82),
    ):
        quality = held_out(report, name)
        assert quality.utterances >= 200
        product_issue = next(s for s in quality.labels if s.label == "product_issue")
        assert product_issue.support >= 45
        assert product_issue.f1 >= product_issue_f1
        assert quality.sentiment_accuracy >= sentiment


@pytest.mark.slow
def test_the_fourteenth_set(report):
    # holdout14.tsv was committed alone (a1bab75) before the sixteenth batch and the alpha and threshold change, and
    # scored once (README, Quality): it judged the shipped heads. The targets are 0.85 for sentiment and each new
    # label's F1; none is met there: sentiment 0.742, product_issue 0.721, poor_fit 0.653, usage_decline 0.432,
    # stakeholder_change 0.634, expansion_interest 0.737, macro F1 0.717 (fp32; int8 0.745, 0.700, 0.625, 0.444,
    # 0.605, 0.727, 0.715). Guards a little under the lower of the two, not the goal.
    _fresh_set_guards(
        held_out(report, "fresh (holdout14)"),
        utterances=350,
        macro_f1=0.69,
        sentiment=0.72,
        floors={
            "product_issue": 0.67,
            "poor_fit": 0.60,
            "usage_decline": 0.41,
            "stakeholder_change": 0.58,
            "expansion_interest": 0.70,
        },
    )


@pytest.mark.slow
def test_the_fifteenth_set(report):
    # holdout15.tsv was committed alone (9708a3e) before the encoder's fine-tuning and scored once (README,
    # Quality): the tuned candidate lost there and did not ship, so these are the shipped heads' figures. The
    # targets are 0.85 for sentiment and each new label's F1; none is met: sentiment 0.824, product_issue 0.685,
    # poor_fit 0.792, usage_decline 0.513, stakeholder_change 0.696, expansion_interest 0.836, macro F1 0.776
    # (fp32; int8 0.821, 0.705, 0.750, 0.513, 0.681, 0.808, 0.770). Guards a little under the lower of the two.
    _fresh_set_guards(
        held_out(report, "fresh (holdout15)"),
        utterances=330,
        macro_f1=0.74,
        sentiment=0.80,
        floors={
            "product_issue": 0.66,
            "poor_fit": 0.72,
            "usage_decline": 0.48,
            "stakeholder_change": 0.65,
            "expansion_interest": 0.78,
        },
    )


@pytest.mark.slow
def test_the_sixteenth_set(report):
    # holdout16.tsv was committed alone (cf021a4) before the retired sets and the seventeenth batch became fitting
    # data, and scored once by the rule (README, Quality): that candidate won. It is fitting data since the
    # eighteenth batch's heads, so this guards seen lines; the figures below are from when it was fresh. The shipped heads are it retrained with
    # ten hard negatives more (a demo's kickoff line was tagged expansion_interest), scored once more: sentiment
    # 0.819, product_issue 0.825, poor_fit 0.857, usage_decline 0.800, stakeholder_change 0.929, expansion_interest
    # 0.847, macro F1 0.878 (fp32; int8 0.814, 0.842, 0.857, 0.813, 0.900, 0.862, 0.880). The targets are 0.85 for
    # sentiment and each new label's F1. Guards a little under the lower of the two, not the goal.
    _fresh_set_guards(
        held_out(report, "fresh (holdout16)"),
        utterances=340,
        macro_f1=0.85,
        sentiment=0.80,
        floors={
            "product_issue": 0.78,
            "poor_fit": 0.83,
            "usage_decline": 0.76,
            "stakeholder_change": 0.87,
            "expansion_interest": 0.82,
        },
    )


@pytest.mark.slow
def test_the_seventeenth_set(report):
    # holdout17.tsv was committed alone (e69213e) before holdout16 and the eighteenth batch became fitting data, and
    # scored once by the rule (README, Quality): the candidate won and ships. Its figures: sentiment 0.864,
    # product_issue 0.750, poor_fit 0.909, usage_decline 0.787, stakeholder_change 0.828, expansion_interest 0.912,
    # macro F1 0.864 (fp32; int8 0.862, 0.745, 0.889, 0.877, 0.814, 0.893, 0.860). The targets are 0.85 for
    # sentiment and each new label's F1. Guards a little under the lower of the two, not the goal.
    _fresh_set_guards(
        held_out(report, "fresh (holdout17)"),
        utterances=350,
        macro_f1=0.84,
        sentiment=0.84,
        floors={
            "product_issue": 0.72,
            "poor_fit": 0.86,
            "usage_decline": 0.76,
            "stakeholder_change": 0.79,
            "expansion_interest": 0.87,
        },
    )


@pytest.mark.slow
def test_the_eighteenth_set(report):
    # holdout18.tsv was committed alone (30c7867) before the nineteenth batch's candidate, which lost there by the
    # rule (README, Quality), so the shipped heads are still the eighteenth batch's and these are their figures on
    # it: sentiment 0.841, product_issue 0.747, poor_fit 0.720, usage_decline 0.746, stakeholder_change 0.806,
    # expansion_interest 0.806, macro F1 0.832 (fp32; int8 0.824, 0.723, 0.680, 0.737, 0.769, 0.862, 0.829). The
    # targets are 0.85 for sentiment and each new label's F1. Guards a little under the lower of the two.
    _fresh_set_guards(
        held_out(report, "fresh (holdout18)"),
        utterances=350,
        macro_f1=0.81,
        sentiment=0.80,
        floors={
            "product_issue": 0.70,
            "poor_fit": 0.66,
            "usage_decline": 0.71,
            "stakeholder_change": 0.75,
            "expansion_interest": 0.78,
        },
    )


def _fresh_set_guards(
    quality: tag_quality.Quality,
    utterances: int,
    macro_f1: float,
    sentiment: float,
    floors: dict[str, float],
) -> None:
    """A fresh set's size, macro F1, sentiment accuracy and each new label's F1 (25+ lines each) at their floors."""
    assert quality.utterances >= utterances
    assert quality.macro_f1 >= macro_f1
    assert quality.sentiment_accuracy >= sentiment
    scores = {s.label: s for s in quality.labels if s.label in floors}
    assert set(scores) == set(floors)
    assert all(scores[label].support >= 25 for label in floors), scores
    assert all(scores[label].f1 >= floor for label, floor in floors.items()), scores
