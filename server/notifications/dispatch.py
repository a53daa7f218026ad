"""The delivery engine the worker runs: dispatch events into deliveries, claim due deliveries, send, record.

Why it works without a job per event: ``emit`` has no hook after its caller's commit, so the worker polls. Every
second a cron job (``tasks.drain_notifications``) runs :func:`drain` until nothing is due.

1. **Dispatch** (:func:`dispatch_events`): events without ``dispatched_at`` get one Delivery per channel the kind
   uses and the user wants; the inbox message is written in the same transaction and its delivery is ``sent`` at
   once. Delivery and InboxMessage have unique keys (event id and channel, event id), so two workers dispatching
   the same event cannot create a second message: the loser's rows are ignored.
2. **Claim** (:func:`deliver_due`): due ``pending`` / ``failed`` deliveries whose lease is free are leased with a
   conditional UPDATE (``lease_owner`` = a fresh token, ``leased_until`` = now + LEASE) whose WHERE re-checks the
   lease; PostgreSQL re-evaluates it after a competing worker's row lock, SQLite has one writer at a time. Only rows
   carrying our token are ours. A worker that dies while holding a lease, before calling a provider, leaves the row
   claimable again when the lease runs out.
3. **Send**: the row is switched to ``in_flight`` (attempts + 1; for WeChat the user's remaining subscription is
   decremented in the same transaction) and committed *before* the provider is called, in a thread. The answer is
   recorded as ``sent`` (with the provider's message id), ``skipped`` (nothing to send to, 43101), ``failed`` (retry
   at ``next_attempt_at``, exponential backoff with a cap) or ``dead`` (configuration error, or the last try).
4. **Recovery** (:func:`recover_stale`): an ``in_flight`` row whose lease ran out belongs to a worker that died
   between calling the provider and recording the answer. Neither Aliyun SMS, Aliyun push nor WeChat subscribe
   messages can be asked "did you accept this?" idempotently (SMS OutId is only echoed in receipts), so resending
   could text the user twice. The row is dead-lettered with ``OUTCOME_UNKNOWN``: at most once per provider, and an
   administrator sees it and may retry it deliberately. The inbox copy never depends on this.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise.expressions import F, Q

from server.accounts import api as accounts_api
from server.config import get_settings
from server.db import run_atomic
from server.integrations import ProviderError
from server.integrations.aliyun import SmsPhoneInvalid, SmsProviderLimited
from server.integrations.wechat import (
    WeChatMessageInvalid,
    WeChatMisconfigured,
    WeChatNotSubscribed,
    WeChatRateLimited,
)
from server.notifications import providers
from server.notifications.models import (
    FINAL_STATUSES,
    Channel,
    Delivery,
    DeliveryStatus,
    InboxMessage,
    NotificationPreference,
    OutboxEvent,
    PushDevice,
    WechatSubscription,
)
from server.notifications.templates import SHANGHAI, Rendered, policy, render

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=120)
BATCH = 200
# Provider calls in flight at once per worker process. The SDKs are synchronous and mostly wait on the network, so
# they run in a pool of their own (asyncio's default pool has only cpu + 4 threads).
CONCURRENCY = 32
_pool: ThreadPoolExecutor | None = None
MAX_ATTEMPTS = 6
BACKOFF_BASE_S = 30
BACKOFF_CAP_S = 3600
# 45009 / 45011 (WeChat quota), SMS business limits: the quota comes back in minutes to hours, not seconds
RATE_LIMITED_MIN_S = 600

CLAIMABLE = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)
# On a cancellation (worker stopping), how long calls already made may take to be recorded
STOP_GRACE_S = 15.0


def utcnow() -> datetime:
    """Now, in the database's configured zone: SQLite stores and compares datetimes as text, so every value the
    worker writes or filters on must carry the same offset (+08:00) for the comparison to mean time order."""
    return datetime.now(SHANGHAI)


def _db_time(value: datetime | None) -> datetime:
    return value.astimezone(SHANGHAI) if value is not None else utcnow()


@dataclass(frozen=True)
class DrainStats:
    dispatched: int = 0
    delivered: int = 0
    recovered: int = 0


# ---------------------------------------------------------------- dispatch


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
    events = await OutboxEvent.filter(dispatched_at=None).order_by("id").limit(limit)
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

    messages: list[InboxMessage] = []
    deliveries: list[Delivery] = []
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
                Delivery(
                    event_id=event.id,
                    user_id=event.user_id,
                    kind=event.kind,
                    channel=channel,
                    idempotency_key=f"{event.id}:{channel.value}",
                    status=DeliveryStatus.SENT if done else DeliveryStatus.PENDING,
                    next_attempt_at=now,
                    sent_at=now if done else None,
                )
            )
        messages.append(
            InboxMessage(
                user_id=event.user_id,
                event_id=event.id,
                kind=event.kind,
                title=rendered.title[:100],
                body=rendered.body,
                link=rendered.link,
                data=_public_data(event.kind, event.payload),
                created_at=event.created_at,
            )
        )
    open_events = {d.event_id for d in deliveries if d.status != DeliveryStatus.SENT}  # type: ignore[attr-defined]
    finished = [e.id for e in events if e.id not in open_events]

    async def write() -> None:
        await InboxMessage.bulk_create(messages, ignore_conflicts=True)
        await Delivery.bulk_create(deliveries, ignore_conflicts=True)
        await OutboxEvent.filter(id__in=[e.id for e in events], dispatched_at=None).update(dispatched_at=now)
        if finished:
            await OutboxEvent.filter(id__in=finished, delivered_at=None).update(delivered_at=now)

    await run_atomic(write)
    return len(events)


_SECRET_FIELDS = {"code"}


def _public_data(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    """What the inbox may show of the payload: never an activation code."""
    return {k: v for k, v in payload.items() if not (kind == "registry.activation_code" and k in _SECRET_FIELDS)}


# ---------------------------------------------------------------- claim and send


@dataclass(frozen=True)
class _Outcome:
    status: DeliveryStatus
    code: str | None = None
    reason: str | None = None
    provider_message_id: str | None = None
    retry_after_s: float | None = None  # for FAILED: at least this long


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


async def deliver_due(*, limit: int = BATCH, now: datetime | None = None) -> int:
    """Claim up to ``limit`` due deliveries and send them; returns how many were claimed."""
    now = _db_time(now)
    token = uuid.uuid4().hex
    due = Delivery.filter(status__in=CLAIMABLE, next_attempt_at__lte=now).filter(
        Q(leased_until=None) | Q(leased_until__lt=now)
    )
    ids = list(await due.order_by("next_attempt_at", "id").limit(limit).values_list("id", flat=True))
    if not ids:
        return 0
    await (
        Delivery.filter(id__in=ids, status__in=CLAIMABLE)
        .filter(Q(leased_until=None) | Q(leased_until__lt=now))
        .update(lease_owner=token, leased_until=now + LEASE)
    )
    claimed = await Delivery.filter(id__in=ids, lease_owner=token).prefetch_related("event")
    if not claimed:
        return 0
    context = await _Context.load(claimed)
    semaphore = asyncio.Semaphore(CONCURRENCY)
    stopping = False

    async def one(delivery: Delivery) -> None:
        async with semaphore:
            if stopping:
                # Not started: hand the row back rather than call a provider while the worker shuts down.
                await Delivery.filter(id=delivery.id, lease_owner=token, status__in=CLAIMABLE).update(
                    lease_owner=None, leased_until=None
                )
                return
            await _deliver_one(delivery, token, context, now)

    work = asyncio.ensure_future(asyncio.gather(*(one(d) for d in claimed), return_exceptions=True))
    try:
        results = await asyncio.shield(work)
    except asyncio.CancelledError:
        # The worker is stopping (SIGTERM, deploy). Calls already made are recorded before we go, within the
        # providers' time-outs, so a restart does not turn them into OUTCOME_UNKNOWN; the rest are handed back.
        stopping = True
        try:
            await asyncio.wait_for(asyncio.shield(work), STOP_GRACE_S)
        except (TimeoutError, asyncio.CancelledError):
            log.warning("stopped with deliveries still in flight; recovery will dead-letter them")
        raise
    for result in results:
        if isinstance(result, BaseException):
            log.error("delivery crashed; its row is left for recovery", exc_info=result)
    await _complete_events({d.event_id for d in claimed})  # type: ignore[attr-defined]
    return len(claimed)


@dataclass
class _Context:
    devices: dict[int, list[str]]
    openids: dict[int, str]
    phones: dict[int, str]

    @classmethod
    async def load(cls, deliveries: list[Delivery]) -> _Context:
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


async def _deliver_one(delivery: Delivery, token: str, context: _Context, now: datetime) -> None:
    event: OutboxEvent = delivery.event
    rendered = render(event.kind, event.payload, at=event.created_at)
    channel = Channel(delivery.channel)
    try:
        prepared = _prepare(channel, delivery, event, rendered, context)
    except (_Skip, _Dead) as stop:
        await _finish(delivery, token, stop.outcome, now)
        return
    if not await _mark_in_flight(delivery, token, prepared, now):
        return
    delivery.attempts += 1
    try:
        message_id = await _in_thread(prepared.call)
    except ProviderError as exc:
        outcome = _classify(channel, exc, prepared)
        await _after_refusal(delivery, prepared, exc)
    except Exception as exc:  # a bug or an SDK surprise: retried with backoff, then dead-lettered
        log.exception("delivery %s on %s failed unexpectedly", delivery.id, channel.value)
        outcome = _Outcome(DeliveryStatus.FAILED, "INTERNAL", f"{type(exc).__name__}: {exc}"[:300])
        await _give_back(delivery, prepared)
    else:
        outcome = _Outcome(DeliveryStatus.SENT, provider_message_id=message_id)
    await _finish(delivery, token, outcome, now)


def _executor() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=CONCURRENCY, thread_name_prefix="notify")
    return _pool


async def _in_thread(call: Callable[[], str]) -> str:
    return await asyncio.get_running_loop().run_in_executor(_executor(), call)


def _prepare(
    channel: Channel, delivery: Delivery, event: OutboxEvent, rendered: Rendered, context: _Context
) -> _Prepared:
    settings = get_settings()
    if channel == Channel.PUSH:
        device_ids = context.devices.get(delivery.user_id)
        if not device_ids:
            raise _Skip("NO_DEVICE", "用户没有登记推送设备")
        extras = {**rendered.push_extras, "event_id": event.id, "delivery_id": delivery.id}
        client = providers.push_client()
        target = ",".join(device_ids[:1000])
        return _Prepared(
            lambda: client.push("DEVICE", target, rendered.push_title, rendered.push_body, "NOTICE", extras)
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


async def _mark_in_flight(delivery: Delivery, token: str, prepared: _Prepared, now: datetime) -> bool:
    """Commit "in flight" before the provider call; False when the lease was lost or no subscription is left."""

    async def body() -> str:
        if prepared.template_id is not None:
            reserved = await WechatSubscription.filter(
                user_id=delivery.user_id, template_id=prepared.template_id, remaining__gt=0
            ).update(remaining=F("remaining") - 1)
            if not reserved:
                return "no_subscription"
        changed = await Delivery.filter(id=delivery.id, lease_owner=token, status__in=CLAIMABLE).update(
            status=DeliveryStatus.IN_FLIGHT, attempts=F("attempts") + 1, leased_until=utcnow() + LEASE
        )
        if not changed:
            raise _LeaseLost()
        return "ok"

    try:
        # One statement needs no transaction; the WeChat reservation and the switch must commit together.
        verdict = await (run_atomic(body) if prepared.template_id is not None else body())
    except _LeaseLost:
        log.warning("delivery %s: lease lost before sending", delivery.id)
        return False
    if verdict == "no_subscription":
        await _finish(
            delivery,
            token,
            _Outcome(DeliveryStatus.SKIPPED, "NO_SUBSCRIPTION", "用户没有剩余的订阅消息次数（未调用微信）"),
            now,
        )
        return False
    return True


class _LeaseLost(Exception):
    pass


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


async def _after_refusal(delivery: Delivery, prepared: _Prepared, exc: ProviderError) -> None:
    if prepared.template_id is None:
        return
    if isinstance(exc, WeChatNotSubscribed):
        # WeChat knows better than our count: the user has none left.
        await WechatSubscription.filter(user_id=delivery.user_id, template_id=prepared.template_id).update(remaining=0)
    else:
        await _give_back(delivery, prepared)


async def _give_back(delivery: Delivery, prepared: _Prepared) -> None:
    if prepared.template_id is not None:
        await WechatSubscription.filter(user_id=delivery.user_id, template_id=prepared.template_id).update(
            remaining=F("remaining") + 1
        )


def backoff_s(attempts: int) -> float:
    """Delay before attempt ``attempts + 1``: 30 s, 60 s, 120 s … capped at an hour, with 10 % jitter."""
    delay = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** max(attempts - 1, 0))
    return delay * (1 + random.random() / 10)


async def _finish(delivery: Delivery, token: str, outcome: _Outcome, now: datetime) -> None:
    values: dict[str, Any] = {"lease_owner": None, "leased_until": None}
    status = outcome.status
    reason = outcome.reason
    if status == DeliveryStatus.FAILED:
        if delivery.attempts >= MAX_ATTEMPTS:
            status = DeliveryStatus.DEAD
            reason = f"已尝试 {delivery.attempts} 次仍失败：{reason}"
        else:
            delay = max(backoff_s(delivery.attempts), outcome.retry_after_s or 0)
            values["next_attempt_at"] = utcnow() + timedelta(seconds=delay)
    values["status"] = status
    if status == DeliveryStatus.SENT:
        values["sent_at"] = utcnow()
        values["provider_message_id"] = (outcome.provider_message_id or "")[:128] or None
    else:
        values["error_code"] = (outcome.code or "")[:64] or None
        values["last_error"] = (reason or "")[:500] or None
    if status == DeliveryStatus.DEAD:
        values["dead_at"] = utcnow()
        log.warning("delivery %s dead-lettered: %s", delivery.id, reason)
    await Delivery.filter(id=delivery.id, lease_owner=token).update(**values)


async def _complete_events(event_ids: set[int]) -> None:
    """Stamp ``delivered_at`` on those of ``event_ids`` whose deliveries are all final."""
    if not event_ids:
        return
    still_open = set(
        await Delivery.filter(event_id__in=event_ids)
        .exclude(status__in=FINAL_STATUSES)
        .values_list("event_id", flat=True)
    )
    done = event_ids - still_open
    if done:
        await OutboxEvent.filter(id__in=done, delivered_at=None).update(delivered_at=utcnow())


# ---------------------------------------------------------------- recovery and the loop

OUTCOME_UNKNOWN = "OUTCOME_UNKNOWN"
OUTCOME_UNKNOWN_REASON = (
    "投递进程在调用服务商之后、记录结果之前中断，无法确认对方是否已收到；为避免重复发送未自动重试，请核实后手动重试"
)


async def recover_stale(*, now: datetime | None = None) -> int:
    """Dead-letter in-flight rows whose worker died mid-call (see the module docstring); returns how many."""
    now = _db_time(now)
    stale = list(
        await Delivery.filter(status=DeliveryStatus.IN_FLIGHT, leased_until__lt=now).values_list("id", "event_id")
    )
    if not stale:
        return 0
    changed = await Delivery.filter(
        id__in=[i for i, _ in stale], status=DeliveryStatus.IN_FLIGHT, leased_until__lt=now
    ).update(
        status=DeliveryStatus.DEAD,
        error_code=OUTCOME_UNKNOWN,
        last_error=OUTCOME_UNKNOWN_REASON,
        dead_at=now,
        lease_owner=None,
        leased_until=None,
    )
    await _complete_events({e for _, e in stale})
    log.warning("recovered %s in-flight deliveries of dead workers as %s", changed, OUTCOME_UNKNOWN)
    return changed


async def drain(*, max_seconds: float = 50.0, now: datetime | None = None) -> DrainStats:
    """Recover, dispatch and deliver until nothing is due (or ``max_seconds`` passed)."""
    started = time.monotonic()
    recovered = await recover_stale(now=now)
    dispatched = delivered = 0
    while time.monotonic() - started < max_seconds:
        d1 = await dispatch_events(now=now)
        d2 = await deliver_due(now=now)
        dispatched += d1
        delivered += d2
        if d1 == 0 and d2 == 0:
            break
    return DrainStats(dispatched=dispatched, delivered=delivered, recovered=recovered)
