"""Event-loop lag: how late the loop wakes a timer, i.e. how long something held it.

A blocking call on the loop (hashing, OpenCV, a synchronous SDK) delays every request in the process; this
monitor makes that visible in /metrics (``event_loop_lag_seconds``) so a regression shows up before users feel it.
A wake-up that is ``interval`` late means the loop was held for at least that long.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from server.common import metrics


class LoopLagMonitor:
    """Sleeps ``interval`` seconds in a loop and records how late each wake-up is."""

    def __init__(self, interval: float = 0.02) -> None:
        self.interval = interval
        self.max_lag = 0.0
        self.samples = 0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="loop-lag-monitor")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def reset(self) -> None:
        self.max_lag = 0.0
        self.samples = 0

    async def _run(self) -> None:
        clock = time.perf_counter
        while True:
            expected = clock() + self.interval
            await asyncio.sleep(self.interval)
            lag = max(0.0, clock() - expected)
            self.samples += 1
            if lag > self.max_lag:
                self.max_lag = lag
            metrics.LOOP_LAG.observe(lag)
