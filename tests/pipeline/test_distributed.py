"""The distributed pipeline's dispatching side, without a broker."""

import pytest

from models.errors import ConfigError
from models.settings import Settings
from pipeline.distributed import dispatch


def test_dispatch_without_a_broker_is_a_config_error_not_a_default_broker(store):
    """Celery given no broker would try amqp://localhost; the missing setting is named instead."""
    with pytest.raises(ConfigError, match="CALLINTEL_BROKER_URL"):
        dispatch(store, Settings(), ["int_0123456789abcdef"])
