"""Regression guard on held-out quality: the figures in the README must not silently drop.

Each held-out set was committed before the change it judges (nlp/data/holdout/, nlp/data/external/SOURCE.md).
Once a set has judged its models it retires (nlp/data/retired/) and becomes fitting data: since the heads of the
seventeenth batch, holdout1-15 are (and holdout16 since the eighteenth batch's heads), so their tests below guard seen
lines against regressions, and their comments give the figures from when each set was held out. The shipped heads'
held-out sets are holdout17 and holdout18 (the last two rows of ``GUARDS``).
"""

from dataclasses import dataclass

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


# The new labels each fresh set guards, in the order of a row's ``floors``.
NEW_LABELS = (
    "product_issue",
    "poor_fit",
    "usage_decline",
    "stakeholder_change",
    "expansion_interest",
)


@dataclass(frozen=True)
class Guard:
    """A held-out set's floors: its size, macro F1, sentiment accuracy and each new label's F1 (in NEW_LABELS'
    order; 25+ lines each). Guards a little under the lower of fp32 and int8, not the goal (0.85 for sentiment
    and each new label's F1)."""

    name: str
    utterances: int
    macro_f1: float
    sentiment: float
    floors: tuple[float, float, float, float, float]


# Each set was committed alone before the change it judged and scored once (README, Quality). Its figures then
# (sentiment, then NEW_LABELS' F1, then macro F1; fp32, int8 in brackets):
# holdout14 (a1bab75), before the sixteenth batch and the alpha and threshold change; it judged the shipped heads:
#   0.742 0.721 0.653 0.432 0.634 0.737 0.717 (0.745 0.700 0.625 0.444 0.605 0.727 0.715).
# holdout15 (9708a3e), before the encoder's fine-tuning: the tuned candidate lost and did not ship, so these are
#   the shipped heads': 0.824 0.685 0.792 0.513 0.696 0.836 0.776 (0.821 0.705 0.750 0.513 0.681 0.808 0.770).
# holdout16 (cf021a4), before the retired sets and the seventeenth batch became fitting data: that candidate won,
#   and shipped retrained with ten hard negatives more (a demo's kickoff line was tagged expansion_interest),
#   scored once more: 0.819 0.825 0.857 0.800 0.929 0.847 0.878 (0.814 0.842 0.857 0.813 0.900 0.862 0.880). It
#   is fitting data since the eighteenth batch's heads: its row guards seen lines.
# holdout17 (e69213e), before holdout16 and the eighteenth batch became fitting data: the candidate won and ships:
#   0.864 0.750 0.909 0.787 0.828 0.912 0.864 (0.862 0.745 0.889 0.877 0.814 0.893 0.860).
# holdout18 (30c7867), before the nineteenth batch's candidate, which lost there by the rule, so these are the
#   eighteenth batch's heads': 0.841 0.747 0.720 0.746 0.806 0.806 0.832 (0.824 0.723 0.680 0.737 0.769 0.862 0.829).
GUARDS = (  # a new held-out set: one row more
    Guard("holdout14", 350, macro_f1=0.69, sentiment=0.72, floors=(0.67, 0.60, 0.41, 0.58, 0.70)),
    Guard("holdout15", 330, macro_f1=0.74, sentiment=0.80, floors=(0.66, 0.72, 0.48, 0.65, 0.78)),
    Guard("holdout16", 340, macro_f1=0.85, sentiment=0.80, floors=(0.78, 0.83, 0.76, 0.87, 0.82)),
    Guard("holdout17", 350, macro_f1=0.84, sentiment=0.84, floors=(0.72, 0.86, 0.76, 0.79, 0.87)),
    Guard("holdout18", 350, macro_f1=0.81, sentiment=0.80, floors=(0.70, 0.66, 0.71, 0.75, 0.78)),
)


@pytest.mark.slow
@pytest.mark.parametrize("guard", GUARDS, ids=lambda guard: guard.name)
def test_a_held_out_set_keeps_its_floors(report, guard: Guard):
    quality = held_out(report, f"fresh ({guard.name})")
    assert quality.utterances >= guard.utterances
    assert quality.macro_f1 >= guard.macro_f1
    assert quality.sentiment_accuracy >= guard.sentiment
    scores = {s.label: s for s in quality.labels if s.label in NEW_LABELS}
    assert set(scores) == set(NEW_LABELS)
    for label, floor in zip(NEW_LABELS, guard.floors, strict=True):
        assert scores[label].support >= 25, scores[label]
        assert scores[label].f1 >= floor, scores[label]
