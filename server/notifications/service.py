"""What users and administrators do with notifications: read the inbox, choose channels, register push devices,
record subscribe-message consent, and look at and retry dead letters."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import F

from server.common import audit
from server.config import get_settings
from server.db import run_atomic
from server.notifications.errors import (
    CursorInvalid,
    DeadLetterNotFound,
    DeliveryNotDead,
    MessageNotFound,
    PreferenceMandatory,
    PreferenceUnknown,
    PushDeviceNotFound,
    TemplateUnknown,
)
from server.notifications.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    InboxMessage,
    NotificationPreference,
    OutboxEvent,
    PushDevice,
    WechatSubscription,
)
from server.notifications.templates import KINDS, SHANGHAI

# Each accepted template adds one send; a user cannot bank more than this many (WeChat keeps its own count too).
SUBSCRIPTION_MAX = 100


def _now() -> datetime:
    # The database's zone: SQLite compares datetimes as text (see engine.utcnow)
    return datetime.now(SHANGHAI)


# ---------------------------------------------------------------- cursors


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, value = raw.partition(":")
        if prefix != "id" or not value.isdigit():
            raise ValueError
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise CursorInvalid(field="cursor") from None


# ---------------------------------------------------------------- inbox


@dataclass(frozen=True)
class InboxPage:
    items: list[InboxMessage]
    next_cursor: str | None
    unread: int


def _mine(user_id: int):  # type: ignore[no-untyped-def]
    return InboxMessage.filter(user_id=user_id, deleted_at=None)


async def list_inbox(*, user_id: int, cursor: str | None = None, limit: int = 20) -> InboxPage:
    """Newest first; ``next_cursor`` continues below the last item, None at the end."""
    qs = _mine(user_id)
    if cursor:
        qs = qs.filter(id__lt=decode_cursor(cursor))
    rows = list(await qs.order_by("-id").limit(limit + 1))
    more = len(rows) > limit
    items = rows[:limit]
    next_cursor = encode_cursor(items[-1].id) if more and items else None
    return InboxPage(items=items, next_cursor=next_cursor, unread=await unread_count(user_id=user_id))


async def unread_count(*, user_id: int) -> int:
    """Messages not yet read and not deleted."""
    return await _mine(user_id).filter(read_at=None).count()


async def mark_read(*, user_id: int, message_id: int) -> InboxMessage:
    """Mark one of the user's messages read (again is fine)."""
    message = await _mine(user_id).get_or_none(id=message_id)
    if message is None:
        raise MessageNotFound()
    if message.read_at is None:
        now = _now()
        await InboxMessage.filter(id=message.id, read_at=None).update(read_at=now)
        message.read_at = now
    return message


async def mark_all_read(*, user_id: int) -> int:
    """Mark every unread message read; returns how many changed."""
    return await _mine(user_id).filter(read_at=None).update(read_at=_now())


async def delete_message(*, user_id: int, message_id: int) -> None:
    """Soft-delete one of the user's messages."""
    changed = await _mine(user_id).filter(id=message_id).update(deleted_at=_now())
    if not changed:
        raise MessageNotFound()


# ---------------------------------------------------------------- preferences


@dataclass(frozen=True)
class ChannelChoice:
    channel: Channel
    enabled: bool
    mandatory: bool


@dataclass(frozen=True)
class KindChoices:
    kind: str
    label: str
    channels: list[ChannelChoice]


async def get_preferences(*, user_id: int) -> list[KindChoices]:
    """Every event kind with the channels it can use, what the user chose, and which cannot be turned off."""
    stored = {(p.kind, Channel(p.channel)): p.enabled for p in await NotificationPreference.filter(user_id=user_id)}
    result = []
    for kind, spec in KINDS.items():
        channels = [
            ChannelChoice(
                channel=channel,
                enabled=True if channel in spec.mandatory else stored.get((kind, channel), channel in spec.default_on),
                mandatory=channel in spec.mandatory,
            )
            for channel in spec.available
        ]
        result.append(KindChoices(kind=kind, label=spec.label, channels=channels))
    return result


async def set_preferences(*, user_id: int, choices: list[tuple[str, str, bool]]) -> list[KindChoices]:
    """Store (kind, channel, enabled) choices, all or none: an unknown pair or a mandatory one turned off refuses."""
    checked: list[tuple[str, Channel, bool]] = []
    for index, (kind, channel_name, enabled) in enumerate(choices):
        spec = KINDS.get(kind)
        try:
            channel = Channel(channel_name)
        except ValueError:
            raise PreferenceUnknown(field=f"preferences.{index}.channel") from None
        if spec is None:
            raise PreferenceUnknown(field=f"preferences.{index}.kind")
        if channel not in spec.available:
            raise PreferenceUnknown(field=f"preferences.{index}.channel")
        if channel in spec.mandatory and not enabled:
            raise PreferenceMandatory(
                f"“{spec.label}”的{_CHANNEL_NAMES[channel]}为必需通知，不能关闭", field=f"preferences.{index}.enabled"
            )
        checked.append((kind, channel, enabled))

    async def write() -> None:
        for kind, channel, enabled in checked:
            updated = await NotificationPreference.filter(user_id=user_id, kind=kind, channel=channel).update(
                enabled=enabled, updated_at=_now()
            )
            if not updated:
                await NotificationPreference.create(user_id=user_id, kind=kind, channel=channel, enabled=enabled)

    await run_atomic(write)
    return await get_preferences(user_id=user_id)


_CHANNEL_NAMES = {
    Channel.INBOX: "站内消息",
    Channel.WECHAT: "微信订阅消息",
    Channel.PUSH: "App 推送",
    Channel.SMS: "短信",
}


# ---------------------------------------------------------------- push devices


async def register_push_device(*, user_id: int, session_id: str, device_id: str, platform: str) -> PushDevice:
    """Register (or move to this user and session) an app installation's push device id."""

    async def body() -> PushDevice:
        # One device, one account: a phone that changes hands must not receive the previous user's messages.
        existing = await PushDevice.get_or_none(device_id=device_id)
        if existing is None:
            return await PushDevice.create(
                user_id=user_id, device_id=device_id, platform=platform, session_id=session_id
            )
        await PushDevice.filter(id=existing.id).update(
            user_id=user_id, platform=platform, session_id=session_id, updated_at=_now()
        )
        return await PushDevice.get(id=existing.id)

    return await run_atomic(body)


async def unregister_push_device(*, user_id: int, device_id: str) -> None:
    """Forget one of the user's devices; another user's or an unknown device is not found."""
    if not await PushDevice.filter(user_id=user_id, device_id=device_id).delete():
        raise PushDeviceNotFound()


async def unregister_session_devices(*, user_id: int, session_id: str) -> int:
    """Forget the devices registered in a session (called at log-out); returns how many."""
    return await PushDevice.filter(user_id=user_id, session_id=session_id).delete()


async def unregister_user_devices(*, user_id: int, except_session_id: str | None = None) -> int:
    """Forget the devices of every session but ``except_session_id`` (all sessions ended); returns how many."""
    qs = PushDevice.filter(user_id=user_id)
    if except_session_id is not None:
        qs = qs.exclude(session_id=except_session_id)
    return await qs.delete()


async def list_push_devices(*, user_id: int) -> list[PushDevice]:
    return list(await PushDevice.filter(user_id=user_id).order_by("id"))


# ---------------------------------------------------------------- subscribe-message consent


@dataclass(frozen=True)
class SubscriptionCount:
    purpose: str
    template_id: str
    remaining: int


async def list_subscriptions(*, user_id: int) -> list[SubscriptionCount]:
    """Our subscribe templates (what the mini-program asks consent for) and the sends the user has left."""
    templates = get_settings().subscribe_templates
    counts = {
        s.template_id: s.remaining
        for s in await WechatSubscription.filter(user_id=user_id, template_id__in=list(templates.values()))
    }
    return [SubscriptionCount(purpose, tid, counts.get(tid, 0)) for purpose, tid in templates.items()]


async def record_subscriptions(*, user_id: int, template_ids: list[str]) -> list[SubscriptionCount]:
    """One more send per accepted template id (what wx.requestSubscribeMessage answered "accept" for)."""
    known = set(get_settings().subscribe_templates.values())
    for index, template_id in enumerate(template_ids):
        if template_id not in known:
            raise TemplateUnknown(field=f"template_ids.{index}")

    async def body() -> None:
        # One "accept" is one send, however often the client repeats the id
        for template_id in dict.fromkeys(template_ids):
            row = await WechatSubscription.get_or_none(user_id=user_id, template_id=template_id)
            if row is None:
                await WechatSubscription.create(user_id=user_id, template_id=template_id, remaining=1)
            elif row.remaining < SUBSCRIPTION_MAX:
                await WechatSubscription.filter(id=row.id).update(remaining=F("remaining") + 1)

    await run_atomic(body)
    return await list_subscriptions(user_id=user_id)


# ---------------------------------------------------------------- dead letters (administrators)


@dataclass(frozen=True)
class DeadLetterPage:
    items: list[Delivery]
    next_cursor: str | None


async def list_dead_letters(
    *, cursor: str | None = None, limit: int = 20, channel: str | None = None
) -> DeadLetterPage:
    """Dead deliveries, newest first, with the reason each was given up."""
    qs = Delivery.filter(status=DeliveryStatus.DEAD)
    if channel:
        qs = qs.filter(channel=channel)
    if cursor:
        qs = qs.filter(id__lt=decode_cursor(cursor))
    rows = list(await qs.order_by("-id").limit(limit + 1))
    more = len(rows) > limit
    items = rows[:limit]
    return DeadLetterPage(items=items, next_cursor=encode_cursor(items[-1].id) if more and items else None)


async def retry_dead_letter(*, admin_id: int, delivery_id: int, ip: str | None = None) -> Delivery:
    """Put a dead delivery back in the queue, now, with a fresh count of attempts (audited)."""

    async def body() -> Delivery:
        delivery = await Delivery.get_or_none(id=delivery_id)
        if delivery is None:
            raise DeadLetterNotFound()
        if delivery.status != DeliveryStatus.DEAD:
            raise DeliveryNotDead()
        changed = await Delivery.filter(id=delivery.id, status=DeliveryStatus.DEAD).update(
            status=DeliveryStatus.PENDING,
            attempts=0,
            next_attempt_at=_now(),
            dead_at=None,
            lease_owner=None,
            leased_until=None,
        )
        if not changed:
            raise DeliveryNotDead()
        await OutboxEvent.filter(id=delivery.event_id).update(delivered_at=None)  # type: ignore[attr-defined]
        await audit.record(
            action="notification.retry",
            actor_id=admin_id,
            subject_type="delivery",
            subject_id=str(delivery.id),
            ip=ip,
            details={"channel": delivery.channel, "error_code": delivery.error_code, "kind": delivery.kind},
        )
        return await Delivery.get(id=delivery.id)

    return await run_atomic(body)
