"""The worker's delivery engine through the emulators: every channel's success and each of its error codes."""

from __future__ import annotations

from typing import Any

from server.common.models import OutboxEvent
from server.notifications import fanout, retry
from server.notifications.drain import drain
from server.notifications.models import Delivery, DeliveryStatus, InboxMessage, WechatSubscription
from tests.support.factories import physician
from tests.support.notifications import (
    REVIEW_TEMPLATE,
    bind_wechat,
    device,
    emit_event,
    later,
    review_payload,
    subscribe,
)


async def _by_channel(event_id: int) -> dict[str, Delivery]:
    return {str(d.channel): d for d in await Delivery.filter(event_id=event_id)}


async def test_inbox_only_user_gets_one_inbox_message(emu: Any) -> None:
    user = await physician()
    event = await emit_event(user)
    stats = await drain()
    assert stats.dispatched == 1
    deliveries = await _by_channel(event.id)
    assert set(deliveries) == {"inbox"}
    assert deliveries["inbox"].status == DeliveryStatus.SENT
    message = await InboxMessage.get(event_id=event.id)
    assert message.user_id == user.id
    assert message.title == "执业注册申请审核通过"
    assert (await OutboxEvent.get(id=event.id)).delivered_at is not None
    # a second drain changes nothing
    await drain()
    assert await InboxMessage.filter(user_id=user.id).count() == 1
    assert emu.state.sms == [] and emu.state.pushes == [] and emu.state.subscribe_messages == []


async def test_wechat_success_consumes_one_subscription(emu: Any) -> None:
    user = await physician()
    openid = await bind_wechat(user)
    await subscribe(user, remaining=2)
    emu.state.grant_subscription(openid, REVIEW_TEMPLATE, 2)
    event = await emit_event(user, payload=review_payload("rejected", "材料不全，请补充学历证明的扫描件"))
    await drain()
    wx = (await _by_channel(event.id))["wechat"]
    assert wx.status == DeliveryStatus.SENT and wx.attempts == 1
    sent = emu.state.messages_to(openid)
    assert len(sent) == 1
    assert sent[0].data["phrase2"] == "未通过"
    assert len(sent[0].data["thing4"]) <= 20
    assert (await WechatSubscription.get(user_id=user.id)).remaining == 1
    # reachable by WeChat: no SMS fallback for the rejection
    assert "sms" not in await _by_channel(event.id)


async def test_wechat_zero_left_is_skipped_without_calling_wechat(emu: Any) -> None:
    user = await physician()
    await bind_wechat(user)
    await subscribe(user, remaining=0)
    event = await emit_event(user)
    await drain()
    wx = (await _by_channel(event.id))["wechat"]
    assert wx.status == DeliveryStatus.SKIPPED
    assert wx.error_code == "NO_SUBSCRIPTION"
    assert emu.state.call_count("wechat.subscribe") == 0


async def test_wechat_43101_is_skipped_not_retried_and_count_reset(emu: Any) -> None:
    user = await physician()
    await bind_wechat(user)
    await subscribe(user, remaining=3)  # we believe 3, WeChat has none
    event = await emit_event(user)
    await drain()
    wx = (await _by_channel(event.id))["wechat"]
    assert wx.status == DeliveryStatus.SKIPPED
    assert wx.error_code == "WECHAT_NOT_SUBSCRIBED:43101"
    assert (await WechatSubscription.get(user_id=user.id)).remaining == 0
    await drain(now=later(86400))
    assert emu.state.call_count("wechat.subscribe") == 1


async def test_wechat_45009_backs_off_then_succeeds(emu: Any) -> None:
    user = await physician()
    openid = await bind_wechat(user)
    await subscribe(user, remaining=1)
    emu.state.grant_subscription(openid, REVIEW_TEMPLATE, 1)
    emu.state.add_fault("wechat.subscribe", 45009)
    event = await emit_event(user)
    await drain()
    wx = (await _by_channel(event.id))["wechat"]
    assert wx.status == DeliveryStatus.FAILED
    assert wx.error_code == "WECHAT_RATE_LIMITED:45009"
    assert (wx.next_attempt_at - wx.updated_at).total_seconds() >= retry.RATE_LIMITED_MIN_S - 1
    assert (await WechatSubscription.get(user_id=user.id)).remaining == 1  # given back
    await drain()  # not due yet
    assert emu.state.call_count("wechat.subscribe") == 1
    await drain(now=later(retry.RATE_LIMITED_MIN_S * 2))
    wx = (await _by_channel(event.id))["wechat"]
    assert wx.status == DeliveryStatus.SENT and wx.attempts == 2
    assert len(emu.state.messages_to(openid)) == 1


async def test_wechat_bad_template_is_dead_lettered_with_reason(emu: Any) -> None:
    user = await physician()
    await bind_wechat(user)
    await subscribe(user, remaining=1)
    emu.state.add_fault("wechat.subscribe", 40037)
    event = await emit_event(user)
    await drain()
    wx = (await _by_channel(event.id))["wechat"]
    assert wx.status == DeliveryStatus.DEAD
    assert wx.error_code == "WECHAT_MESSAGE_INVALID:40037"
    assert "40037" in (wx.last_error or "") and REVIEW_TEMPLATE in (wx.last_error or "")
    assert wx.dead_at is not None
    assert (await OutboxEvent.get(id=event.id)).delivered_at is not None


async def test_push_success_goes_to_every_device(emu: Any) -> None:
    user = await physician()
    d1 = await device(user, "devAAAAAAAAAAAA1")
    d2 = await device(user, "devAAAAAAAAAAAA2")
    event = await emit_event(
        user, "exam.scored", {"exam_kind": "humanities", "score": 85.5, "passed": True, "attempt_ref": "A1"}
    )
    await drain()
    push = (await _by_channel(event.id))["push"]
    assert push.status == DeliveryStatus.SENT
    assert len(emu.state.pushes) == 1
    record = emu.state.pushes[0]
    assert record.target == "DEVICE" and set(record.target_value.split(",")) == {d1, d2}
    assert record.title == "人文医学测评成绩已公布"
    assert len(record.title.encode()) <= 60
    assert record.extras["event_id"] == event.id
    assert push.provider_message_id == record.message_id
    # reachable by push: a failed result would not need SMS; a pass never does
    assert "sms" not in await _by_channel(event.id)


async def test_push_unavailable_retries_with_backoff_then_dead(emu: Any) -> None:
    user = await physician()
    await device(user)
    emu.state.add_fault("aliyun.Push", "ServiceUnavailable", times=retry.MAX_ATTEMPTS, http_status=503)
    event = await emit_event(user, "account.security", {"action": "password.changed"})
    await drain()
    push = (await _by_channel(event.id))["push"]
    assert push.status == DeliveryStatus.FAILED and push.attempts == 1
    delays = []
    for _ in range(retry.MAX_ATTEMPTS - 1):
        push = (await _by_channel(event.id))["push"]
        delays.append((push.next_attempt_at - push.updated_at).total_seconds())
        await drain(now=later(retry.BACKOFF_CAP_S * 2))
    push = (await _by_channel(event.id))["push"]
    assert push.status == DeliveryStatus.DEAD
    assert push.attempts == retry.MAX_ATTEMPTS
    assert "已尝试" in (push.last_error or "")
    assert delays == sorted(delays) and delays[0] >= retry.BACKOFF_BASE_S - 1
    assert emu.state.pushes == []


async def test_push_throttled_backs_off(emu: Any) -> None:
    user = await physician()
    await device(user)
    emu.state.add_fault("aliyun.Push", "Throttling.User")
    event = await emit_event(user, "account.security", {"action": "login.locked"})
    await drain()
    push = (await _by_channel(event.id))["push"]
    assert push.status == DeliveryStatus.FAILED and push.error_code == "PUSH_RATE_LIMITED:Throttling.User"
    await drain(now=later(3600))
    assert (await _by_channel(event.id))["push"].status == DeliveryStatus.SENT
    assert len(emu.state.pushes) == 1


async def test_many_pushes_go_in_one_mass_push_and_its_refusal_is_each_rows(emu: Any) -> None:
    users = [await physician() for _ in range(3)]
    for user in users:
        await device(user)
    emu.state.add_fault("aliyun.MassPush", "ServiceUnavailable", http_status=503)
    events = [await emit_event(u, "account.security", {"action": "password.changed"}) for u in users]
    await drain()
    pushes = [(await _by_channel(e.id))["push"] for e in events]
    assert [(p.status, p.attempts) for p in pushes] == [(DeliveryStatus.FAILED, 1)] * 3
    assert {p.error_code for p in pushes} == {"PUSH_UNAVAILABLE:ServiceUnavailable"}
    assert emu.state.call_count("aliyun.MassPush") == 1 and emu.state.pushes == []
    await drain(now=later(retry.BACKOFF_CAP_S * 2))
    pushes = [(await _by_channel(e.id))["push"] for e in events]
    assert [p.status for p in pushes] == [DeliveryStatus.SENT] * 3
    assert emu.state.call_count("aliyun.MassPush") == 2 and emu.state.call_count("aliyun.Push") == 0
    sent = {r.extras["delivery_id"]: r.message_id for r in emu.state.pushes}
    assert {p.id: p.provider_message_id for p in pushes} == sent  # each row keeps its own MessageId


async def test_push_refused_is_dead(emu: Any) -> None:
    user = await physician()
    await device(user)
    emu.state.add_fault("aliyun.Push", "PermissionDenied")
    event = await emit_event(user, "account.security", {"action": "phone.changed"})
    await drain()
    push = (await _by_channel(event.id))["push"]
    assert push.status == DeliveryStatus.DEAD and push.error_code == "PUSH_FAILED:PermissionDenied"


async def test_push_device_gone_before_sending_is_skipped(emu: Any) -> None:
    from server.notifications.models import PushDevice

    user = await physician()
    await device(user)
    await emit_event(user, "account.security", {"action": "password.changed"})
    await fanout.dispatch_events()
    await PushDevice.filter(user_id=user.id).delete()
    await drain()
    push = await Delivery.get(user_id=user.id, channel="push")
    assert push.status == DeliveryStatus.SKIPPED and push.error_code == "NO_DEVICE"


async def test_activation_code_sms_always_and_code_not_in_inbox(emu: Any) -> None:
    user = await physician(phone="13912345678")
    await device(user)
    event = await emit_event(
        user,
        "registry.activation_code",
        {"code": "483920", "institution_name": "东城区示范医院", "expires_at": later(3 * 86400).isoformat()},
    )
    await drain()
    sms = (await _by_channel(event.id))["sms"]
    assert sms.status == DeliveryStatus.SENT and sms.provider_message_id
    texts = emu.state.sms_to("13912345678")
    assert len(texts) == 1 and "483920" in texts[0].text and "东城区示范医院" in texts[0].text
    message = await InboxMessage.get(event_id=event.id)
    assert "483920" not in message.body and "code" not in message.data
    assert "push" not in await _by_channel(event.id)


async def test_failed_result_sms_only_when_no_other_way(emu: Any) -> None:
    reachable = await physician()
    await device(reachable)
    lonely = await physician(phone="13900001111")
    for user in (reachable, lonely):
        await emit_event(
            user, "assessment.result_ready", {"assessment_id": 3, "result": "failed", "verification_code": "V1"}
        )
    passed = await physician(phone="13900002222")
    await emit_event(
        passed, "assessment.result_ready", {"assessment_id": 4, "result": "passed", "verification_code": "V2"}
    )
    await drain()
    assert not await Delivery.filter(user_id=reachable.id, channel="sms").exists()
    assert not await Delivery.filter(user_id=passed.id, channel="sms").exists()
    assert (await Delivery.get(user_id=lonely.id, channel="sms")).status == DeliveryStatus.SENT
    assert [r.phone for r in emu.state.sms] == ["13900001111"]
    assert "不合格" in emu.state.sms[0].text


async def test_sms_business_limit_backs_off_and_bad_phone_is_dead(emu: Any) -> None:
    user = await physician(phone="13900003333")
    emu.state.add_fault("aliyun.SendSms", "isv.BUSINESS_LIMIT_CONTROL")
    event = await emit_event(
        user, "exam.scored", {"exam_kind": "professional", "score": 40, "passed": False, "attempt_ref": "A2"}
    )
    await drain()
    sms = (await _by_channel(event.id))["sms"]
    assert sms.status == DeliveryStatus.FAILED and sms.error_code == "SMS_PROVIDER_LIMITED:isv.BUSINESS_LIMIT_CONTROL"
    await drain(now=later(7200))
    assert (await _by_channel(event.id))["sms"].status == DeliveryStatus.SENT

    bad = await physician(phone="12345")
    event = await emit_event(
        bad, "registry.activation_code", {"code": "1", "institution_name": "医院", "expires_at": ""}
    )
    await drain()
    sms = (await _by_channel(event.id))["sms"]
    assert sms.status == DeliveryStatus.DEAD and sms.error_code == "SMS_PHONE_INVALID:isv.MOBILE_NUMBER_ILLEGAL"


async def test_sms_bad_template_is_dead_and_unavailable_retries(emu: Any) -> None:
    user = await physician(phone="13900004444")
    emu.state.add_fault("aliyun.SendSms", "isv.SMS_TEMPLATE_ILLEGAL")
    event = await emit_event(
        user, "registry.activation_code", {"code": "2", "institution_name": "医院", "expires_at": ""}
    )
    await drain()
    sms = (await _by_channel(event.id))["sms"]
    assert sms.status == DeliveryStatus.DEAD and sms.error_code == "SMS_SEND_FAILED:isv.SMS_TEMPLATE_ILLEGAL"

    emu.state.add_fault("aliyun.SendSms", "isp.SYSTEM_ERROR")
    event = await emit_event(
        user, "registry.activation_code", {"code": "3", "institution_name": "医院", "expires_at": ""}
    )
    await drain()
    sms = (await _by_channel(event.id))["sms"]
    assert sms.status == DeliveryStatus.FAILED
    await drain(now=later(3600))
    assert (await _by_channel(event.id))["sms"].status == DeliveryStatus.SENT


async def test_unknown_kind_gets_a_generic_inbox_message(emu: Any) -> None:
    user = await physician()
    await device(user)
    event = await emit_event(user, "something.new", {"x": 1})
    await drain()
    assert set(await _by_channel(event.id)) == {"inbox"}
    message = await InboxMessage.get(event_id=event.id)
    assert message.title == "系统消息"


async def test_preferences_turn_channels_off_but_not_the_inbox(emu: Any) -> None:
    from server.notifications import service

    user = await physician()
    await device(user)
    await service.set_preferences(user_id=user.id, choices=[("account.security", "push", False)])
    event = await emit_event(user, "account.security", {"action": "password.changed"})
    await drain()
    assert set(await _by_channel(event.id)) == {"inbox"}
    assert emu.state.pushes == []
