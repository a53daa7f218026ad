"""Kubernetes manifests: every object valid (strict: no unknown field) against the Kubernetes 1.37 schemas of
kubernetes-validate, and the operational rules the scaling guide promises."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.deploy import DEPLOY

pytestmark = pytest.mark.system

K8S = DEPLOY / "k8s"
kubernetes_validate = pytest.importorskip("kubernetes_validate", reason="run `bash deploy/ci-deps.sh`")
VERSION = "1.37.0"


def _docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def _objects(kind: str | None = None) -> list[dict[str, Any]]:
    found = [d for p in sorted(K8S.glob("*.yaml")) if p.name != "kustomization.yaml" for d in _docs(p)]
    return [d for d in found if kind is None or d["kind"] == kind]


@pytest.mark.parametrize("path", sorted(p.name for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml"))
def test_manifest_is_valid_kubernetes(path: str) -> None:
    for doc in _docs(K8S / path):
        kubernetes_validate.validate(doc, VERSION, strict=True)


def test_validation_can_fail() -> None:
    broken = _objects("Deployment")[0]
    broken["spec"]["template"]["spec"]["containers"][0]["readinessprobe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, VERSION, strict=True)


def test_kustomization_lists_every_manifest_except_the_secret_template() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    listed = set(kustomization["resources"])
    on_disk = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml", "secret.example.yaml", "migrate-job.yaml"}
    assert listed == on_disk


def _pod_specs() -> list[tuple[str, dict[str, Any]]]:
    specs = []
    for obj in _objects():
        if obj["kind"] in ("Deployment", "StatefulSet", "Job"):
            specs.append((obj["metadata"]["name"], obj["spec"]["template"]["spec"]))
        elif obj["kind"] == "CronJob":
            specs.append((obj["metadata"]["name"], obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]))
    return specs


def test_every_pod_runs_non_root_read_only_with_resources() -> None:
    specs = _pod_specs()
    assert len(specs) >= 4
    for name, spec in specs:
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["automountServiceAccountToken"] is False, name
        for container in spec["containers"]:
            ctx = container["securityContext"]
            assert ctx["readOnlyRootFilesystem"] is True and ctx["allowPrivilegeEscalation"] is False, name
            assert ctx["capabilities"]["drop"] == ["ALL"], name
            assert {"cpu", "memory"} <= set(container["resources"]["requests"]), name
            assert {"cpu", "memory"} <= set(container["resources"]["limits"]), name


def test_app_probes_readiness_on_readyz_and_liveness_on_healthz() -> None:
    app = next(d for d in _objects("Deployment") if d["metadata"]["name"] == "yishi-app")
    container = app["spec"]["template"]["spec"]["containers"][0]
    assert container["args"] == ["serve"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    worker = next(d for d in _objects("Deployment") if d["metadata"]["name"] == "yishi-worker")
    assert worker["spec"]["template"]["spec"]["containers"][0]["args"] == ["worker"]
    job = _objects("Job")[0]
    assert job["spec"]["template"]["spec"]["containers"][0]["args"] == ["migrate"]


def test_autoscaler_and_disruption_budgets_target_the_deployments() -> None:
    deployments = {d["metadata"]["name"] for d in _objects("Deployment")}
    hpa = _objects("HorizontalPodAutoscaler")[0]
    assert hpa["spec"]["scaleTargetRef"]["name"] in deployments
    assert hpa["spec"]["minReplicas"] >= 2
    budgets = {p["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] for p in _objects("PodDisruptionBudget")}
    assert budgets == deployments


def test_ingress_routes_the_api_only() -> None:
    paths = [p["path"] for ing in _objects("Ingress") for rule in ing["spec"]["rules"] for p in rule["http"]["paths"]]
    assert all(p.startswith("/api/") or p == "/healthz" for p in paths), paths
    assert "/metrics" not in paths and "/readyz" not in paths


def test_config_map_and_secret_template_hold_no_secret() -> None:
    config = _objects("ConfigMap")[0]["data"]
    assert not {"SECRET_KEY", "DATA_KEY", "BLIND_INDEX_KEY", "DATABASE_URL", "REDIS_URL"} & set(config)
    assert config["APP_ENV"] == "production" and config["EMULATORS_ENABLED"] == "false"
    secret = _objects("Secret")[0]["stringData"]
    for key, value in secret.items():
        assert "CHANGE-ME" in value, key


def test_config_map_and_secret_carry_the_mail_settings_production_needs(monkeypatch: pytest.MonkeyPatch) -> None:
    from base64 import b64encode
    from secrets import token_bytes, token_urlsafe

    from server.config import Settings

    config = _objects("ConfigMap")[0]["data"]
    secret = _objects("Secret")[0]["stringData"]
    assert {"SMTP_HOST", "SMTP_PORT", "SMTP_SECURITY", "MAIL_FROM"} <= set(config)
    assert {"SMTP_USERNAME", "SMTP_PASSWORD"} <= set(secret) and not {"SMTP_USERNAME", "SMTP_PASSWORD"} & set(config)
    environment = {**config, **secret}
    for name in (
        "SECRET_KEY",
        "BLIND_INDEX_KEY",
        "WECHAT_APP_SECRET",
        "ALIYUN_ACCESS_KEY_SECRET",
        "SMTP_PASSWORD",
        "S3_SECRET_ACCESS_KEY",
    ):
        environment[name] = token_urlsafe(32)
    environment["DATA_KEY"] = b64encode(token_bytes(32)).decode()
    environment |= {"S3_BUCKET": "yishi-files-prod", "S3_ACCESS_KEY_ID": "LTAI5tRealLookingKeyId"}
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    settings = Settings()
    assert settings.is_production and settings.smtp_security == "starttls" and "@" in settings.mail_from
    monkeypatch.delenv("MAIL_FROM")
    with pytest.raises(ValueError, match="MAIL_FROM"):
        Settings()


def test_files_go_to_object_storage_and_no_pod_needs_a_shared_volume(monkeypatch: pytest.MonkeyPatch) -> None:
    from server.config import Settings

    assert not _objects("PersistentVolumeClaim")
    for name, spec in _pod_specs():
        for volume in spec.get("volumes", []):
            assert set(volume) & {"emptyDir", "configMap", "secret"}, (name, volume)
    config = _objects("ConfigMap")[0]["data"]
    secret = _objects("Secret")[0]["stringData"]
    assert config["STORAGE_BACKEND"] == "s3" and config["S3_ENDPOINT_URL"].startswith("https://")
    assert config["S3_ADDRESSING_STYLE"] == "virtual"  # Aliyun OSS serves virtual-hosted buckets only
    assert {"S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"} <= set(secret) and "S3_SECRET_ACCESS_KEY" not in config
    for key, value in {**config, **secret}.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ValueError) as refused:  # the template's placeholders cannot start an installation
        Settings()
    for name in ("S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"):
        assert name in str(refused.value)


def test_redis_keeps_an_append_only_file_fsynced_every_second_on_a_volume() -> None:
    config_map = next(d for d in _objects("ConfigMap") if d["metadata"]["name"] == "yishi-redis-config")
    conf = dict(line.split(None, 1) for line in config_map["data"]["redis.conf"].splitlines() if line.strip())
    assert conf["appendonly"] == "yes" and conf["appendfsync"] == "everysec"
    assert conf["maxmemory-policy"] == "noeviction" and conf["dir"] == "/data"
    redis = next(d for d in _objects("StatefulSet") if d["metadata"]["name"] == "yishi-redis")
    container = redis["spec"]["template"]["spec"]["containers"][0]
    assert container["args"][0] == "/etc/redis/redis.conf"
    assert {m["mountPath"] for m in container["volumeMounts"]} == {"/data", "/etc/redis"}
    claim = redis["spec"]["volumeClaimTemplates"][0]
    assert claim["metadata"]["name"] == "data" and claim["spec"]["accessModes"] == ["ReadWriteOnce"]
    secret = _objects("Secret")[0]["stringData"]
    assert "@yishi-redis:6379" in secret["REDIS_URL"]
