"""The WeChat emulator, driven by wechatpy itself (no project code between the SDK and the emulator)."""

from __future__ import annotations

import pytest
import requests
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from server.emulators import DEV_CONFIG, DEV_SUBSCRIBE_TEMPLATE_IDS, EmulatorServer
from tests.support.emulators import fault, grant, http, login_code, phone_code

APP_ID = DEV_CONFIG["wechat_app_id"]
SECRET = DEV_CONFIG["wechat_app_secret"]
REVIEW = DEV_SUBSCRIBE_TEMPLATE_IDS["review_result"]
GOOD_REVIEW_DATA = {
    "thing1": {"value": "执业注册变更"},
    "phrase2": {"value": "已通过"},
    "time3": {"value": "2024年5月1日 15:01"},
    "thing4": {"value": "请登录查看"},
}


def fetch_token(emulator: EmulatorServer, appid: str = APP_ID, secret: str = SECRET, grant: str = "client_credential"):
    client = WeChatClient(appid, secret, timeout=5, auto_retry=False)
    return client._fetch_access_token(
        url=f"{emulator.base_url}/cgi-bin/token", params={"grant_type": grant, "appid": appid, "secret": secret}
    )


def sdk(emulator: EmulatorServer, token: str | None = None, secret: str = SECRET) -> WeChatClient:
    """wechatpy pointed at the emulator, holding ``token`` (fetched from the emulator when None)."""
    token = token or fetch_token(emulator)["access_token"]
    client = WeChatClient(APP_ID, secret, access_token=token, timeout=5, auto_retry=False)
    client.API_BASE_URL = f"{emulator.base_url}/cgi-bin/"
    client.wxa.API_BASE_URL = f"{emulator.base_url}/"
    return client


def errcode(excinfo: pytest.ExceptionInfo[WeChatClientException]) -> int:
    return int(excinfo.value.errcode)


# ---- access token ---------------------------------------------------------------------------------------------


def test_token_is_issued_for_the_right_app_and_counted(emulator: EmulatorServer) -> None:
    answer = fetch_token(emulator)
    assert answer["expires_in"] == 7200
    assert len(answer["access_token"]) > 60
    assert emulator.state.call_count("wechat.token") == 1
    assert emulator.state.check_access_token(answer["access_token"]) == "ok"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"appid": "wx0000000000000bad"}, 40013),
        ({"secret": "wrong-secret"}, 40125),
        ({"grant": "authorization_code"}, 40002),
        ({"appid": ""}, 41002),
        ({"secret": ""}, 41004),
    ],
)
def test_token_refuses_bad_credentials_with_real_codes(emulator: EmulatorServer, kwargs: dict, code: int) -> None:
    with pytest.raises(WeChatClientException) as excinfo:
        fetch_token(emulator, **kwargs)
    assert errcode(excinfo) == code
    assert " rid: " in excinfo.value.errmsg


def test_new_token_leaves_the_previous_one_five_minutes(emulator: EmulatorServer) -> None:
    first = fetch_token(emulator)["access_token"]
    second = fetch_token(emulator)["access_token"]
    assert first != second
    assert emulator.state.check_access_token(first) == "ok"
    emulator.state.advance_time(301)
    assert emulator.state.check_access_token(first) == "expired"
    assert emulator.state.check_access_token(second) == "ok"


def test_stable_token_is_reused_until_forced(emulator: EmulatorServer) -> None:
    body = {"grant_type": "client_credential", "appid": APP_ID, "secret": SECRET}
    url = f"{emulator.base_url}/cgi-bin/stable_token"
    first = requests.post(url, json=body, timeout=5).json()
    again = requests.post(url, json=body, timeout=5).json()
    forced = requests.post(url, json={**body, "force_refresh": True}, timeout=5).json()
    assert first["access_token"] == again["access_token"] != forced["access_token"]
    assert requests.post(url, json={**body, "secret": "x"}, timeout=5).json()["errcode"] == 40125


# ---- jscode2session -------------------------------------------------------------------------------------------


def test_login_code_gives_openid_unionid_and_session_key(emulator: EmulatorServer) -> None:
    issued = login_code(emulator, openid="oFixedOpenid000000000000000", unionid="uFixedUnionid")
    answer = sdk(emulator).wxa.code_to_session(issued["code"])
    assert answer["openid"] == "oFixedOpenid000000000000000"
    assert answer["unionid"] == "uFixedUnionid"
    assert len(answer["session_key"]) == 24


def test_login_code_without_openid_gets_a_fresh_one_and_no_unionid(emulator: EmulatorServer) -> None:
    client = sdk(emulator)
    first = client.wxa.code_to_session(login_code(emulator)["code"])
    second = client.wxa.code_to_session(login_code(emulator)["code"])
    assert first["openid"] != second["openid"]
    assert first["openid"].startswith("o") and len(first["openid"]) == 28
    assert "unionid" not in first


def test_login_code_is_single_use(emulator: EmulatorServer) -> None:
    client = sdk(emulator)
    code = login_code(emulator)["code"]
    client.wxa.code_to_session(code)
    with pytest.raises(WeChatClientException) as excinfo:
        client.wxa.code_to_session(code)
    assert errcode(excinfo) == 40163


def test_unknown_and_expired_login_codes_are_invalid(emulator: EmulatorServer) -> None:
    client = sdk(emulator)
    with pytest.raises(WeChatClientException) as excinfo:
        client.wxa.code_to_session("never-issued")
    assert errcode(excinfo) == 40029
    code = login_code(emulator)["code"]
    emulator.state.advance_time(301)
    with pytest.raises(WeChatClientException) as excinfo:
        client.wxa.code_to_session(code)
    assert errcode(excinfo) == 40029


def test_jscode2session_checks_the_secret(emulator: EmulatorServer) -> None:
    with pytest.raises(WeChatClientException) as excinfo:
        sdk(emulator, secret="wrong").wxa.code_to_session(login_code(emulator)["code"])
    assert errcode(excinfo) == 40125


# ---- getuserphonenumber ---------------------------------------------------------------------------------------


def phone_call(client: WeChatClient, code: str) -> dict:
    return client.wxa._post("wxa/business/getuserphonenumber", data={"code": code})


def test_phone_code_gives_the_number(emulator: EmulatorServer) -> None:
    answer = phone_call(sdk(emulator), phone_code(emulator, "13800000000"))
    info = answer["phone_info"]
    assert (answer["errcode"], answer["errmsg"]) == (0, "ok")
    assert info["phoneNumber"] == info["purePhoneNumber"] == "13800000000"
    assert info["countryCode"] == "86"
    assert info["watermark"]["appid"] == APP_ID


def test_phone_code_is_single_use_and_unknown_codes_fail(emulator: EmulatorServer) -> None:
    client = sdk(emulator)
    code = phone_code(emulator, "13800000001")
    phone_call(client, code)
    for bad in (code, "never-issued"):
        with pytest.raises(WeChatClientException) as excinfo:
            phone_call(client, bad)
        assert errcode(excinfo) == 40029


def test_phone_call_checks_the_access_token(emulator: EmulatorServer) -> None:
    code = phone_code(emulator, "13800000002")
    with pytest.raises(WeChatClientException) as excinfo:
        phone_call(sdk(emulator, token="not-a-token"), code)
    assert errcode(excinfo) == 40001
    client = sdk(emulator)
    status, answer = http(emulator, "POST", "/_emulator/wechat/expire-tokens", {})
    assert status == 200 and answer["expired"] == 1
    with pytest.raises(WeChatClientException) as excinfo:
        phone_call(client, code)
    assert errcode(excinfo) == 42001
    # The refused calls did not spend the code.
    assert phone_call(sdk(emulator), code)["phone_info"]["purePhoneNumber"] == "13800000002"


# ---- subscribe messages ---------------------------------------------------------------------------------------


def test_subscribe_message_consumes_one_subscription_each(emulator: EmulatorServer) -> None:
    client = sdk(emulator)
    assert grant(emulator, "oUser1", REVIEW, count=2) == 2
    client.wxa.send_subscribe_message("oUser1", REVIEW, GOOD_REVIEW_DATA, page="pages/inbox/index")
    client.wxa.send_subscribe_message("oUser1", REVIEW, GOOD_REVIEW_DATA)
    with pytest.raises(WeChatClientException) as excinfo:
        client.wxa.send_subscribe_message("oUser1", REVIEW, GOOD_REVIEW_DATA)
    assert errcode(excinfo) == 43101
    messages = emulator.state.messages_to("oUser1")
    assert len(messages) == 2
    assert messages[1].page == "pages/inbox/index" and messages[0].page is None
    assert messages[0].data["phrase2"] == "已通过"
    status, listed = http(emulator, "GET", "/_emulator/wechat/messages?openid=oUser1")
    assert status == 200 and [m["page"] for m in listed] == [None, "pages/inbox/index"]


def test_subscription_is_per_user_and_template(emulator: EmulatorServer) -> None:
    grant(emulator, "oUser1", REVIEW)
    with pytest.raises(WeChatClientException) as excinfo:
        sdk(emulator).wxa.send_subscribe_message("oUser2", REVIEW, GOOD_REVIEW_DATA)
    assert errcode(excinfo) == 43101
    assert emulator.state.remaining_subscriptions("oUser1", REVIEW) == 1


def test_unknown_template_is_40037(emulator: EmulatorServer) -> None:
    grant(emulator, "oUser1", REVIEW)
    with pytest.raises(WeChatClientException) as excinfo:
        sdk(emulator).wxa.send_subscribe_message("oUser1", "no-such-template", GOOD_REVIEW_DATA)
    assert errcode(excinfo) == 40037


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("thing1", "一二三四五六七八九十一二三四五六七八九十一"),  # 21 characters
        ("phrase2", "已经审核通过"),  # 6 characters
        ("phrase2", "OK"),  # not Chinese
        ("time3", "明天下午"),
        ("thing4", ""),
    ],
)
def test_values_breaking_the_type_rules_are_47003(emulator: EmulatorServer, key: str, value: str) -> None:
    grant(emulator, "oUser1", REVIEW)
    data = {**GOOD_REVIEW_DATA, key: {"value": value}}
    with pytest.raises(WeChatClientException) as excinfo:
        sdk(emulator).wxa.send_subscribe_message("oUser1", REVIEW, data)
    assert errcode(excinfo) == 47003
    assert f"data.{key}.value" in excinfo.value.errmsg
    assert emulator.state.remaining_subscriptions("oUser1", REVIEW) == 1  # a refused send spends nothing


def test_keys_outside_the_template_and_missing_keys_are_47003(emulator: EmulatorServer) -> None:
    grant(emulator, "oUser1", REVIEW)
    client = sdk(emulator)
    with pytest.raises(WeChatClientException) as excinfo:
        client.wxa.send_subscribe_message("oUser1", REVIEW, {**GOOD_REVIEW_DATA, "thing9": {"value": "x"}})
    assert errcode(excinfo) == 47003
    partial = {k: v for k, v in GOOD_REVIEW_DATA.items() if k != "time3"}
    with pytest.raises(WeChatClientException) as excinfo:
        client.wxa.send_subscribe_message("oUser1", REVIEW, partial)
    assert errcode(excinfo) == 47003 and "time3" in excinfo.value.errmsg


def test_values_at_the_limits_are_accepted(emulator: EmulatorServer) -> None:
    grant(emulator, "oUser1", REVIEW)
    data = {
        "thing1": {"value": "一二三四五六七八九十一二三四五六七八九十"},  # 20 characters
        "phrase2": {"value": "审核未通过"},  # 5 characters
        "time3": {"value": "2024-05-01 09:00~2024-05-01 11:00"},
        "thing4": {"value": "a"},
    }
    sdk(emulator).wxa.send_subscribe_message("oUser1", REVIEW, data)
    assert emulator.state.messages_to("oUser1")[0].data["phrase2"] == "审核未通过"


@pytest.mark.parametrize(
    ("kind", "good", "bad"),
    [
        ("number", "12.5", "12a"),
        ("character_string", "A-2024-001", "编号001"),
        ("date", "2024年5月1日", "下周一"),
        ("name", "欧阳娜娜娜娜娜娜娜娜", "欧阳娜娜娜娜娜娜娜娜娜"),
        ("name", "Zhang San Feng Junio", "Zhang San Feng Junior"),
        ("letter", "abc", "abc1"),
        ("amount", "¥12.50元", "十二元"),
    ],
)
def test_value_rules_per_type(kind: str, good: str, bad: str) -> None:
    from server.emulators.wechat import VALUE_RULES

    assert VALUE_RULES[kind](good)
    assert not VALUE_RULES[kind](bad)


def test_subscribe_checks_the_access_token(emulator: EmulatorServer) -> None:
    grant(emulator, "oUser1", REVIEW)
    with pytest.raises(WeChatClientException) as excinfo:
        sdk(emulator, token="stale").wxa.send_subscribe_message("oUser1", REVIEW, GOOD_REVIEW_DATA)
    assert errcode(excinfo) == 40001


# ---- faults ---------------------------------------------------------------------------------------------------


def test_fault_answers_the_next_n_calls_then_stops(emulator: EmulatorServer) -> None:
    client = sdk(emulator)
    grant(emulator, "oUser1", REVIEW)
    fault(emulator, "wechat.subscribe", 45009, times=2)
    for _ in range(2):
        with pytest.raises(WeChatClientException) as excinfo:
            client.wxa.send_subscribe_message("oUser1", REVIEW, GOOD_REVIEW_DATA)
        assert errcode(excinfo) == 45009
        assert excinfo.value.errmsg.startswith("reach max api daily quota limit")
    client.wxa.send_subscribe_message("oUser1", REVIEW, GOOD_REVIEW_DATA)
    assert emulator.state.call_count("wechat.subscribe") == 3


def test_fault_with_http_status_fails_at_the_http_level(emulator: EmulatorServer) -> None:
    fault(emulator, "wechat.jscode2session", -1, http_status=502)
    with pytest.raises(WeChatClientException) as excinfo:
        sdk(emulator).wxa.code_to_session(login_code(emulator)["code"])
    assert excinfo.value.errcode is None and excinfo.value.response.status_code == 502


@pytest.mark.parametrize("target", ["wechat.token", "wechat.phone"])
def test_faults_reach_token_and_phone_endpoints(emulator: EmulatorServer, target: str) -> None:
    client = sdk(emulator)
    fault(emulator, target, 45011)
    with pytest.raises(WeChatClientException) as excinfo:
        fetch_token(emulator) if target == "wechat.token" else phone_call(client, phone_code(emulator, "13800000003"))
    assert errcode(excinfo) == 45011
