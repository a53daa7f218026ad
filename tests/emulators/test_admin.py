"""The emulator's own API (/_emulator/), its page, and starting and stopping the server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from server.emulators import DEV_CONFIG, DEV_SMS_TEMPLATE_CODES, DEV_SUBSCRIBE_TEMPLATE_IDS, EmulatorServer
from server.emulators.state import SmsRecord
from tests.support.emulators import http

ROOT = Path(__file__).resolve().parents[2]


def add_sms(emulator: EmulatorServer, phone: str, text: str) -> None:
    emulator.state.record_sms(
        SmsRecord(
            phone, DEV_SMS_TEMPLATE_CODES["login"], {"code": "1"}, text, "医师服务", "1^0", emulator.state.stamp()
        )
    )


def test_sms_inbox_is_newest_first_and_filters_by_phone(emulator: EmulatorServer) -> None:
    add_sms(emulator, "13800000000", "first")
    add_sms(emulator, "13900000000", "other")
    add_sms(emulator, "13800000000", "second")
    status, listed = http(emulator, "GET", "/_emulator/sms?phone=13800000000")
    assert status == 200
    assert [m["text"] for m in listed] == ["second", "first"]
    assert set(listed[0]) >= {"phone", "template_code", "params", "text", "at"}
    assert len(http(emulator, "GET", "/_emulator/sms")[1]) == 3


def test_page_shows_latest_sms_escaped(emulator: EmulatorServer) -> None:
    add_sms(emulator, "13800000000", "验证码<b>123456</b>")
    status, page = http(emulator, "GET", "/_emulator/")
    assert status == 200
    assert "验证码&lt;b&gt;123456&lt;/b&gt;" in page and "<b>123456" not in page
    assert "13800000000" in page


def test_login_code_endpoint_validates_input(emulator: EmulatorServer) -> None:
    assert http(emulator, "POST", "/_emulator/wechat/login-codes", {"openid": 5})[0] == 400
    assert http(emulator, "POST", "/_emulator/wechat/login-codes", b"{oops")[0] == 400
    status, issued = http(emulator, "POST", "/_emulator/wechat/login-codes", {})
    assert status == 201 and issued["openid"].startswith("o") and issued["code"]


def test_phone_code_endpoint_needs_digits(emulator: EmulatorServer) -> None:
    assert http(emulator, "POST", "/_emulator/wechat/phone-codes", {"phone": "138-0000"})[0] == 400


def test_subscription_endpoint_knows_the_templates(emulator: EmulatorServer) -> None:
    assert http(emulator, "POST", "/_emulator/wechat/subscriptions", {"openid": "o1", "template_id": "nope"})[0] == 400
    body = {"openid": "o1", "template_id": DEV_SUBSCRIBE_TEMPLATE_IDS["exam_reminder"], "count": 0}
    assert http(emulator, "POST", "/_emulator/wechat/subscriptions", body)[0] == 400
    body["count"] = 3
    assert http(emulator, "POST", "/_emulator/wechat/subscriptions", body)[1]["remaining"] == 3


@pytest.mark.parametrize(
    "body",
    [
        {"target": "aliyun.Nothing", "code": "x"},
        {"target": "aliyun.SendSms"},
        {"target": "aliyun.SendSms", "code": "x", "times": 0},
        {"target": "aliyun.SendSms", "code": "x", "http_status": 42},
    ],
)
def test_fault_endpoint_refuses_bad_input(emulator: EmulatorServer, body: dict) -> None:
    assert http(emulator, "POST", "/_emulator/faults", body)[0] == 400
    assert emulator.state.pending_faults() == {}


def test_fault_endpoint_queues_faults(emulator: EmulatorServer) -> None:
    status, _ = http(emulator, "POST", "/_emulator/faults", {"target": "wechat.token", "code": -1, "times": 2})
    assert status == 201
    assert http(emulator, "GET", "/_emulator/faults")[1] == {
        "wechat.token": [{"code": "-1", "times": 2, "http_status": None}]
    }


def test_time_travel_and_reset(emulator: EmulatorServer) -> None:
    before = emulator.state.now()
    assert http(emulator, "POST", "/_emulator/time", {"advance_seconds": 600})[1]["offset_seconds"] == 600
    assert emulator.state.now() - before >= 600
    assert http(emulator, "POST", "/_emulator/time", {"advance_seconds": -1})[0] == 400
    add_sms(emulator, "13800000000", "x")
    assert http(emulator, "POST", "/_emulator/reset", {})[0] == 200
    assert emulator.state.sms == [] and emulator.state.now() - before < 600


def test_unknown_paths_are_404(emulator: EmulatorServer) -> None:
    assert http(emulator, "GET", "/_emulator/nothing")[0] == 404
    assert http(emulator, "GET", "/cgi-bin/nothing")[0] == 404
    assert http(emulator, "GET", "/cgi-bin/token?grant_type=client_credential", None)[0] == 200  # WeChat errors are 200


def test_bad_template_key_fails_at_start() -> None:
    config = {**DEV_CONFIG, "subscribe_templates": {"t": ["title1"]}}
    with pytest.raises(ValueError, match="title1"):
        EmulatorServer(**config)


def test_stop_closes_kept_alive_connections() -> None:
    server = EmulatorServer(**DEV_CONFIG)
    server.start()
    session = requests.Session()
    url = server.base_url
    assert session.get(url + "/_emulator/calls", timeout=2).status_code == 200
    server.stop()
    with pytest.raises(requests.ConnectionError):
        session.get(url + "/_emulator/calls", timeout=2)
    with pytest.raises(RuntimeError):
        _ = server.base_url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_run_forever_serves_until_interrupted() -> None:
    port = free_port()
    code = (
        "import logging; logging.basicConfig(level=logging.INFO);"
        "from server.emulators import DEV_CONFIG, run_forever;"
        f"run_forever('127.0.0.1', {port}, smtp_port={free_port()}, **DEV_CONFIG)"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                answer = requests.get(
                    f"http://127.0.0.1:{port}/cgi-bin/token?grant_type=client_credential"
                    f"&appid={DEV_CONFIG['wechat_app_id']}&secret={DEV_CONFIG['wechat_app_secret']}",
                    timeout=1,
                )
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "emulator did not start"
                time.sleep(0.05)
        assert answer.json()["expires_in"] == 7200
        proc.send_signal(signal.SIGINT)
        assert proc.wait(5) == 0
        assert f"http://127.0.0.1:{port}" in (proc.stderr.read() if proc.stderr else "")
    finally:
        if proc.poll() is None:
            proc.kill()
