"""deploy/bin/enqueue_job.py, the body of the retention CronJobs and timers: refuses unknown jobs, queues known ones
once per hour."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from types import ModuleType

import pytest
import redis as sync_redis

from tests.deploy.tools import DEPLOY, ROOT

SCRIPT = DEPLOY / "bin" / "enqueue_job.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("enqueue_job", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_an_unknown_job_is_refused_and_nothing_is_queued(clean_redis_url: str) -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "no_such_job"], cwd="/", capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "unknown job 'no_such_job'" in result.stderr
    assert sync_redis.Redis.from_url(clean_redis_url).dbsize() == 0


def test_a_registered_job_is_queued_once_per_hour(
    clean_redis_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from server.common import jobs

    module = _load()
    monkeypatch.setattr(module, "registered_functions", lambda: {"purge_face_images"})
    assert module.main(["purge_face_images"]) == 0
    assert module.main(["purge_face_images"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("queued purge_face_images job_id=purge_face_images:")
    assert out[1].startswith("already queued")
    queued = sync_redis.Redis.from_url(clean_redis_url).zrange(jobs.QUEUE, 0, -1)
    assert len(queued) == 1 and queued[0].decode().startswith("purge_face_images:")


def test_script_runs_from_the_repository_layout() -> None:
    assert SCRIPT.is_relative_to(ROOT)
    assert "sys.path.insert(0, str(Path(__file__).resolve().parents[2]))" in SCRIPT.read_text()
