"""SMS codes: hashed storage, single use, wrong-try limit, send limits, no enumeration."""

from __future__ import annotations

from typing import Any

import httpx

from server.accounts import sms
from server.accounts.models import User
from server.redis import get_redis
from tests.support.accounts import error_code, is_code, register, request_code, sms_code

PHONE = "15100000001"


async def test_code_is_sent_and_stored_hashed(client: httpx.AsyncClient, emulators: Any) -> None:
    r = await request_code(client, PHONE, "register")
    assert r.status_code == 202
    code = sms_code(emulators, PHONE)
    assert is_code(code)
    stored = await get_redis().hgetall(f"sms:code:register:{PHONE}")
    assert stored["h"] != code and len(stored["h"]) == 64
    assert 0 < await get_redis().ttl(f"sms:code:register:{PHONE}") <= sms.CODE_TTL_S


async def test_bad_input_is_refused_and_nothing_stored(client: httpx.AsyncClient, emulators: Any) -> None:
    r = await request_code(client, "12345", "register")
    assert r.status_code == 422 and r.json()["error"]["field"] == "phone"
    r = await request_code(client, PHONE, "sudo")
    assert r.status_code == 422 and r.json()["error"]["field"] == "purpose"
    assert await get_redis().keys("sms:*") == []


async def test_send_limit_per_phone_is_one_a_minute(client: httpx.AsyncClient, emulators: Any) -> None:
    assert (await request_code(client, PHONE, "register")).status_code == 202
    r = await request_code(client, PHONE, "register")
    assert r.status_code == 429 and error_code(r) == "SMS_SEND_LIMITED"
    assert 0 < int(r.headers["retry-after"]) <= 60


async def test_send_limit_per_ip_across_phones(client: httpx.AsyncClient, emulators: Any) -> None:
    for n in range(10):  # ten different people behind one address (a hospital's NAT) within a minute
        assert (await request_code(client, f"151000000{n:02d}", "register")).status_code == 202
    r = await request_code(client, "15100000099", "register")
    assert r.status_code == 429 and error_code(r) == "SMS_SEND_LIMITED"  # the same client IP (127.0.0.1)
    assert len(emulators.state.sms_to("15100000099")) == 0


async def test_hour_limit_counts_without_consuming_on_refusal(client: httpx.AsyncClient) -> None:
    for _ in range(5):
        await sms.take_send_quota(phone=PHONE, ip=None)
        await get_redis().delete(f"sms:limit:phone:{PHONE}:minute")
    try:
        await sms.take_send_quota(phone=PHONE, ip=None)
    except sms.SmsSendLimited as exc:
        assert exc.details and exc.details["retry_after_s"] > 60
    else:  # pragma: no cover
        raise AssertionError("sixth send in an hour was allowed")
    assert await get_redis().get(f"sms:limit:phone:{PHONE}:day") == "5"


async def test_code_is_single_use_and_void_after_five_misses(client: httpx.AsyncClient) -> None:
    await sms.store_code(purpose=sms.SmsPurpose.LOGIN, phone=PHONE, code="123456")
    await sms.verify_code(purpose=sms.SmsPurpose.LOGIN, phone=PHONE, code="123456")
    try:
        await sms.verify_code(purpose=sms.SmsPurpose.LOGIN, phone=PHONE, code="123456")
        raise AssertionError("replayed code accepted")
    except sms.SmsCodeInvalid:
        pass
    await sms.store_code(purpose=sms.SmsPurpose.LOGIN, phone=PHONE, code="123456")
    codes = []
    for _ in range(5):
        try:
            await sms.verify_code(purpose=sms.SmsPurpose.LOGIN, phone=PHONE, code="000000")
        except (sms.SmsCodeInvalid, sms.SmsCodeAttemptsExceeded) as exc:
            codes.append(exc.code)
    assert codes == ["SMS_CODE_INVALID"] * 4 + ["SMS_CODE_ATTEMPTS_EXCEEDED"]
    try:  # the right code no longer works
        await sms.verify_code(purpose=sms.SmsPurpose.LOGIN, phone=PHONE, code="123456")
        raise AssertionError("void code accepted")
    except sms.SmsCodeInvalid:
        pass


async def test_code_for_one_purpose_does_not_serve_another(client: httpx.AsyncClient) -> None:
    await sms.store_code(purpose=sms.SmsPurpose.REGISTER, phone=PHONE, code="123456")
    try:
        await sms.verify_code(purpose=sms.SmsPurpose.RESET_PASSWORD, phone=PHONE, code="123456")
        raise AssertionError("cross-purpose code accepted")
    except sms.SmsCodeInvalid:
        pass


async def test_no_enumeration_same_answer_but_no_sms(client: httpx.AsyncClient, emulators: Any) -> None:
    known = "15100000021"
    await register(client, emulators, known)
    before = len(emulators.state.sms_to(known))
    await get_redis().flushdb()
    a = await request_code(client, known, "register")  # already registered: not sent
    await get_redis().flushdb()
    b = await request_code(client, "15100000022", "login")  # unknown: not sent
    await get_redis().flushdb()
    c = await request_code(client, "15100000023", "register")  # sent
    assert a.status_code == b.status_code == c.status_code == 202
    assert a.json() == b.json() == c.json()
    assert len(emulators.state.sms_to(known)) == before
    assert emulators.state.sms_to("15100000022") == []
    assert len(emulators.state.sms_to("15100000023")) == 1
    assert await User.filter(phone="15100000022").count() == 0


async def test_provider_error_maps_to_a_clear_code(client: httpx.AsyncClient, emulators: Any) -> None:
    emulators.state.add_fault("aliyun.SendSms", "isv.BUSINESS_LIMIT_CONTROL")
    r = await request_code(client, "15100000031", "register")
    assert r.status_code == 429 and error_code(r) == "SMS_PROVIDER_LIMITED"
