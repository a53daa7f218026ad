"""The Aliyun emulator, driven by aliyunsdkcore itself (AcsClient + CommonRequest, signed by the SDK)."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
import requests
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.auth.composer import rpc_signature_composer
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest
from aliyunsdkcore.utils import parameter_helper

from server.emulators import DEV_CONFIG, DEV_SMS_TEMPLATE_CODES, EmulatorServer
from tests.support.emulators import fault

AK = DEV_CONFIG["aliyun_access_key_id"]
SECRET = DEV_CONFIG["aliyun_access_key_secret"]
LOGIN = DEV_SMS_TEMPLATE_CODES["login"]
ACTIVATION = DEV_SMS_TEMPLATE_CODES["activation"]
SIGN = DEV_CONFIG["sms_sign_name"]
APP_KEY = DEV_CONFIG["push_app_key"]


def acs(ak: str = AK, secret: str = SECRET) -> AcsClient:
    return AcsClient(ak, secret, "cn-hangzhou", auto_retry=False, connect_timeout=3, timeout=5)


def call(
    emulator: EmulatorServer,
    action: str,
    params: dict[str, str],
    *,
    client: AcsClient | None = None,
    version: str | None = None,
    in_body: bool = False,
) -> dict[str, Any]:
    version = version or {"SendSms": "2017-05-25", "Push": "2016-08-01", "MassPush": "2016-08-01"}.get(
        action, "2017-05-25"
    )
    request = CommonRequest(domain=emulator.address, version=version, action_name=action)
    request.set_method("POST")
    request.set_protocol_type("http")
    for name, value in params.items():
        if in_body:
            request.add_body_params(name, value)
        else:
            request.add_query_param(name, value)
    raw = (client or acs()).do_action_with_exception(request)
    return dict(json.loads(raw))


def sms(phone: str = "13800000000", template: str = LOGIN, param: Any = None, sign: str = SIGN) -> dict[str, str]:
    params = {"PhoneNumbers": phone, "SignName": sign, "TemplateCode": template}
    if param is not None:
        params["TemplateParam"] = param if isinstance(param, str) else json.dumps(param, ensure_ascii=False)
    return params


def server_error(excinfo: pytest.ExceptionInfo[ServerException]) -> tuple[int, str]:
    return excinfo.value.get_http_status(), excinfo.value.get_error_code()


# ---- SendSms --------------------------------------------------------------------------------------------------


def test_send_sms_renders_records_and_logs(emulator: EmulatorServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="emulator.sms")
    answer = call(emulator, "SendSms", sms(param={"code": "482913", "minutes": "10"}))
    assert answer["Code"] == "OK" and answer["Message"] == "OK"
    assert answer["BizId"].endswith("^0") and answer["RequestId"]
    [record] = emulator.state.sms
    assert record.phone == "13800000000" and record.params == {"code": "482913", "minutes": "10"}
    assert record.text == "【医师服务】您的登录验证码为482913，10分钟内有效，请勿泄露于他人。"
    assert record.biz_id == answer["BizId"]
    assert "短信 → 13800000000：【医师服务】您的登录验证码为482913" in caplog.text


def test_send_sms_accepts_parameters_in_the_form_body(emulator: EmulatorServer) -> None:
    answer = call(emulator, "SendSms", sms(param={"code": "a b+c&d~*", "minutes": "10"}), in_body=True)
    assert answer["Code"] == "OK"
    assert emulator.state.sms[0].params == {"code": "a b+c&d~*", "minutes": "10"}


def test_send_sms_to_several_phones_records_each(emulator: EmulatorServer) -> None:
    call(emulator, "SendSms", sms(phone="13800000000,15100000000", param={"code": "1", "minutes": "10"}))
    assert sorted(r.phone for r in emulator.state.sms) == ["13800000000", "15100000000"]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        (sms(phone="1380000000", param={"code": "1", "minutes": "10"}), "isv.MOBILE_NUMBER_ILLEGAL"),
        (sms(phone="23800000000", param={"code": "1", "minutes": "10"}), "isv.MOBILE_NUMBER_ILLEGAL"),
        (sms(phone="+8613800000000", param={"code": "1", "minutes": "10"}), "isv.MOBILE_NUMBER_ILLEGAL"),
        (sms(sign="别的签名", param={"code": "1", "minutes": "10"}), "isv.SMS_SIGNATURE_ILLEGAL"),
        (sms(template="SMS_000000000", param={"code": "1"}), "isv.SMS_TEMPLATE_ILLEGAL"),
        (sms(), "isv.TEMPLATE_MISSING_PARAMETERS"),
        (sms(template=ACTIVATION, param={"code": "1", "days": "7"}), "isv.TEMPLATE_MISSING_PARAMETERS"),
        (sms(param="{not json"), "isv.INVALID_JSON_PARAM"),
        (sms(param={"code": 123456}), "isv.INVALID_JSON_PARAM"),
        (sms(param=["123456"]), "isv.INVALID_JSON_PARAM"),
    ],
)
def test_business_refusals_come_back_as_http_200(emulator: EmulatorServer, params: dict, code: str) -> None:
    answer = call(emulator, "SendSms", params)  # no ServerException: HTTP 200
    assert answer["Code"] == code
    assert answer["Message"] and answer["RequestId"] and "BizId" not in answer
    assert emulator.state.sms == []


def test_missing_mandatory_parameter_is_a_400(emulator: EmulatorServer) -> None:
    params = sms(param={"code": "1", "minutes": "10"})
    del params["SignName"]
    with pytest.raises(ServerException) as excinfo:
        call(emulator, "SendSms", params)
    assert server_error(excinfo) == (400, "MissingSignName")


# ---- the gateway: keys, signatures, nonces, timestamps ----------------------------------------------------------


def test_unknown_access_key_is_404(emulator: EmulatorServer) -> None:
    with pytest.raises(ServerException) as excinfo:
        call(emulator, "SendSms", sms(param={"code": "1", "minutes": "10"}), client=acs(ak="LTAIunknown"))
    assert server_error(excinfo) == (404, "InvalidAccessKeyId.NotFound")


def test_wrong_secret_fails_the_signature(emulator: EmulatorServer) -> None:
    with pytest.raises(ServerException) as excinfo:
        call(emulator, "SendSms", sms(param={"code": "1", "minutes": "10"}), client=acs(secret="not-the-secret"))
    assert server_error(excinfo) == (400, "SignatureDoesNotMatch")
    assert "server string to sign is:POST&%2F&AccessKeyId%3D" in excinfo.value.get_error_msg()
    assert emulator.state.sms == []


def signed_url(emulator: EmulatorServer, params: dict[str, str], accept_format: str | None = "JSON") -> str:
    url, _ = rpc_signature_composer.get_signed_url(dict(params), AK, SECRET, accept_format, "GET", {})
    return emulator.base_url + url


def test_tampered_parameter_fails_the_signature(emulator: EmulatorServer) -> None:
    params = {
        "Action": "SendSms",
        "Version": "2017-05-25",
        "RegionId": "cn-hangzhou",
        **sms(param={"code": "1", "minutes": "10"}),
    }
    url = signed_url(emulator, params)
    assert requests.get(url, timeout=5).json()["Code"] == "OK"
    tampered = signed_url(emulator, params).replace("PhoneNumbers=13800000000", "PhoneNumbers=13900000000")
    answer = requests.get(tampered, timeout=5)
    assert answer.status_code == 400 and answer.json()["Code"] == "SignatureDoesNotMatch"
    assert [r.phone for r in emulator.state.sms] == ["13800000000"]


def test_reused_nonce_is_refused(emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parameter_helper, "get_uuid", lambda: "same-nonce-every-time")
    call(emulator, "SendSms", sms(param={"code": "1", "minutes": "10"}))
    with pytest.raises(ServerException) as excinfo:
        call(emulator, "SendSms", sms(param={"code": "1", "minutes": "10"}))
    assert server_error(excinfo) == (400, "SignatureNonceUsed")
    assert len(emulator.state.sms) == 1


def test_nonce_of_a_badly_signed_request_is_not_burnt(
    emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parameter_helper, "get_uuid", lambda: "nonce-after-a-forgery")
    with pytest.raises(ServerException):
        call(emulator, "SendSms", sms(param={"code": "1", "minutes": "10"}), client=acs(secret="forged"))
    assert call(emulator, "SendSms", sms(param={"code": "1", "minutes": "10"}))["Code"] == "OK"


def test_old_timestamp_is_expired(emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parameter_helper, "get_iso_8061_date", lambda: "2020-01-01T00:00:00Z")
    with pytest.raises(ServerException) as excinfo:
        call(emulator, "SendSms", sms(param={"code": "1", "minutes": "10"}))
    assert server_error(excinfo) == (400, "InvalidTimeStamp.Expired")


def test_format_and_version_are_required(emulator: EmulatorServer) -> None:
    base = {"Action": "SendSms", "RegionId": "cn-hangzhou", **sms(param={"code": "1", "minutes": "10"})}
    no_format = requests.get(signed_url(emulator, {**base, "Version": "2017-05-25"}, accept_format=None), timeout=5)
    assert (no_format.status_code, no_format.json()["Code"]) == (400, "MissingFormat")
    no_version = requests.get(signed_url(emulator, base), timeout=5)
    assert (no_version.status_code, no_version.json()["Code"]) == (400, "MissingVersion")


def test_unknown_action_or_version_is_404(emulator: EmulatorServer) -> None:
    with pytest.raises(ServerException) as excinfo:
        call(emulator, "SendSms", sms(param={"code": "1", "minutes": "10"}), version="2099-01-01")
    assert server_error(excinfo) == (404, "InvalidApi.NotFound")
    with pytest.raises(ServerException) as excinfo:
        call(emulator, "SendBatchSms", {})
    assert server_error(excinfo) == (404, "InvalidApi.NotFound")


# ---- Push -----------------------------------------------------------------------------------------------------


def push(**overrides: str) -> dict[str, str]:
    params = {
        "AppKey": APP_KEY,
        "Target": "ACCOUNT",
        "TargetValue": "user-42",
        "PushType": "NOTICE",
        "DeviceType": "ALL",
        "Title": "考核结果",
        "Body": "您的定期考核结果已公布",
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


def test_push_is_recorded(emulator: EmulatorServer) -> None:
    answer = call(emulator, "Push", push(AndroidExtParameters='{"page": "result"}'))
    assert answer["MessageId"].isdigit() and answer["RequestId"]
    [record] = emulator.state.pushes
    assert (record.target, record.target_value, record.title) == ("ACCOUNT", "user-42", "考核结果")
    assert record.extras == {"page": "result"} and record.message_id == answer["MessageId"]


def test_push_title_is_limited_to_200_bytes(emulator: EmulatorServer) -> None:
    call(emulator, "Push", push(Title="考" * 66 + "ab"))  # 198 + 2 = 200 bytes
    with pytest.raises(ServerException) as excinfo:
        call(emulator, "Push", push(Title="考" * 66 + "abc"))  # 201 bytes
    assert server_error(excinfo) == (400, "InvalidTitle.BytesExceed")
    assert len(emulator.state.pushes) == 1


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"AppKey": "99999999"}, "PermissionDenied"),
        ({"Target": "EVERYONE"}, "InvalidTarget.Format"),
        ({"PushType": "SMS"}, "InvalidPushType.Format"),
        ({"Body": ""}, "InvalidBody.Empty"),
        ({"Title": ""}, "InvalidTitle.Empty"),
        ({"iOSExtParameters": "[1]"}, "InvalidiOSExtParameters.Format"),
    ],
)
def test_push_refusals(emulator: EmulatorServer, overrides: dict, code: str) -> None:
    with pytest.raises(ServerException) as excinfo:
        call(emulator, "Push", push(**overrides))
    assert server_error(excinfo) == (400, code)
    assert emulator.state.pushes == []


# ---- faults ---------------------------------------------------------------------------------------------------


def test_sms_limit_fault_is_a_200_business_refusal_once(emulator: EmulatorServer) -> None:
    fault(emulator, "aliyun.SendSms", "isv.BUSINESS_LIMIT_CONTROL")
    refused = call(emulator, "SendSms", sms(param={"code": "1", "minutes": "10"}))
    assert refused["Code"] == "isv.BUSINESS_LIMIT_CONTROL" and "流控" in refused["Message"]
    assert call(emulator, "SendSms", sms(param={"code": "1", "minutes": "10"}))["Code"] == "OK"
    assert len(emulator.state.sms) == 1


def test_fault_with_http_status_is_a_gateway_error(emulator: EmulatorServer) -> None:
    fault(emulator, "aliyun.SendSms", "ServiceUnavailable", http_status=503)
    with pytest.raises(ServerException) as excinfo:
        call(emulator, "SendSms", sms(param={"code": "1", "minutes": "10"}))
    assert server_error(excinfo) == (503, "ServiceUnavailable")


def test_push_throttling_fault(emulator: EmulatorServer) -> None:
    fault(emulator, "aliyun.Push", "Throttling.User", times=2)
    for _ in range(2):
        with pytest.raises(ServerException) as excinfo:
            call(emulator, "Push", push())
        assert server_error(excinfo) == (400, "Throttling.User")
    call(emulator, "Push", push())
    assert emulator.state.call_count("aliyun.Push") == 3


def test_faults_wait_for_a_valid_signature(emulator: EmulatorServer) -> None:
    fault(emulator, "aliyun.SendSms", "isv.BUSINESS_LIMIT_CONTROL")
    with pytest.raises(ServerException):
        call(emulator, "SendSms", sms(param={"code": "1", "minutes": "10"}), client=acs(secret="forged"))
    assert call(emulator, "SendSms", sms(param={"code": "1", "minutes": "10"}))["Code"] == "isv.BUSINESS_LIMIT_CONTROL"


# ---- MassPush ---------------------------------------------------------------------------------------------------


def mass(tasks: list[dict[str, str]]) -> dict[str, str]:
    params = {"AppKey": APP_KEY}
    for n, task in enumerate(tasks, start=1):
        for name, value in push(**task).items():
            if name != "AppKey":
                params[f"PushTask.{n}.{name}"] = value
    return params


def test_mass_push_records_every_task_in_order(emulator: EmulatorServer) -> None:
    answer = call(emulator, "MassPush", mass([{"TargetValue": "u1"}, {"TargetValue": "u2", "Title": "二"}]))
    ids = answer["MessageIds"]["MessageId"]
    assert len(ids) == 2
    by_id = {p.message_id: p for p in emulator.state.pushes}
    assert [by_id[i].target_value for i in ids] == ["u1", "u2"] and by_id[ids[1]].title == "二"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        (mass([{}, {"Body": ""}]), "InvalidBody.Empty"),  # one bad task: nothing is pushed
        (mass([{}] * 101), "InvalidPushTask.ExceedLimit"),
        ({"AppKey": APP_KEY, "PushTask.2.Target": "DEVICE"}, "InvalidPushTask.Format"),
        ({"AppKey": APP_KEY}, "MissingPushTask"),
        ({**mass([{}]), "AppKey": "99999999"}, "PermissionDenied"),
    ],
)
def test_mass_push_refusals(emulator: EmulatorServer, params: dict[str, str], code: str) -> None:
    with pytest.raises(ServerException) as excinfo:
        call(emulator, "MassPush", params)
    assert server_error(excinfo)[1] == code
    assert emulator.state.pushes == []


def test_latency_slows_a_target_only(emulator: EmulatorServer) -> None:
    import time

    emulator.state.set_latency("aliyun.MassPush", 0.3)
    started = time.monotonic()
    call(emulator, "Push", push())
    assert time.monotonic() - started < 0.3
    started = time.monotonic()
    call(emulator, "MassPush", mass([{}]))
    assert time.monotonic() - started >= 0.3
    with pytest.raises(ValueError):
        emulator.state.set_latency("aliyun.Nothing", 1)
