"""Analytics over the whole book of business: churn trend and reasons, RFM segments,
contact frequency per channel and rep, and the follow-up tasks reps promised.

It reads what the stages above it stored (models/, risk/) and writes only its own
records (follow-up tasks and their reminders).
"""
