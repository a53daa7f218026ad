"""A worker that dies mid-delivery: every event reaches the inbox exactly once, and no provider is called twice."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from server.common.models import OutboxEvent
from server.notifications import delivery, fanout, recovery
from server.notifications.drain import drain
from server.notifications.models import Delivery, DeliveryStatus, InboxMessage
from tests.support.factories import physician
from tests.support.notifications import device, emit_event, later


class Crash(Exception):
    pass


async def test_crash_between_provider_accept_and_commit_never_resends(
    emu: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    users = [await physician() for _ in range(5)]
    for user in users:
        await device(user)
        await emit_event(user, "account.security", {"action": "password.changed"})
    real_finish_sent = delivery._finish_sent
    crashed: list[int] = []

    async def crash_after_send(answered: list[tuple[Delivery, Any]], token: str) -> None:
        if answered and not crashed:
            crashed.append(len(answered))
            raise Crash("worker died after the provider accepted")
        await real_finish_sent(answered, token)

    monkeypatch.setattr(delivery, "_finish_sent", crash_after_send)
    await drain()
    monkeypatch.setattr(delivery, "_finish_sent", real_finish_sent)
    # the answers of a chunk commit together: the crash left the whole chunk unrecorded, in flight
    assert crashed == [5]
    assert emu.state.call_count("aliyun.MassPush") == 1  # the five pushes went out in one call
    in_flight = sorted(d.id for d in await Delivery.filter(status=DeliveryStatus.IN_FLIGHT))
    assert len(in_flight) == 5
    assert len(emu.state.pushes) == 5  # the provider accepted all five

    # a restarted worker before the lease runs out leaves them alone
    await drain()
    assert await Delivery.filter(status=DeliveryStatus.IN_FLIGHT).count() == 5
    # after the lease: recovery marks them, never resends
    stats = await drain(now=later(delivery.LEASE.total_seconds() + 1))
    assert stats.recovered == 5
    dead = await Delivery.filter(status=DeliveryStatus.DEAD)
    assert sorted(d.id for d in dead) == in_flight
    assert all(d.error_code == recovery.OUTCOME_UNKNOWN for d in dead)
    await drain(now=later(86400))
    assert len(emu.state.pushes) == 5
    assert sorted(p.extras["delivery_id"] for p in emu.state.pushes) == sorted(
        await Delivery.filter(channel="push").values_list("id", flat=True)
    )
    assert await InboxMessage.all().count() == 5
    assert await OutboxEvent.filter(delivered_at=None).count() == 0


async def test_cancelled_worker_mid_call_then_recovery(emu: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Cancellation (SIGTERM with a hard stop) while the provider call runs: the row stays in flight."""
    user = await physician()
    await device(user)
    await emit_event(user, "account.security", {"action": "password.changed"})
    await fanout.dispatch_events()
    started = asyncio.Event()
    real_in_thread = delivery._in_thread

    async def slow_in_thread(call: Any) -> Any:
        result = await real_in_thread(call)
        started.set()
        await asyncio.sleep(30)
        return result

    monkeypatch.setattr(delivery, "_in_thread", slow_in_thread)
    monkeypatch.setattr(delivery, "STOP_GRACE_S", 0.5)
    task = asyncio.create_task(delivery.deliver_due())
    await asyncio.wait_for(started.wait(), 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    monkeypatch.undo()
    push = await Delivery.get(channel="push")
    assert push.status == DeliveryStatus.IN_FLIGHT
    await drain(now=later(delivery.LEASE.total_seconds() + 1))
    push = await Delivery.get(channel="push")
    assert push.status == DeliveryStatus.DEAD and push.error_code == recovery.OUTCOME_UNKNOWN
    assert len(emu.state.pushes) == 1


async def test_stopping_worker_records_calls_already_made(emu: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGTERM (arq cancels the job): calls already made are recorded, calls not started are handed back."""
    users = [await physician() for _ in range(3)]
    for user in users:
        await device(user)
        await emit_event(user, "account.security", {"action": "password.changed"})
    await fanout.dispatch_events()
    monkeypatch.setattr(delivery, "CONCURRENCY", 1)
    monkeypatch.setattr(delivery, "MASS_PUSH_MAX", 1)  # one call per row, so that one is made and two are not
    started = asyncio.Event()
    real_in_thread = delivery._in_thread

    async def slow_in_thread(call: Any) -> Any:
        started.set()
        await asyncio.sleep(0.5)
        return await real_in_thread(call)

    monkeypatch.setattr(delivery, "_in_thread", slow_in_thread)
    task = asyncio.create_task(delivery.deliver_due())
    await asyncio.wait_for(started.wait(), 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    monkeypatch.undo()
    statuses = sorted(str(d.status) for d in await Delivery.filter(channel="push"))
    assert statuses == ["pending", "pending", "sent"]
    assert await Delivery.filter(channel="push", lease_owner__not_isnull=True).count() == 0
    await drain()  # at once: nothing waits for a lease to run out
    assert await Delivery.filter(channel="push", status=DeliveryStatus.SENT).count() == 3
    assert len(emu.state.pushes) == 3


async def test_crash_after_claim_before_sending_is_delivered_later(emu: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    user = await physician()
    await device(user)
    await emit_event(user, "account.security", {"action": "password.changed"})

    async def die(*args: Any, **kwargs: Any) -> bool:
        raise Crash("worker died holding the lease")

    monkeypatch.setattr(delivery, "_mark_in_flight", die)
    await drain()
    monkeypatch.undo()
    push = await Delivery.get(channel="push")
    assert push.status == DeliveryStatus.PENDING and push.lease_owner is not None
    await drain()  # lease still held
    assert emu.state.pushes == []
    await drain(now=later(delivery.LEASE.total_seconds() + 1))
    push = await Delivery.get(channel="push")
    assert push.status == DeliveryStatus.SENT
    assert len(emu.state.pushes) == 1


async def test_crash_during_dispatch_and_concurrent_workers_write_one_inbox_message(emu: Any) -> None:
    users = [await physician() for _ in range(30)]
    for user in users:
        await device(user)
        await emit_event(user, "account.security", {"action": "password.changed"})
    # two workers draining at once
    await asyncio.gather(drain(), drain(), drain())
    assert await InboxMessage.all().count() == 30
    assert await Delivery.filter(channel="inbox").count() == 30
    assert await Delivery.filter(channel="push", status=DeliveryStatus.SENT).count() == 30
    assert len(emu.state.pushes) == 30
    assert len({p.extras["event_id"] for p in emu.state.pushes}) == 30
    # an event dispatched twice (a worker that died after writing but before marking) stays single
    await OutboxEvent.all().update(dispatched_at=None)
    await drain()
    assert await InboxMessage.all().count() == 30
    assert await Delivery.all().count() == 60
    assert len(emu.state.pushes) == 30
