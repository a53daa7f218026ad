"""Delivery of due rows: lease them, mark each in flight, call its provider in a thread pool, record the answer."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from tortoise.expressions import F, Q

from server.db import run_atomic
from server.integrations import ProviderError
from server.integrations.wechat import WeChatNotSubscribed
from server.notifications.channels import _classify, _Context, _Dead, _prepare, _Prepared, _Skip
from server.notifications.engine import BATCH, _db_time, utcnow
from server.notifications.models import Channel, Delivery, DeliveryStatus, OutboxEvent, WechatSubscription
from server.notifications.retry import _complete_events, _finish, _Outcome
from server.notifications.templates import render

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=120)
# Provider calls in flight at once per worker process. The SDKs are synchronous and mostly wait on the network, so
# they run in a pool of their own (asyncio's default pool has only cpu + 4 threads).
CONCURRENCY = 32
_pool: ThreadPoolExecutor | None = None

CLAIMABLE = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)
# On a cancellation (worker stopping), how long calls already made may take to be recorded
STOP_GRACE_S = 15.0


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
