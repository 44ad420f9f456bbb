from pipeline.analyse import analyse_interactions
from tests.models.test_store import make_call


def test_analysis_is_stored_and_rerunning_duplicates_nothing(store, tagger):
    interaction, transcript = make_call()
    transcript.utterances[1].text = "Honestly this is too expensive, Gong quoted us half."
    store.save_interaction(interaction, transcript)
    for _ in range(2):
        assert analyse_interactions(store, tagger, [interaction.id, "int_missing"]) == 1
    stored = store.get_interaction(interaction.id)
    assert sorted(t.label for t in stored.tags) == ["competitor_mention", "price_objection"]
    assert all(s is not None for s in stored.sentiments)
    (row,) = store.flagged_queue()
    assert row.interaction.id == interaction.id
    assert row.label_counts == {"competitor_mention": 1, "price_objection": 1}
