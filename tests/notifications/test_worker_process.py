"""The real worker process (`python -m server worker`), killed with SIGKILL mid-drain and started again."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from server.common.models import OutboxEvent
from server.notifications import delivery, recovery
from server.notifications.models import FINAL_STATUSES, Delivery, DeliveryStatus, InboxMessage
from tests.support.factories import physician
from tests.support.notifications import device, emit_event, later

pytestmark = pytest.mark.system

ROOT = Path(__file__).resolve().parents[2]
EVENTS = (
    450  # three chunks of at most 200 rows (RECORD_EVERY), recorded one after the other: the kill comes after the first
)


def _start_worker(log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "server", "worker"],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


async def _wait_for(predicate: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await predicate():
            return True
        await asyncio.sleep(0.1)
    return False


async def test_sigkill_mid_drain_then_restart_delivers_each_event_once(emu: Any, tmp_path: Path) -> None:
    for _ in range(EVENTS):
        user = await physician()
        await device(user)
        await emit_event(user, "account.security", {"action": "password.changed"})
    # A slow provider (each push call takes 0.3 s more), so that the worker is surely killed in the middle: its
    # MassPush calls carry a hundred pushes each and would otherwise finish 150 events before the kill.
    emu.state.set_latency("aliyun.MassPush", 0.3)
    emu.state.set_latency("aliyun.Push", 0.3)
    log = tmp_path / "worker.log"
    worker = _start_worker(log)
    try:

        async def some_sent() -> bool:
            return await Delivery.filter(channel="push", status=DeliveryStatus.SENT).count() >= 10

        assert await _wait_for(some_sent, 60), log.read_text()
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    sent_at_kill = await Delivery.filter(channel="push", status=DeliveryStatus.SENT).count()
    assert sent_at_kill < EVENTS, "the worker finished before it was killed; nothing was tested"

    # What a restarted worker does once the dead worker's leases have run out (the lease is 2 minutes; the test
    # moves the clock instead of waiting)
    await recovery.recover_stale(now=later(delivery.LEASE.total_seconds() + 1))
    await Delivery.filter(status__in=delivery.CLAIMABLE).update(lease_owner=None, leased_until=None)
    worker = _start_worker(log)
    try:

        async def all_final() -> bool:
            open_ = await Delivery.exclude(status__in=FINAL_STATUSES).count()
            undispatched = await OutboxEvent.filter(dispatched_at=None).count()
            return open_ == 0 and undispatched == 0

        assert await _wait_for(all_final, 120), log.read_text()
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(5)

    # the inbox: exactly one message per event
    assert await InboxMessage.all().count() == EVENTS
    assert len(set(await InboxMessage.all().values_list("event_id", flat=True))) == EVENTS
    # the provider: never twice for one delivery; every "sent" really went out once
    per_delivery = Counter(p.extras["delivery_id"] for p in emu.state.pushes)
    assert max(per_delivery.values()) == 1
    sent = set(await Delivery.filter(channel="push", status=DeliveryStatus.SENT).values_list("id", flat=True))
    assert sent <= set(per_delivery)
    unknown = set(
        await Delivery.filter(channel="push", error_code=recovery.OUTCOME_UNKNOWN).values_list("id", flat=True)
    )
    assert len(sent) + len(unknown) == EVENTS
    assert set(per_delivery) <= sent | unknown
