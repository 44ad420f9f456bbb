"""Running interactions through the stages: jobs and workers."""
