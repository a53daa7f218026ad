"""deploy/bin/enqueue_job.py, the body of the retention CronJobs and timers: refuses unknown jobs, queues known ones
once per hour."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from types import ModuleType

import pytest
import redis as sync_redis
import yaml

from tests.support.deploy import DEPLOY, ROOT

pytestmark = pytest.mark.system

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


def test_a_registered_job_is_queued_once_per_hour(clean_redis_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    from server.common import jobs

    module = _load()
    assert module.main(["sweep_face_images"]) == 0
    assert module.main(["sweep_face_images"]) == 0
    captured = capsys.readouterr()
    out = captured.out.splitlines()
    assert out[0].startswith("queued sweep_face_images job_id=sweep_face_images:")
    assert out[1].startswith("already queued")
    # It also says the worker schedules this job itself (this is an extra run).
    assert "cron:sweep_face_images" in captured.err
    keys: list[bytes] = sync_redis.Redis.from_url(clean_redis_url).zrange(jobs.QUEUE, 0, -1)  # type: ignore[assignment]
    queued = [k.decode() for k in keys]
    assert len(queued) == 1 and queued[0].startswith("sweep_face_images:")


def test_script_runs_from_the_repository_layout() -> None:
    assert SCRIPT.is_relative_to(ROOT)
    assert "sys.path.insert(0, str(Path(__file__).resolve().parents[2]))" in SCRIPT.read_text()


def test_a_cron_only_coroutine_is_refused_as_the_worker_cannot_run_it_by_name(clean_redis_url: str) -> None:
    module = _load()
    assert "sweep_overdue_attempts" in module.worker_crons()  # scheduled by the worker ...
    assert "sweep_overdue_attempts" not in module.registered_functions()  # ... but not runnable by name
    assert module.main(["sweep_overdue_attempts"]) == 2
    assert sync_redis.Redis.from_url(clean_redis_url).dbsize() == 0


def _k8s_jobs() -> list[tuple[str, bool, str]]:
    """(CronJob name, suspended, job it queues) of deploy/k8s/cronjobs.yaml."""
    found = []
    for doc in yaml.safe_load_all((DEPLOY / "k8s" / "cronjobs.yaml").read_text()):
        if not doc or doc["kind"] != "CronJob":
            continue
        command = doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["command"]
        assert command[:2] == ["python", "/app/deploy/bin/enqueue_job.py"], command
        found.append((doc["metadata"]["name"], bool(doc["spec"].get("suspend")), command[2]))
    return found


def _systemd_jobs() -> list[str]:
    """Jobs named by the systemd units and the documentation (timers start yishi-purge@JOB.service)."""
    texts = [p.read_text() for p in (DEPLOY / "systemd").iterdir()] + [(DEPLOY / "README.md").read_text()]
    return sorted({m for t in texts for m in re.findall(r"yishi-purge@([a-z_]+)\.service", t)})


def test_every_job_the_deploy_files_name_is_in_the_workers_function_list() -> None:
    from server.worker import build_worker

    worker = build_worker()  # what the worker really registers (its FUNCTIONS and its arq cron jobs)
    runnable = {name for name, fn in worker.functions.items() if not name.startswith("cron:") and ":" not in name}
    module = _load()
    assert module.registered_functions() <= set(worker.functions)
    names = [job for _, _, job in _k8s_jobs()] + _systemd_jobs()
    assert names, "the deploy files name no job"
    for job in names:
        assert job in runnable, f"{job} is not in the worker's function list {sorted(runnable)}"


def test_nothing_external_schedules_what_the_worker_already_runs_as_a_cron() -> None:
    module = _load()
    crons = module.worker_crons()
    assert {"sweep_face_images", "close_stale_attempts", "sweep_overdue_attempts"} <= set(crons)
    for name, suspended, job in _k8s_jobs():
        assert suspended or job not in crons, f"CronJob {name} schedules {job}, which the worker runs as a cron"
    assert not list((DEPLOY / "systemd").glob("*.timer")), "a timer would run a worker cron job a second time"
