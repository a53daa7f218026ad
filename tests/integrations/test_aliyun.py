"""SmsClient and PushClient against the Aliyun emulator."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from server.emulators import DEV_CONFIG, DEV_SMS_TEMPLATE_CODES, EmulatorServer
from server.integrations import ProviderError
from server.integrations.aliyun import (
    AliyunConfig,
    PushClient,
    PushFailed,
    PushRateLimited,
    PushTask,
    PushUnavailable,
    SmsClient,
    SmsPhoneInvalid,
    SmsProviderLimited,
    SmsSendFailed,
    SmsUnavailable,
)
from tests.support.emulators import fault

LOGIN = DEV_SMS_TEMPLATE_CODES["login"]
ACTIVATION = DEV_SMS_TEMPLATE_CODES["activation"]


@pytest.fixture()
def config(emulator: EmulatorServer) -> AliyunConfig:
    return AliyunConfig(
        access_key_id=DEV_CONFIG["aliyun_access_key_id"],
        access_key_secret=DEV_CONFIG["aliyun_access_key_secret"],
        region_id="cn-hangzhou",
        sms_endpoint=emulator.address,  # host:port, with protocol below
        push_endpoint=emulator.base_url,  # a full URL works too
        protocol="http",
        sms_sign_name=DEV_CONFIG["sms_sign_name"],
        push_app_key=DEV_CONFIG["push_app_key"],
        connect_timeout=1.0,
        read_timeout=2.0,
    )


# ---- SMS ------------------------------------------------------------------------------------------------------


def test_send_returns_the_biz_id(emulator: EmulatorServer, config: AliyunConfig) -> None:
    biz_id = SmsClient(config).send(
        "13800000000", ACTIVATION, {"institution": "市第一人民医院", "code": "A1B2C3", "days": 7}
    )
    [record] = emulator.state.sms
    assert record.biz_id == biz_id
    assert record.params == {"institution": "市第一人民医院", "code": "A1B2C3", "days": "7"}  # ints sent as strings
    assert record.text == "【医师服务】市第一人民医院为您开通了医师服务账号，激活码A1B2C3，7天内有效。"


def test_config_repr_hides_the_secret(config: AliyunConfig) -> None:
    assert config.access_key_secret not in repr(config)


def test_illegal_phone(config: AliyunConfig) -> None:
    with pytest.raises(SmsPhoneInvalid) as excinfo:
        SmsClient(config).send("1380000", LOGIN, {"code": "1", "minutes": "10"})
    error = excinfo.value
    assert (error.provider_code, error.status, error.field) == ("isv.MOBILE_NUMBER_ILLEGAL", 422, "phone")
    assert error.to_dict() == {
        "error": {"code": "SMS_PHONE_INVALID", "message": "手机号码格式不正确", "field": "phone"}
    }


@pytest.mark.parametrize(
    ("template", "params", "change", "provider_code"),
    [
        (LOGIN, {"code": "1", "minutes": "10"}, {"sms_sign_name": "别的签名"}, "isv.SMS_SIGNATURE_ILLEGAL"),
        ("SMS_000000000", {"code": "1", "minutes": "10"}, {}, "isv.SMS_TEMPLATE_ILLEGAL"),
        (LOGIN, {}, {}, "isv.TEMPLATE_MISSING_PARAMETERS"),
        (LOGIN, {"code": "1", "minutes": "10"}, {"access_key_secret": "wrong"}, "SignatureDoesNotMatch"),
        (LOGIN, {"code": "1", "minutes": "10"}, {"access_key_id": "LTAIunknown"}, "InvalidAccessKeyId.NotFound"),
    ],
)
def test_refusals_are_send_failed(
    emulator: EmulatorServer, config: AliyunConfig, template: str, params: dict, change: dict, provider_code: str
) -> None:
    with pytest.raises(SmsSendFailed) as excinfo:
        SmsClient(replace(config, **change)).send("13800000000", template, params)
    assert type(excinfo.value) is SmsSendFailed
    assert excinfo.value.provider_code == provider_code and excinfo.value.status == 502
    assert not excinfo.value.retryable
    assert emulator.state.sms == []


def test_business_limit_is_provider_limited(emulator: EmulatorServer, config: AliyunConfig) -> None:
    fault(emulator, "aliyun.SendSms", "isv.BUSINESS_LIMIT_CONTROL")
    with pytest.raises(SmsProviderLimited) as excinfo:
        SmsClient(config).send("13800000000", LOGIN, {"code": "1", "minutes": "10"})
    assert excinfo.value.provider_code == "isv.BUSINESS_LIMIT_CONTROL" and excinfo.value.status == 429
    assert not excinfo.value.retryable  # the per-phone limit does not lift within a retry
    assert SmsClient(config).send("13800000000", LOGIN, {"code": "1", "minutes": "10"})


def test_throttling_is_limited_and_retryable(emulator: EmulatorServer, config: AliyunConfig) -> None:
    fault(emulator, "aliyun.SendSms", "Throttling.User")
    with pytest.raises(SmsProviderLimited) as excinfo:
        SmsClient(config).send("13800000000", LOGIN, {"code": "1", "minutes": "10"})
    assert excinfo.value.provider_code == "Throttling.User" and excinfo.value.retryable


@pytest.mark.parametrize(("code", "status"), [("ServiceUnavailable", 503), ("isp.SYSTEM_ERROR", None)])
def test_provider_trouble_is_unavailable(emulator: EmulatorServer, config: AliyunConfig, code: str, status) -> None:
    fault(emulator, "aliyun.SendSms", code, http_status=status)
    with pytest.raises(SmsUnavailable) as excinfo:
        SmsClient(config).send("13800000000", LOGIN, {"code": "1", "minutes": "10"})
    assert excinfo.value.provider_code == code and excinfo.value.retryable and excinfo.value.status == 503


def test_unreachable_sms(config: AliyunConfig, closed_port: str) -> None:
    with pytest.raises(SmsUnavailable) as excinfo:
        SmsClient(replace(config, sms_endpoint=closed_port)).send("13800000000", LOGIN, {"code": "1", "minutes": "10"})
    assert excinfo.value.provider_code is None


def test_silent_sms_times_out(config: AliyunConfig, black_hole: str) -> None:
    started = time.monotonic()
    with pytest.raises(SmsUnavailable):
        SmsClient(replace(config, sms_endpoint=black_hole, read_timeout=0.3)).send(
            "13800000000", LOGIN, {"code": "1", "minutes": "10"}
        )
    assert time.monotonic() - started < 2


# ---- push -----------------------------------------------------------------------------------------------------


def test_push_returns_the_message_id(emulator: EmulatorServer, config: AliyunConfig) -> None:
    message_id = PushClient(config).push(
        "ACCOUNT", "user-42", "考核结果", "您的定期考核结果已公布", extras={"page": "result"}
    )
    [record] = emulator.state.pushes
    assert record.message_id == message_id
    assert (record.target, record.target_value, record.push_type, record.device_type) == (
        "ACCOUNT",
        "user-42",
        "NOTICE",
        "ALL",
    )
    assert (record.title, record.body, record.extras) == ("考核结果", "您的定期考核结果已公布", {"page": "result"})


def test_push_message_to_devices(emulator: EmulatorServer, config: AliyunConfig) -> None:
    PushClient(config).push("DEVICE", "dev1,dev2", "t", "b", push_type="MESSAGE")
    assert emulator.state.pushes[0].push_type == "MESSAGE" and emulator.state.pushes[0].target == "DEVICE"


def test_push_title_over_200_bytes(config: AliyunConfig) -> None:
    with pytest.raises(PushFailed) as excinfo:
        PushClient(config).push("ACCOUNT", "user-42", "长" * 67, "b")
    assert excinfo.value.provider_code == "InvalidTitle.BytesExceed" and excinfo.value.code == "PUSH_FAILED"


def test_push_wrong_app_key(config: AliyunConfig) -> None:
    with pytest.raises(PushFailed) as excinfo:
        PushClient(replace(config, push_app_key="99999999")).push("ACCOUNT", "user-42", "t", "b")
    assert excinfo.value.provider_code == "PermissionDenied" and not excinfo.value.retryable


@pytest.mark.parametrize(
    ("code", "kind"),
    [("Throttling.User", PushRateLimited), ("InternalError", PushUnavailable), ("Timeout", PushUnavailable)],
)
def test_push_faults(emulator: EmulatorServer, config: AliyunConfig, code: str, kind: type[ProviderError]) -> None:
    fault(emulator, "aliyun.Push", code)
    with pytest.raises(kind) as excinfo:
        PushClient(config).push("ACCOUNT", "user-42", "t", "b")
    assert excinfo.value.provider_code == code and excinfo.value.retryable


def test_push_rejects_unsupported_targets(config: AliyunConfig) -> None:
    with pytest.raises(ValueError):
        PushClient(config).push("ALL", "all", "t", "b")  # type: ignore[arg-type]


def test_unreachable_push(config: AliyunConfig, closed_port: str) -> None:
    with pytest.raises(PushUnavailable) as excinfo:
        PushClient(replace(config, push_endpoint=closed_port)).push("ACCOUNT", "user-42", "t", "b")
    assert excinfo.value.provider_code is None


# ---- MassPush ---------------------------------------------------------------------------------------------------


def test_mass_push_sends_each_task_and_returns_ids_in_order(emulator: EmulatorServer, config: AliyunConfig) -> None:
    tasks = [PushTask("DEVICE", f"dev{n}", f"标题{n}", f"正文{n}", extras={"delivery_id": n}) for n in range(100)]
    ids = PushClient(config).mass_push(tasks)
    assert len(ids) == 100 and len(set(ids)) == 100
    assert emulator.state.call_count("aliyun.MassPush") == 1  # one signed call (tasks in the form body)
    by_id = {p.message_id: p for p in emulator.state.pushes}
    assert [by_id[i].target_value for i in ids] == [f"dev{n}" for n in range(100)]
    assert [by_id[i].extras["delivery_id"] for i in ids] == list(range(100))
    assert by_id[ids[7]].title == "标题7" and by_id[ids[7]].body == "正文7"


def test_mass_push_one_bad_task_refuses_the_call(emulator: EmulatorServer, config: AliyunConfig) -> None:
    tasks = [PushTask("DEVICE", "dev1", "t", "b"), PushTask("DEVICE", "dev2", "长" * 67, "b")]
    with pytest.raises(PushFailed) as excinfo:
        PushClient(config).mass_push(tasks)
    assert excinfo.value.provider_code == "InvalidTitle.BytesExceed" and not excinfo.value.retryable
    assert emulator.state.pushes == []


def test_mass_push_fault_applies_to_every_task(emulator: EmulatorServer, config: AliyunConfig) -> None:
    fault(emulator, "aliyun.MassPush", "Throttling.User")
    with pytest.raises(PushRateLimited):
        PushClient(config).mass_push([PushTask("DEVICE", "dev1", "t", "b"), PushTask("DEVICE", "dev2", "t", "b")])
    assert emulator.state.pushes == []


@pytest.mark.parametrize("count", [0, 101])
def test_mass_push_takes_1_to_100_tasks(config: AliyunConfig, count: int) -> None:
    with pytest.raises(ValueError):
        PushClient(config).mass_push([PushTask("DEVICE", "d", "t", "b")] * count)
