"""Per channel: the addresses a send needs, the provider call it makes, and what a provider's refusal means."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from server.accounts import api as accounts_api
from server.config import get_settings
from server.integrations import ProviderError
from server.integrations.aliyun import PushClient, PushTask, SmsPhoneInvalid, SmsProviderLimited
from server.integrations.wechat import (
    WeChatMessageInvalid,
    WeChatMisconfigured,
    WeChatNotSubscribed,
    WeChatRateLimited,
)
from server.notifications import providers
from server.notifications.engine import Claimed, EventRow
from server.notifications.models import Channel, DeliveryStatus, PushDevice
from server.notifications.retry import RATE_LIMITED_MIN_S, _Outcome
from server.notifications.templates import Rendered


class _Skip(Exception):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.outcome = _Outcome(DeliveryStatus.SKIPPED, code, reason)


class _Dead(Exception):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.outcome = _Outcome(DeliveryStatus.DEAD, code, reason)


@dataclass
class _Prepared:
    call: Callable[[], str]
    # WeChat: the subscription reserved when the row went in flight, given back when WeChat surely did not use it
    template_id: str | None = None
    # Push: the same push as a task, so that many rows go out in one MassPush call instead of one call each
    push_task: PushTask | None = None
    push_client: PushClient | None = None


@dataclass
class _Context:
    devices: dict[int, list[str]]
    openids: dict[int, str]
    phones: dict[int, str]

    @classmethod
    async def load(cls, deliveries: list[Claimed]) -> _Context:
        by_channel: dict[Channel, set[int]] = {}
        for d in deliveries:
            by_channel.setdefault(Channel(d.channel), set()).add(d.user_id)
        devices: dict[int, list[str]] = {}
        if users := by_channel.get(Channel.PUSH):
            for uid, device_id in (
                await PushDevice.filter(user_id__in=users).order_by("id").values_list("user_id", "device_id")
            ):
                devices.setdefault(uid, []).append(device_id)
        openids = await accounts_api.wechat_openids(by_channel.get(Channel.WECHAT, set()))
        phones = await accounts_api.phones(by_channel.get(Channel.SMS, set()))
        return cls(devices, openids, phones)


def _prepare(channel: Channel, delivery: Claimed, event: EventRow, rendered: Rendered, context: _Context) -> _Prepared:
    settings = get_settings()
    if channel == Channel.PUSH:
        device_ids = context.devices.get(delivery.user_id)
        if not device_ids:
            raise _Skip("NO_DEVICE", "用户没有登记推送设备")
        extras = {**rendered.push_extras, "event_id": event.id, "delivery_id": delivery.id}
        client = providers.push_client()
        devices = ",".join(device_ids[:1000])
        task = PushTask("DEVICE", devices, rendered.push_title, rendered.push_body, "NOTICE", extras)
        return _Prepared(
            lambda: client.push(task.target, task.target_value, task.title, task.body, task.push_type, task.extras),
            push_task=task,
            push_client=client,
        )
    if channel == Channel.SMS:
        if rendered.sms is None:
            raise _Skip("NO_CONTENT", "此类消息没有短信内容")
        phone = str(event.payload.get("phone") or context.phones.get(delivery.user_id) or "")
        if not phone:
            raise _Skip("NO_PHONE", "用户没有手机号")
        template = settings.sms_templates.get(rendered.sms.purpose)
        if not template:
            raise _Dead("SMS_TEMPLATE_MISSING", f"未配置短信模板（SMS_TEMPLATES 缺少 {rendered.sms.purpose}）")
        sms = providers.sms_client()
        params = rendered.sms.params
        return _Prepared(lambda: sms.send(phone, template, params))
    if channel == Channel.WECHAT:
        if rendered.subscribe is None:
            raise _Skip("NO_CONTENT", "此类消息没有订阅消息内容")
        openid = context.openids.get(delivery.user_id)
        if not openid:
            raise _Skip("NO_WECHAT", "用户未绑定微信小程序")
        template_id = settings.subscribe_templates.get(rendered.subscribe.purpose)
        if not template_id:
            raise _Dead(
                "SUBSCRIBE_TEMPLATE_MISSING",
                f"未配置订阅消息模板（SUBSCRIBE_TEMPLATES 缺少 {rendered.subscribe.purpose}）",
            )
        wx = providers.wechat_client()
        content = rendered.subscribe

        def send() -> str:
            wx.send_subscribe_message(openid, template_id, content.data, page=content.page)
            return f"wechat:{delivery.idempotency_key}"

        return _Prepared(send, template_id=template_id)
    raise _Dead("CHANNEL_UNKNOWN", f"未知的通知渠道 {channel}")


def _classify(channel: Channel, exc: ProviderError, prepared: _Prepared) -> _Outcome:
    code = f"{exc.code}:{exc.provider_code}" if exc.provider_code is not None else exc.code
    if isinstance(exc, WeChatNotSubscribed):
        return _Outcome(DeliveryStatus.SKIPPED, code, "用户未订阅或订阅次数已用完（43101），不重试")
    if isinstance(exc, WeChatMessageInvalid):
        if exc.provider_code == 40037:
            reason = f"订阅消息模板 ID 无效（40037）：请检查 SUBSCRIBE_TEMPLATES 中的 {prepared.template_id}"
        else:
            reason = f"订阅消息内容不符合模板要求（{exc.provider_code}）：{exc.provider_message or ''}"
        return _Outcome(DeliveryStatus.DEAD, code, reason[:500])
    if isinstance(exc, WeChatMisconfigured):
        return _Outcome(DeliveryStatus.DEAD, code, f"微信小程序配置错误（{exc.provider_code}）")
    if isinstance(exc, WeChatRateLimited | SmsProviderLimited):
        return _Outcome(
            DeliveryStatus.FAILED, code, f"服务商限流（{exc.provider_code}）", retry_after_s=RATE_LIMITED_MIN_S
        )
    if isinstance(exc, SmsPhoneInvalid):
        return _Outcome(DeliveryStatus.DEAD, code, "手机号码无效，短信无法发送")
    if exc.retryable:
        return _Outcome(DeliveryStatus.FAILED, code, f"服务商暂时不可用（{exc.provider_code}）")
    return _Outcome(
        DeliveryStatus.DEAD, code, f"服务商拒绝（{exc.provider_code}）：{exc.provider_message or exc.text}"[:500]
    )
