import pytest

from models.settings import Settings
from pipeline.stages import Engines


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url, job_lease_s=30, max_attempts=3)


@pytest.fixture
def engines(settings: Settings, tagger) -> Engines:
    return Engines(settings, tagger_instance=tagger)
