"""Fan-out of outbox events: one Delivery per channel the kind uses and the user wants, plus the inbox message."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from server.accounts import api as accounts_api
from server.config import get_settings
from server.db import insert_rows, run_atomic
from server.notifications.engine import BATCH, EVENT_FIELDS, EventRow, _db_time
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
from server.notifications.templates import policy, render


def wanted_channels(kind: str, overrides: dict[tuple[str, Channel], bool]) -> set[Channel]:
    """Channels the user gets for ``kind``: mandatory ones, plus available ones on by default or by choice."""
    p = policy(kind)
    chosen: set[Channel] = set()
    for channel in p.available:
        if channel in p.mandatory:
            chosen.add(channel)
            continue
        enabled = overrides.get((kind, channel), channel in p.default_on)
        if enabled:
            chosen.add(channel)
    return chosen


async def dispatch_events(*, limit: int = BATCH, now: datetime | None = None) -> int:
    """Write the deliveries (and inbox messages) of up to ``limit`` undispatched events; returns how many."""
    now = _db_time(now)
    # Plain values, not ORM objects: reading a batch of events into models cost more than fanning them out
    events = [
        EventRow(**row)
        for row in await OutboxEvent.filter(dispatched_at=None).order_by("id").limit(limit).values(*EVENT_FIELDS)
    ]
    if not events:
        return 0
    user_ids = {e.user_id for e in events}
    overrides: dict[int, dict[tuple[str, Channel], bool]] = {}
    for pref in await NotificationPreference.filter(user_id__in=user_ids):
        overrides.setdefault(pref.user_id, {})[(pref.kind, Channel(pref.channel))] = pref.enabled
    with_devices = set(await PushDevice.filter(user_id__in=user_ids).values_list("user_id", flat=True))
    with_wechat = set(await accounts_api.wechat_openids(user_ids))
    subscribed = {
        (uid, tid)
        for uid, tid in await WechatSubscription.filter(user_id__in=user_ids, remaining__gt=0).values_list(
            "user_id", "template_id"
        )
    }
    templates = get_settings().subscribe_templates

    messages: list[dict[str, Any]] = []
    deliveries: list[dict[str, Any]] = []
    for event in events:
        rendered = render(event.kind, event.payload, at=event.created_at)
        channels = wanted_channels(event.kind, overrides.get(event.user_id, {}))
        if rendered.subscribe is None or event.user_id not in with_wechat:
            channels.discard(Channel.WECHAT)
        if event.user_id not in with_devices:
            channels.discard(Channel.PUSH)
        if rendered.sms is None:
            channels.discard(Channel.SMS)
        elif rendered.sms.fallback_only:
            reachable = Channel.PUSH in channels or (
                Channel.WECHAT in channels
                and rendered.subscribe is not None
                and (event.user_id, templates.get(rendered.subscribe.purpose, "")) in subscribed
            )
            if reachable:
                channels.discard(Channel.SMS)
        for channel in sorted(channels):
            done = channel == Channel.INBOX
            deliveries.append(
                {
                    "event_id": event.id,
                    "user_id": event.user_id,
                    "kind": event.kind,
                    "channel": channel,
                    "idempotency_key": f"{event.id}:{channel.value}",
                    "status": DeliveryStatus.SENT if done else DeliveryStatus.PENDING,
                    "next_attempt_at": now,
                    "sent_at": now if done else None,
                }
            )
        messages.append(
            {
                "user_id": event.user_id,
                "event_id": event.id,
                "kind": event.kind,
                "title": rendered.title[:100],
                "body": rendered.body,
                "link": rendered.link,
                "data": _public_data(event.kind, event.payload),
                "created_at": event.created_at,
            }
        )
    open_events = {d["event_id"] for d in deliveries if d["status"] != DeliveryStatus.SENT}
    finished = [e.id for e in events if e.id not in open_events]

    async def write() -> None:
        # Plain rows, not model objects (see insert_rows); a second dispatch of an event writes nothing new
        await insert_rows(InboxMessage, messages)
        await insert_rows(Delivery, deliveries)
        await OutboxEvent.filter(id__in=[e.id for e in events], dispatched_at=None).update(dispatched_at=now)
        if finished:
            await OutboxEvent.filter(id__in=finished, delivered_at=None).update(delivered_at=now)

    await run_atomic(write)
    return len(events)


_SECRET_FIELDS = {"code"}


def _public_data(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    """What the inbox may show of the payload: never an activation code."""
    return {k: v for k, v in payload.items() if not (kind == "registry.activation_code" and k in _SECRET_FIELDS)}
