"""The walkthrough the app team is given runs, as published, against a real dev server (`python -m server run`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from server.config import ROOT
from tests.support.devserver import DevServer, postgres_url_for

WALKTHROUGH = ROOT / "app_api_docs" / "walkthrough.py"


@pytest.fixture(scope="module")
def dev_server(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    server = DevServer(tmp_path_factory.mktemp("walkthrough"), database_url=postgres_url_for("yishi_walkthrough"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(WALKTHROUGH), *args], cwd=ROOT, capture_output=True, text=True, timeout=600
    )


@pytest.mark.system
def test_the_walkthrough_completes_the_physician_journey(dev_server: DevServer) -> None:
    run = _run("--base-url", dev_server.base_url)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:] + dev_server.output()[-3000:]
    out = run.stdout
    steps = (
        "绑定定考账号",
        "报名",
        "自评",
        "考核专业",
        "人脸采集",
        "开始考试",
        "断线后继续考试",
        "接管",
        "交卷",
        "站内消息",
    )
    for step in steps:
        assert step in out, step
    assert "walkthrough complete" in out
    assert "EXAM_DEVICE_MISMATCH" in out and "ATTEMPT_CLOSED" in out and "FACE_CONSENT_REQUIRED" in out
    # the specialty end to end: 张明's 内科专业 is examined in internal medicine, on the office's readiness page too
    assert "报考专业 内科专业 → 考核专业 内科 (internal_medicine)" in out and "业务水平测评（内科）" in out
    assert "EXAM_TAKEOVER_REQUIRED" in out


@pytest.mark.system
def test_it_fails_loudly_on_an_unexpected_answer(dev_server: DevServer) -> None:
    # Run twice against the same data: the demo password was changed by the binding, so log-in is refused.
    run = _run("--base-url", dev_server.base_url)
    assert run.returncode == 1
    assert "unexpected answer" in run.stdout and "INVALID_CREDENTIALS" in run.stdout


def test_it_refuses_an_operation_the_spec_does_not_list() -> None:
    sys.path.insert(0, str(Path(WALKTHROUGH).parent))
    import walkthrough  # type: ignore[import-not-found]

    api = walkthrough.Api("http://127.0.0.1:9", walkthrough.Spec(), label="probe")
    with pytest.raises(walkthrough.Unexpected, match="not in the published spec"):
        api.call("POST", "/api/v1/exams/attempts/{attempt_ref}/pause", path={"attempt_ref": "x"})
