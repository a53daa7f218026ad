"""Settings: safe development defaults, and production refuses to start on them."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from server.config import Settings
from tests.support.settings import PRODUCTION


def test_development_defaults_need_nothing() -> None:
    s = Settings(_env_file=None, app_env="development", database_url="", redis_url="")  # type: ignore[call-arg]
    assert s.is_sqlite
    assert s.effective_database_url.endswith("yishi.sqlite3")


def test_production_with_real_values_starts() -> None:
    s = Settings(**PRODUCTION)  # type: ignore[arg-type]
    assert s.is_production and not s.is_sqlite


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("secret_key", None, "SECRET_KEY"),
        ("data_key", None, "DATA_KEY"),
        ("blind_index_key", None, "BLIND_INDEX_KEY"),
        ("wechat_app_secret", None, "WECHAT_APP_SECRET"),
        ("aliyun_access_key_secret", None, "ALIYUN_ACCESS_KEY_SECRET"),
        ("secret_key", "short", "SECRET_KEY"),
        ("database_url", "", "DATABASE_URL"),
        ("redis_url", "", "REDIS_URL"),
        ("emulators_enabled", True, "EMULATORS_ENABLED"),
    ],
)
def test_production_refuses_dev_values_and_missing_servers(field: str, value: object, named: str) -> None:
    values = dict(PRODUCTION)
    if value is None:
        values.pop(field)  # falls back to the development default
    else:
        values[field] = value
    with pytest.raises(ValidationError) as caught:
        Settings(**values)  # type: ignore[arg-type]
    assert named in str(caught.value)
