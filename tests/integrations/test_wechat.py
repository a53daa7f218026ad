"""MiniProgramClient against the WeChat emulator, with the access token in a real Redis."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
import redis

from server.emulators import DEV_CONFIG, DEV_SUBSCRIBE_TEMPLATE_IDS, EmulatorServer
from server.integrations.wechat import (
    MiniProgramClient,
    WeChatCodeInvalid,
    WeChatConfig,
    WeChatMessageInvalid,
    WeChatMisconfigured,
    WeChatNotSubscribed,
    WeChatPhoneCodeInvalid,
    WeChatRateLimited,
    WeChatUnavailable,
)
from tests.support.emulators import fault, grant, http, login_code, phone_code

ROOT = Path(__file__).resolve().parents[2]
APP_ID = DEV_CONFIG["wechat_app_id"]
TOKEN_KEY = f"wechat:{APP_ID}_access_token"
REVIEW = DEV_SUBSCRIBE_TEMPLATE_IDS["review_result"]
REVIEW_DATA = {"thing1": "执业注册变更", "phrase2": "已通过", "time3": "2024年5月1日 15:01", "thing4": "请登录查看"}


@pytest.fixture()
def config(emulator: EmulatorServer, clean_redis_url: str) -> WeChatConfig:
    return WeChatConfig(
        app_id=APP_ID,
        app_secret=DEV_CONFIG["wechat_app_secret"],
        api_base=emulator.base_url,
        redis_url=clean_redis_url,
        timeout=2.0,
        miniprogram_state="developer",
    )


@pytest.fixture()
def client(config: WeChatConfig) -> MiniProgramClient:
    return MiniProgramClient(config)


def token_calls(emulator: EmulatorServer) -> int:
    return emulator.state.call_count("wechat.token")


# ---- login ----------------------------------------------------------------------------------------------------


def test_code_to_session(emulator: EmulatorServer, client: MiniProgramClient) -> None:
    issued = login_code(emulator, openid="oDoctor000000000000000000001", unionid="uDoctor1")
    session = client.code_to_session(issued["code"])
    assert (session.openid, session.unionid) == ("oDoctor000000000000000000001", "uDoctor1")
    assert session.session_key and session.session_key not in repr(session)
    # jscode2session needs no access token, so a login never waits on (or fails with) the token endpoint.
    assert token_calls(emulator) == 0


def test_code_to_session_without_unionid(emulator: EmulatorServer, client: MiniProgramClient) -> None:
    assert client.code_to_session(login_code(emulator)["code"]).unionid is None


def test_reused_and_unknown_login_codes(emulator: EmulatorServer, client: MiniProgramClient) -> None:
    code = login_code(emulator)["code"]
    client.code_to_session(code)
    with pytest.raises(WeChatCodeInvalid) as used:
        client.code_to_session(code)
    with pytest.raises(WeChatCodeInvalid) as unknown:
        client.code_to_session("forged")
    assert (used.value.provider_code, unknown.value.provider_code) == (40163, 40029)
    assert used.value.status == 400 and used.value.field == "code" and used.value.code == "WECHAT_CODE_INVALID"
    assert used.value.to_dict()["error"]["message"] == "微信登录凭证无效或已过期，请重新登录"
    assert not used.value.retryable


@pytest.mark.parametrize(
    ("field", "value", "provider_code"), [("app_secret", "wrong", 40125), ("app_id", "wxbad", 40013)]
)
def test_wrong_credentials_are_misconfiguration(
    emulator: EmulatorServer, config: WeChatConfig, field: str, value: str, provider_code: int
) -> None:
    client = MiniProgramClient(replace(config, **{field: value}))
    with pytest.raises(WeChatMisconfigured) as login:
        client.code_to_session(login_code(emulator)["code"])
    with pytest.raises(WeChatMisconfigured) as phone:
        client.get_phone_number(phone_code(emulator, "13800000000"))
    assert login.value.provider_code == phone.value.provider_code == provider_code
    assert login.value.status == 503


# ---- phone number and the shared token ------------------------------------------------------------------------


def test_get_phone_number_caches_the_token_in_redis(
    emulator: EmulatorServer, client: MiniProgramClient, config: WeChatConfig
) -> None:
    assert client.get_phone_number(phone_code(emulator, "13800000000")) == "13800000000"
    store = redis.Redis.from_url(config.redis_url)
    assert store.get(TOKEN_KEY) is not None
    assert 6800 < store.ttl(TOKEN_KEY) <= 6900  # expires_in less five minutes
    assert client.get_phone_number(phone_code(emulator, "13800000001")) == "13800000001"
    assert token_calls(emulator) == 1


def test_second_client_reuses_the_token(emulator: EmulatorServer, config: WeChatConfig) -> None:
    MiniProgramClient(config).get_phone_number(phone_code(emulator, "13800000000"))
    other = MiniProgramClient(config)  # its own Redis connection and HTTP session, as in another process
    assert other.get_phone_number(phone_code(emulator, "13800000001")) == "13800000001"
    assert token_calls(emulator) == 1


def test_another_process_reuses_the_token(
    emulator: EmulatorServer, client: MiniProgramClient, config: WeChatConfig
) -> None:
    client.get_phone_number(phone_code(emulator, "13800000000"))
    code = phone_code(emulator, "13800000009")
    script = (
        "import sys; from server.integrations.wechat import MiniProgramClient, WeChatConfig;"
        f"c = MiniProgramClient(WeChatConfig({APP_ID!r}, {config.app_secret!r},"
        f" {config.api_base!r}, {config.redis_url!r}));"
        f"sys.stdout.write(c.get_phone_number({code!r}))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert out.stdout == "13800000009"
    assert token_calls(emulator) == 1


def test_concurrent_first_calls_fetch_one_token(emulator: EmulatorServer, config: WeChatConfig) -> None:
    clients = [MiniProgramClient(config) for _ in range(6)]
    codes = [phone_code(emulator, f"1380000000{i}") for i in range(6)]
    results: list[str] = []
    threads = [
        threading.Thread(target=lambda c=c, k=k: results.append(c.get_phone_number(k)))
        for c, k in zip(clients, codes, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert sorted(results) == [f"1380000000{i}" for i in range(6)]
    assert token_calls(emulator) == 1


def test_reused_phone_code(emulator: EmulatorServer, client: MiniProgramClient) -> None:
    code = phone_code(emulator, "13800000000")
    client.get_phone_number(code)
    with pytest.raises(WeChatPhoneCodeInvalid) as excinfo:
        client.get_phone_number(code)
    assert excinfo.value.provider_code == 40029 and excinfo.value.code == "WECHAT_PHONE_CODE_INVALID"
    assert isinstance(excinfo.value, WeChatCodeInvalid)


def test_expired_token_is_refreshed_once(emulator: EmulatorServer, client: MiniProgramClient) -> None:
    client.get_phone_number(phone_code(emulator, "13800000000"))
    http(emulator, "POST", "/_emulator/wechat/expire-tokens", {})
    assert client.get_phone_number(phone_code(emulator, "13800000001")) == "13800000001"
    assert token_calls(emulator) == 2
    assert emulator.state.call_count("wechat.phone") == 3  # ok, 42001, ok


def test_token_refused_again_after_refresh_gives_up(emulator: EmulatorServer, client: MiniProgramClient) -> None:
    fault(emulator, "wechat.phone", 40001, times=10)
    with pytest.raises(WeChatUnavailable) as excinfo:
        client.get_phone_number(phone_code(emulator, "13800000000"))
    assert excinfo.value.provider_code == 40001 and excinfo.value.retryable
    assert emulator.state.call_count("wechat.phone") == 2  # one retry, not wechatpy's endless loop
    assert token_calls(emulator) == 2


def test_token_endpoint_down(emulator: EmulatorServer, client: MiniProgramClient) -> None:
    fault(emulator, "wechat.token", -1)
    with pytest.raises(WeChatUnavailable) as excinfo:
        client.get_phone_number(phone_code(emulator, "13800000000"))
    assert excinfo.value.provider_code == -1 and excinfo.value.status == 503


# ---- subscribe messages ---------------------------------------------------------------------------------------


def test_subscribe_message_delivered_and_consumed(emulator: EmulatorServer, client: MiniProgramClient) -> None:
    grant(emulator, "oDoctor1", REVIEW)
    client.send_subscribe_message("oDoctor1", REVIEW, REVIEW_DATA, page="pages/inbox/index?id=7")
    [message] = emulator.state.messages_to("oDoctor1")
    assert message.data == REVIEW_DATA and message.page == "pages/inbox/index?id=7"
    assert message.miniprogram_state == "developer" and message.lang == "zh_CN"
    with pytest.raises(WeChatNotSubscribed) as excinfo:
        client.send_subscribe_message("oDoctor1", REVIEW, REVIEW_DATA)
    assert excinfo.value.provider_code == 43101 and excinfo.value.status == 409 and not excinfo.value.retryable


def test_quota_limit_is_told_apart_from_no_subscription(emulator: EmulatorServer, client: MiniProgramClient) -> None:
    grant(emulator, "oDoctor1", REVIEW)
    fault(emulator, "wechat.subscribe", 45009)
    with pytest.raises(WeChatRateLimited) as excinfo:
        client.send_subscribe_message("oDoctor1", REVIEW, REVIEW_DATA)
    assert excinfo.value.provider_code == 45009 and excinfo.value.retryable and excinfo.value.status == 429
    client.send_subscribe_message("oDoctor1", REVIEW, REVIEW_DATA)  # the subscription was not spent


@pytest.mark.parametrize(
    ("template_id", "data", "provider_code"),
    [
        (REVIEW, {**REVIEW_DATA, "phrase2": "审核已经通过了"}, 47003),
        (REVIEW, {**REVIEW_DATA, "thing1": "超" * 21}, 47003),
        ("unknown-template", REVIEW_DATA, 40037),
    ],
)
def test_invalid_messages(
    emulator: EmulatorServer, client: MiniProgramClient, template_id: str, data: dict, provider_code: int
) -> None:
    grant(emulator, "oDoctor1", REVIEW)
    with pytest.raises(WeChatMessageInvalid) as excinfo:
        client.send_subscribe_message("oDoctor1", template_id, data)
    assert excinfo.value.provider_code == provider_code and excinfo.value.status == 422


# ---- no answer ------------------------------------------------------------------------------------------------


def test_unreachable_wechat(config: WeChatConfig, closed_port: str) -> None:
    client = MiniProgramClient(replace(config, api_base=f"http://{closed_port}"))
    with pytest.raises(WeChatUnavailable) as excinfo:
        client.code_to_session("any")
    assert excinfo.value.provider_code is None and excinfo.value.retryable


def test_silent_wechat_times_out(config: WeChatConfig, black_hole: str) -> None:
    client = MiniProgramClient(replace(config, api_base=f"http://{black_hole}", timeout=0.3))
    started = time.monotonic()
    with pytest.raises(WeChatUnavailable):
        client.code_to_session("any")
    with pytest.raises(WeChatUnavailable):
        client.get_phone_number("any")  # the token fetch times out too
    assert time.monotonic() - started < 3


def test_http_error_from_wechat(emulator: EmulatorServer, client: MiniProgramClient) -> None:
    fault(emulator, "wechat.jscode2session", -1, http_status=502)
    with pytest.raises(WeChatUnavailable) as excinfo:
        client.code_to_session(login_code(emulator)["code"])
    assert excinfo.value.provider_message == "HTTP 502"


def test_token_store_down(emulator: EmulatorServer, config: WeChatConfig, closed_port: str) -> None:
    client = MiniProgramClient(replace(config, redis_url=f"redis://{closed_port}/0", timeout=0.5))
    with pytest.raises(WeChatUnavailable) as excinfo:
        client.get_phone_number(phone_code(emulator, "13800000000"))
    assert "token store" in (excinfo.value.provider_message or "")
    # Logging in needs no token, so it keeps working without Redis.
    assert client.code_to_session(login_code(emulator)["code"]).openid
