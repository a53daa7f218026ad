"""The app image's Dockerfile: hadolint clean, non-root, production defaults, small build context."""

from __future__ import annotations

import re
import subprocess

import pytest

from tests.support.deploy import DEPLOY, tool

pytestmark = pytest.mark.system

DOCKERFILE = DEPLOY / "Dockerfile"


def test_hadolint_finds_nothing() -> None:
    result = subprocess.run([tool("hadolint"), str(DOCKERFILE)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_image_runs_serve_as_a_fixed_non_root_user_in_production_mode() -> None:
    text = DOCKERFILE.read_text()
    assert re.search(r"^FROM python:3\.11-slim\b", text, re.M)
    users = re.findall(r"^USER\s+(\S+)", text, re.M)
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    assert 'ENTRYPOINT ["python", "-m", "server"]' in text
    assert 'CMD ["serve"]' in text
    for setting in ("APP_ENV=production", "EMULATORS_ENABLED=false", "RUN_WORKER_IN_PROCESS=false"):
        assert setting in text


def test_build_context_excludes_local_state_and_secrets() -> None:
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    assert ignore[ignore.index("**") :][:1] == ["**"], "everything is excluded first, then allowed back"
    allowed = {line[1:] for line in ignore if line.startswith("!")}
    assert allowed == {"pyproject.toml", "server/**", "deploy/bin/**"}
