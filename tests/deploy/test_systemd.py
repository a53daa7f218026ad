"""systemd units: `systemd-analyze verify` without a warning, and hardened (`systemd-analyze security`).

The units name /opt/yishi/.venv/bin/python, which does not exist here: the test verifies copies in which /opt/yishi
is a temporary directory whose .venv/bin/python links to this interpreter (verify checks that ExecStart exists).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.deploy import DEPLOY, tool

pytestmark = pytest.mark.system

UNITS = DEPLOY / "systemd"


@pytest.fixture(scope="module")
def units(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("systemd")
    install = base / "opt"
    (install / ".venv" / "bin").mkdir(parents=True)
    os.symlink(sys.executable, install / ".venv" / "bin" / "python")
    (install / "deploy" / "bin").mkdir(parents=True)
    (install / "deploy" / "bin" / "enqueue_job.py").write_text("")
    out = base / "units"
    out.mkdir()
    for unit in UNITS.iterdir():
        (out / unit.name).write_text(unit.read_text().replace("/opt/yishi", str(install)))
    return out


def _verify(units: Path, *names: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [tool("systemd-analyze"), "verify", "--man=no", *[f"./{n}" for n in names]],
        cwd=units,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_every_unit_verifies_without_a_warning(units: Path) -> None:
    names = [
        "yishi-app.service",
        "yishi-worker.service",
        "yishi-migrate.service",
    ]
    result = _verify(units, *names)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    # The template unit is verified through an instance, as an operator starts it.
    os.symlink(units / "yishi-purge@.service", units / "yishi-purge@sweep_face_images.service")
    result = _verify(units, "yishi-purge@sweep_face_images.service")
    assert result.returncode == 0 and result.stderr == "", result.stderr


def test_verify_catches_a_broken_unit(units: Path) -> None:
    """The check can fail: an unknown key is reported."""
    (units / "broken.service").write_text("[Service]\nExecStart=/bin/true\nProtectSystm=strict\n")
    result = _verify(units, "broken.service")
    assert "Unknown key" in result.stderr


@pytest.mark.parametrize("unit", ["yishi-app.service", "yishi-worker.service"])
def test_long_running_services_are_hardened(units: Path, unit: str) -> None:
    result = subprocess.run(
        [tool("systemd-analyze"), "security", "--offline=true", f"./{unit}"],
        cwd=units,
        capture_output=True,
        text=True,
        timeout=60,
    )
    found = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", result.stdout + result.stderr)
    assert found, result.stdout + result.stderr
    assert float(found.group(1)) <= 2.5, "systemd rates the unit's exposure above 2.5 (of 10)"


def test_services_run_the_documented_commands_as_the_yishi_user() -> None:
    app = (UNITS / "yishi-app.service").read_text()
    worker = (UNITS / "yishi-worker.service").read_text()
    assert "ExecStart=/opt/yishi/.venv/bin/python -m server serve" in app
    assert "ExecStart=/opt/yishi/.venv/bin/python -m server worker" in worker
    for text in (app, worker):
        assert "User=yishi" in text and "NoNewPrivileges=yes" in text and "ProtectSystem=strict" in text
