"""Analysing stored interactions: tag and score every utterance, store the result in one transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from models.store import Store
from nlp.tagger import Tagger

__all__ = ["analyse_interactions"]

logger = logging.getLogger("callintel.pipeline")


def analyse_interactions(
    store: Store, tagger: Tagger, interaction_ids: Iterable[str], on_done: Callable[[str], None] | None = None
) -> int:
    """Tag each interaction's transcript and replace its stored analysis (re-running is safe)."""
    done = 0
    for interaction_id in interaction_ids:
        stored = store.get_interaction(interaction_id)
        if stored is None or stored.transcript is None:
            logger.info("nothing to analyse for %s", interaction_id)
            continue
        tags, sentiments = tagger.tag_transcript(stored.transcript)
        store.replace_analysis(interaction_id, tags, sentiments)
        done += 1
        if on_done is not None:
            on_done(interaction_id)
    return done
