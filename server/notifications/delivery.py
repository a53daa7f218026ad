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
# Answers are recorded per chunk of this many rows, in one transaction each
RECORD_EVERY = 2 * CONCURRENCY
# On a cancellation (worker stopping), how long calls already made may take to be recorded
STOP_GRACE_S = 15.0


async def deliver_due(*, limit: int = BATCH, now: datetime | None = None) -> int:
    """Claim up to ``limit`` due deliveries and send them; returns how many were claimed.

    The batch goes through four steps with a handful of statements, not several per row: one conditional UPDATE
    leases it, one switches every row without a WeChat reservation to ``in_flight`` (WeChat rows reserve their
    subscription one by one, as that must commit with the switch), the provider calls run concurrently, and every
    answer is recorded in one transaction.
    """
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
    outcomes: list[tuple[Delivery, _Outcome]] = []
    ready: list[tuple[Delivery, _Prepared]] = []
    for d in claimed:
        event: OutboxEvent = d.event
        rendered = render(event.kind, event.payload, at=event.created_at)
        try:
            ready.append((d, _prepare(Channel(d.channel), d, event, rendered, context)))
        except (_Skip, _Dead) as stop:
            outcomes.append((d, stop.outcome))
    try:
        sending = await _mark_in_flight(ready, token, now, outcomes)
    except Exception:  # the database went away, say: nothing was sent, the rows come back when the lease runs out
        log.exception("could not switch deliveries to in flight; they are retried after their lease")
        return len(claimed)
    await _record(outcomes, token, now)  # skipped and dead-lettered rows, and WeChat rows with no subscription left
    semaphore = asyncio.Semaphore(CONCURRENCY)
    stopping = False

    async def send_all() -> None:
        # In chunks, each recorded in one transaction as soon as its calls are answered: few commits, and a worker
        # killed mid-batch leaves at most one chunk in flight for recovery (OUTCOME_UNKNOWN), not the whole batch.
        for start in range(0, len(sending), RECORD_EVERY):
            answered: list[tuple[Delivery, _Outcome]] = []

            async def one(delivery: Delivery, prepared: _Prepared, answered: list[tuple[Delivery, _Outcome]]) -> None:
                async with semaphore:
                    if stopping:
                        # Not started: hand the row back rather than call a provider while the worker shuts down.
                        await _hand_back(delivery, prepared, token)
                        return
                    answered.append((delivery, await _call(delivery, prepared)))

            part = sending[start : start + RECORD_EVERY]
            results = await asyncio.gather(*(one(d, p, answered) for d, p in part), return_exceptions=True)
            for result in results:
                if isinstance(result, BaseException):
                    log.error("delivery crashed; its row is left for recovery", exc_info=result)
            await _record(answered, token, now)

    work = asyncio.ensure_future(send_all())
    try:
        await asyncio.shield(work)
    except asyncio.CancelledError:
        # The worker is stopping (SIGTERM, deploy). Calls already made are recorded before we go, within the
        # providers' time-outs, so a restart does not turn them into OUTCOME_UNKNOWN; the rest are handed back.
        stopping = True
        try:
            await asyncio.wait_for(asyncio.shield(work), STOP_GRACE_S)
        except (TimeoutError, asyncio.CancelledError):
            log.warning("stopped with deliveries still in flight; recovery will dead-letter them")
        raise
    await _complete_events({d.event_id for d in claimed})  # type: ignore[attr-defined]
    return len(claimed)


async def _call(delivery: Delivery, prepared: _Prepared) -> _Outcome:
    """Call the provider (in a thread: the SDKs are synchronous) and turn its answer into an outcome."""
    channel = Channel(delivery.channel)
    try:
        message_id = await _in_thread(prepared.call)
    except ProviderError as exc:
        await _after_refusal(delivery, prepared, exc)
        return _classify(channel, exc, prepared)
    except Exception as exc:  # a bug or an SDK surprise: retried with backoff, then dead-lettered
        log.exception("delivery %s on %s failed unexpectedly", delivery.id, channel.value)
        await _give_back(delivery, prepared)
        return _Outcome(DeliveryStatus.FAILED, "INTERNAL", f"{type(exc).__name__}: {exc}"[:300])
    return _Outcome(DeliveryStatus.SENT, provider_message_id=message_id)


async def _record(outcomes: list[tuple[Delivery, _Outcome]], token: str, now: datetime) -> None:
    """Record answers in one transaction (one commit instead of one per row). If that fails, the rows stay as
    they were (in flight after a provider call): recovery dead-letters them once their lease runs out, and never
    calls a provider again for them."""
    if not outcomes:
        return

    async def tx() -> None:
        for delivery, outcome in outcomes:
            await _finish(delivery, token, outcome, now)

    try:
        await run_atomic(tx)
    except Exception:
        log.exception("could not record %d delivery answers; recovery will dead-letter them", len(outcomes))


def _executor() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=CONCURRENCY, thread_name_prefix="notify")
    return _pool


async def _in_thread(call: Callable[[], str]) -> str:
    return await asyncio.get_running_loop().run_in_executor(_executor(), call)


async def _mark_in_flight(
    ready: list[tuple[Delivery, _Prepared]], token: str, now: datetime, outcomes: list[tuple[Delivery, _Outcome]]
) -> list[tuple[Delivery, _Prepared]]:
    """Commit "in flight" before any provider call; returns the rows still ours to send.

    Rows without a WeChat reservation switch in one UPDATE; a WeChat row reserves one of the user's remaining
    subscriptions in the same transaction as its switch, or is skipped when none is left.
    """
    plain = [(d, p) for d, p in ready if p.template_id is None]
    sending: list[tuple[Delivery, _Prepared]] = []
    if plain:
        await Delivery.filter(id__in=[d.id for d, _ in plain], lease_owner=token, status__in=CLAIMABLE).update(
            status=DeliveryStatus.IN_FLIGHT, attempts=F("attempts") + 1, leased_until=utcnow() + LEASE
        )
        ours = set(
            await Delivery.filter(
                id__in=[d.id for d, _ in plain], lease_owner=token, status=DeliveryStatus.IN_FLIGHT
            ).values_list("id", flat=True)
        )
        for d, p in plain:
            if d.id in ours:
                sending.append((d, p))
            else:
                log.warning("delivery %s: lease lost before sending", d.id)
    for d, p in ready:
        if p.template_id is None:
            continue
        verdict = await _reserve_and_switch(d, p, token)
        if verdict == "ok":
            sending.append((d, p))
        elif verdict == "no_subscription":
            outcomes.append(
                (d, _Outcome(DeliveryStatus.SKIPPED, "NO_SUBSCRIPTION", "用户没有剩余的订阅消息次数（未调用微信）"))
            )
    for d, _ in sending:
        d.attempts += 1
    return sending


async def _reserve_and_switch(delivery: Delivery, prepared: _Prepared, token: str) -> str:
    """A WeChat row: take one subscription and switch to in flight in one transaction."""

    async def body() -> str:
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
        return await run_atomic(body)
    except _LeaseLost:
        log.warning("delivery %s: lease lost before sending", delivery.id)
        return "lost"


async def _hand_back(delivery: Delivery, prepared: _Prepared, token: str) -> None:
    """Undo the switch to in flight of a row whose provider was never called (the worker is stopping)."""
    await Delivery.filter(id=delivery.id, lease_owner=token, status=DeliveryStatus.IN_FLIGHT).update(
        status=delivery.status, attempts=F("attempts") - 1, lease_owner=None, leased_until=None
    )
    await _give_back(delivery, prepared)


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
