"""The committed schema artefacts match the code: migrations and the OpenAPI document."""

from __future__ import annotations

import os
import subprocess
import sys

from server import openapi
from server.config import ROOT


def test_migrations_match_the_models(tmp_dir: object) -> None:
    env = {**os.environ, "DATA_DIR": str(tmp_dir), "DATABASE_URL": ""}
    run = subprocess.run(
        [sys.executable, "-m", "server", "makemigrations", "--check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr + run.stdout


def test_committed_openapi_is_what_the_code_generates() -> None:
    # A process of its own: sanic-ext builds the document from a fresh app, apart from the test server.
    run = subprocess.run(
        [sys.executable, "-m", "server", "export-openapi", "--check"],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:] + run.stdout[-2000:]
    assert openapi.SPEC_PATH.exists()
