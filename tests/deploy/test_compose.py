"""deploy/compose.yaml: valid against the compose-spec schema, resolved by a real compose implementation, and the
production settings it produces are refused while the placeholders of .env.example are in place.

`docker compose config` is used when Docker's compose plugin is there; otherwise Debian's docker-compose 1.29 (which
predates the top-level `name:` key, so its copy drops that line). Both resolve the file without a Docker daemon.
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
from base64 import b64encode
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.deploy import DEPLOY, tool

pytestmark = pytest.mark.system

COMPOSE = DEPLOY / "compose.yaml"


def _compose_command() -> list[str]:
    docker = shutil.which("docker")
    if docker:
        probe = subprocess.run([docker, "compose", "version"], capture_output=True, text=True, timeout=30)
        if probe.returncode == 0:
            return [docker, "compose"]
    return [tool("docker-compose")]


@pytest.fixture(scope="module")
def resolved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The compose file as the compose tool resolves it with deploy/.env.example as the env file."""
    work = tmp_path_factory.mktemp("compose") / "deploy"
    shutil.copytree(DEPLOY, work)
    shutil.copy(DEPLOY / ".env.example", work / ".env")
    command = _compose_command()
    if command[-1].endswith("docker-compose"):
        text = (work / "compose.yaml").read_text()
        (work / "compose.yaml").write_text("".join(line for line in text.splitlines(True) if line != "name: yishi\n"))
    result = subprocess.run(
        [*command, "-f", "compose.yaml", "--env-file", ".env", "config"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def test_compose_file_is_valid_against_the_compose_spec() -> None:
    from importlib.resources import files

    import jsonschema

    schema = json.loads(files("check_jsonschema.builtin_schemas.vendor").joinpath("compose-spec.json").read_text())
    jsonschema.validate(yaml.safe_load(COMPOSE.read_text()), schema)


def test_schema_check_can_fail() -> None:
    from importlib.resources import files

    import jsonschema

    schema = json.loads(files("check_jsonschema.builtin_schemas.vendor").joinpath("compose-spec.json").read_text())
    broken = yaml.safe_load(COMPOSE.read_text())
    broken["services"]["app"]["healthcheck"]["intervall"] = "10s"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_only_nginx_publishes_ports_and_data_services_have_no_way_out(resolved: dict[str, Any]) -> None:
    services = resolved["services"]
    assert set(services) == {"postgres", "redis", "minio", "minio-init", "migrate", "app", "worker", "nginx"}
    assert [name for name, s in services.items() if s.get("ports")] == ["nginx"]
    assert resolved["networks"]["data"]["internal"] is True
    for name in ("postgres", "redis", "minio", "minio-init"):
        assert set(services[name]["networks"]) == {"data"}, name
    assert "data" not in services["nginx"]["networks"]


def test_app_worker_and_migration_run_the_cli_commands_in_order(resolved: dict[str, Any]) -> None:
    services = resolved["services"]
    assert services["app"]["command"] == ["serve"]
    assert services["worker"]["command"] == ["worker"]
    assert services["migrate"]["command"] == ["migrate"]
    for name in ("app", "worker"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert services[name]["read_only"] is True
    assert services["app"]["deploy"]["replicas"] >= 2
    assert "/readyz" in " ".join(services["app"]["healthcheck"]["test"])
    for name in ("postgres", "redis", "minio", "app", "nginx"):
        assert services[name]["healthcheck"]["test"], name


def test_files_go_to_object_storage_and_no_app_container_has_a_volume(resolved: dict[str, Any]) -> None:
    services = resolved["services"]
    for name in ("migrate", "app", "worker"):
        assert not services[name].get("volumes"), name  # replicas share nothing but the object store
        env = services[name]["environment"]
        assert env["STORAGE_BACKEND"] == "s3" and env["S3_ENDPOINT_URL"] == "http://minio:9000", name
        assert env["S3_BUCKET"] == "yishi-files" and env["S3_ADDRESSING_STYLE"] == "path", name
    assert services["migrate"]["depends_on"]["minio-init"]["condition"] == "service_completed_successfully"
    assert "mc mb --ignore-existing" in " ".join(services["minio-init"]["command"])


def test_redis_keeps_an_append_only_file_fsynced_every_second(resolved: dict[str, Any]) -> None:
    command = resolved["services"]["redis"]["command"]
    flags = dict(zip(command[1::2], command[2::2], strict=False))
    assert flags["--appendonly"] == "yes" and flags["--appendfsync"] == "everysec"
    assert flags["--maxmemory-policy"] == "noeviction"  # a full Redis refuses writes rather than drop sessions
    volumes = resolved["services"]["redis"]["volumes"]  # long syntax (compose v2) or "name:/data" (1.29)
    assert any((v["target"] if isinstance(v, dict) else v.split(":")[1]) == "/data" for v in volumes)


def _settings_from(environment: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Any:
    """Settings read from the process environment, exactly as the container's `python -m server` reads them."""
    from server.config import Settings

    for key, value in environment.items():
        monkeypatch.setenv(key, str(value))
    return Settings()


def test_production_refuses_the_placeholders_of_env_example(
    resolved: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    environment = resolved["services"]["app"]["environment"]
    assert environment["APP_ENV"] == "production"
    with pytest.raises(ValueError) as refused:
        _settings_from(environment, monkeypatch)
    for name in (
        "SECRET_KEY",
        "DATA_KEY",
        "BLIND_INDEX_KEY",
        "WECHAT_APP_SECRET",
        "ALIYUN_ACCESS_KEY_SECRET",
        "S3_SECRET_ACCESS_KEY",
    ):
        assert name in str(refused.value)


def test_production_refuses_to_start_without_the_mail_settings(
    resolved: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    environment = _real_secrets(resolved)
    for name in [k for k in environment if k.startswith(("SMTP_", "MAIL_"))]:
        del environment[name]
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ValueError) as refused:
        _settings_from(environment, monkeypatch)
    assert "MAIL_FROM" in str(refused.value)
    environment = _real_secrets(resolved)
    environment["SMTP_PASSWORD"] = ""  # SMTP_USERNAME set without a password
    with pytest.raises(ValueError, match="SMTP_PASSWORD"):
        _settings_from(environment, monkeypatch)


def _real_secrets(resolved: dict[str, Any]) -> dict[str, str]:
    environment = dict(resolved["services"]["app"]["environment"])
    for name in (
        "SECRET_KEY",
        "BLIND_INDEX_KEY",
        "WECHAT_APP_SECRET",
        "ALIYUN_ACCESS_KEY_SECRET",
        "SMTP_PASSWORD",
        "S3_SECRET_ACCESS_KEY",
    ):
        environment[name] = secrets.token_urlsafe(32)
    environment["DATA_KEY"] = b64encode(secrets.token_bytes(32)).decode()
    return environment


def test_production_starts_with_real_secrets_in_place(
    resolved: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    environment = _real_secrets(resolved)
    settings = _settings_from(environment, monkeypatch)
    assert settings.is_production and not settings.is_sqlite and settings.trusted_proxies
    assert settings.smtp_host == "smtp.example.gov.cn" and settings.smtp_security == "starttls"
    assert settings.smtp_port == 587 and settings.mail_from == "noreply@yishi.example.gov.cn"
    assert settings.storage_backend == "s3" and settings.s3_bucket == "yishi-files"


def test_env_example_commits_no_secret() -> None:
    for line in (DEPLOY / ".env.example").read_text().splitlines():
        key, _, value = line.partition("=")
        if any(word in key for word in ("SECRET", "KEY", "PASSWORD")) and key.isupper() and not key.endswith("_ID"):
            assert value.startswith("CHANGE-ME"), key
    assert ".env" in Path(DEPLOY.parent / ".gitignore").read_text().split()
