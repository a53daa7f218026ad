"""Delivery of due rows: lease them, mark each in flight, call its provider in a thread pool, record the answer.

Pushes go out many at once: the push rows of a batch are grouped into CloudPush MassPush calls of up to
``MASS_PUSH_MAX`` tasks each (one HTTP call, one signature, one answer with a MessageId per task), and the answers
of a chunk are recorded with one statement for the sent rows. A lone push row still uses Push.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import TypeVar

from tortoise.expressions import F, Q

from server.db import run_atomic
from server.integrations import ProviderError
from server.integrations.aliyun import MASS_PUSH_MAX
from server.integrations.wechat import WeChatNotSubscribed
from server.notifications.channels import _classify, _Context, _Dead, _prepare, _Prepared, _Skip
from server.notifications.engine import BATCH, CLAIMED_FIELDS, EVENT_FIELDS, Claimed, EventRow, _db_time, utcnow
from server.notifications.models import Channel, Delivery, DeliveryStatus, OutboxEvent, WechatSubscription
from server.notifications.retry import _complete_events, _finish, _finish_sent, _Outcome
from server.notifications.templates import render

log = logging.getLogger(__name__)
T = TypeVar("T")

LEASE = timedelta(seconds=120)
# Provider calls in flight at once per worker process. The SDKs are synchronous and mostly wait on the network, so
# they run in a pool of their own (asyncio's default pool has only cpu + 4 threads).
CONCURRENCY = 32
_pool: ThreadPoolExecutor | None = None

CLAIMABLE = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)
# Answers are recorded per chunk of at most CONCURRENCY provider calls and this many rows, in one transaction each
RECORD_EVERY = 2 * MASS_PUSH_MAX
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
    ids: list[int] = list(await due.order_by("next_attempt_at", "id").limit(limit).values_list("id", flat=True))  # type: ignore[arg-type]
    if not ids:
        return 0
    await (
        Delivery.filter(id__in=ids, status__in=CLAIMABLE)
        .filter(Q(leased_until=None) | Q(leased_until__lt=now))
        .update(lease_owner=token, leased_until=now + LEASE)
    )
    claimed = await _read_claimed(ids, token)
    if not claimed:
        return 0
    context = await _Context.load(claimed)
    outcomes: list[tuple[Claimed, _Outcome]] = []
    ready: list[tuple[Claimed, _Prepared]] = []
    for d in claimed:
        event = d.event
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
        for chunk in _chunks(_calls(sending)):
            answered: list[tuple[Claimed, _Outcome]] = []

            async def one(call: list[tuple[Claimed, _Prepared]], answered: list[tuple[Claimed, _Outcome]]) -> None:
                async with semaphore:
                    if stopping:
                        # Not started: hand the rows back rather than call a provider while the worker shuts down.
                        for delivery, prepared in call:
                            await _hand_back(delivery, prepared, token)
                        return
                    if len(call) > 1:
                        answered.extend(await _call_many(call))
                    else:
                        answered.append((call[0][0], await _call(*call[0])))

            results = await asyncio.gather(*(one(call, answered) for call in chunk), return_exceptions=True)
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
    await _complete_events({d.event_id for d in claimed})
    return len(claimed)


async def _read_claimed(ids: list[int], token: str) -> list[Claimed]:
    rows = await Delivery.filter(id__in=ids, lease_owner=token).order_by("id").values(*CLAIMED_FIELDS)
    if not rows:
        return []
    events = {
        e["id"]: EventRow(**e)
        for e in await OutboxEvent.filter(id__in={r["event_id"] for r in rows}).values(*EVENT_FIELDS)
    }
    return [Claimed(**r, event=events[r["event_id"]]) for r in rows]


def _calls(sending: list[tuple[Claimed, _Prepared]]) -> list[list[tuple[Claimed, _Prepared]]]:
    """The provider calls a batch needs: push rows of the same client together, MASS_PUSH_MAX to a call; every
    other row alone."""
    calls: list[list[tuple[Claimed, _Prepared]]] = []
    pushes: dict[int, list[tuple[Claimed, _Prepared]]] = {}
    for delivery, prepared in sending:
        if prepared.push_task is None or prepared.push_client is None:
            calls.append([(delivery, prepared)])
            continue
        group = pushes.setdefault(id(prepared.push_client), [])
        group.append((delivery, prepared))
        if len(group) == MASS_PUSH_MAX:
            calls.append(group)
            pushes[id(prepared.push_client)] = []
    calls.extend(group for group in pushes.values() if group)
    return calls


def _chunks(calls: list[list[tuple[Claimed, _Prepared]]]) -> list[list[list[tuple[Claimed, _Prepared]]]]:
    """Calls in chunks of at most CONCURRENCY calls and RECORD_EVERY rows (a chunk holds at least one call)."""
    chunks: list[list[list[tuple[Claimed, _Prepared]]]] = []
    rows = 0
    for call in calls:
        if not chunks or len(chunks[-1]) >= CONCURRENCY or rows + len(call) > RECORD_EVERY:
            chunks.append([])
            rows = 0
        chunks[-1].append(call)
        rows += len(call)
    return chunks


async def _call_many(call: list[tuple[Claimed, _Prepared]]) -> list[tuple[Claimed, _Outcome]]:
    """One MassPush for several push rows; its answer (a MessageId each, or one refusal) is every row's answer."""
    client = call[0][1].push_client
    tasks = [prepared.push_task for _, prepared in call]
    assert client is not None and all(t is not None for t in tasks)
    try:
        ids = await _in_thread(lambda: client.mass_push([t for t in tasks if t is not None]))
    except ProviderError as exc:
        return [(d, _classify(Channel.PUSH, exc, p)) for d, p in call]
    except Exception as exc:  # a bug or an SDK surprise: retried with backoff, then dead-lettered
        log.exception("mass push of %d deliveries failed unexpectedly", len(call))
        failed = _Outcome(DeliveryStatus.FAILED, "INTERNAL", f"{type(exc).__name__}: {exc}"[:300])
        return [(d, failed) for d, _ in call]
    return [(d, _Outcome(DeliveryStatus.SENT, provider_message_id=m)) for (d, _), m in zip(call, ids, strict=True)]


async def _call(delivery: Claimed, prepared: _Prepared) -> _Outcome:
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


async def _record(outcomes: list[tuple[Claimed, _Outcome]], token: str, now: datetime) -> None:
    """Record answers in one transaction (one commit instead of one per row). If that fails, the rows stay as
    they were (in flight after a provider call): recovery dead-letters them once their lease runs out, and never
    calls a provider again for them."""
    if not outcomes:
        return

    sent = [(d, o) for d, o in outcomes if o.status == DeliveryStatus.SENT]
    others = [(d, o) for d, o in outcomes if o.status != DeliveryStatus.SENT]

    async def tx() -> None:
        await _finish_sent(sent, token)
        for delivery, outcome in others:
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


async def _in_thread(call: Callable[[], T]) -> T:
    return await asyncio.get_running_loop().run_in_executor(_executor(), call)


async def _mark_in_flight(
    ready: list[tuple[Claimed, _Prepared]], token: str, now: datetime, outcomes: list[tuple[Claimed, _Outcome]]
) -> list[tuple[Claimed, _Prepared]]:
    """Commit "in flight" before any provider call; returns the rows still ours to send.

    Rows without a WeChat reservation switch in one UPDATE; a WeChat row reserves one of the user's remaining
    subscriptions in the same transaction as its switch, or is skipped when none is left.
    """
    plain = [(d, p) for d, p in ready if p.template_id is None]
    sending: list[tuple[Claimed, _Prepared]] = []
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


async def _reserve_and_switch(delivery: Claimed, prepared: _Prepared, token: str) -> str:
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


async def _hand_back(delivery: Claimed, prepared: _Prepared, token: str) -> None:
    """Undo the switch to in flight of a row whose provider was never called (the worker is stopping)."""
    await Delivery.filter(id=delivery.id, lease_owner=token, status=DeliveryStatus.IN_FLIGHT).update(
        status=delivery.status, attempts=F("attempts") - 1, lease_owner=None, leased_until=None
    )
    await _give_back(delivery, prepared)


class _LeaseLost(Exception):
    pass


async def _after_refusal(delivery: Claimed, prepared: _Prepared, exc: ProviderError) -> None:
    if prepared.template_id is None:
        return
    if isinstance(exc, WeChatNotSubscribed):
        # WeChat knows better than our count: the user has none left.
        await WechatSubscription.filter(user_id=delivery.user_id, template_id=prepared.template_id).update(remaining=0)
    else:
        await _give_back(delivery, prepared)


async def _give_back(delivery: Claimed, prepared: _Prepared) -> None:
    if prepared.template_id is not None:
        await WechatSubscription.filter(user_id=delivery.user_id, template_id=prepared.template_id).update(
            remaining=F("remaining") + 1
        )
