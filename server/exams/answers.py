"""The answer-save hot path: group commit of concurrent saves into one upsert statement.

Thousands of candidates save an answer every few seconds in the last days of a window. One ORM write per request
tops out near 1k/s on PostgreSQL, so each process runs one :class:`AnswerWriter` that collects the saves arriving
while the previous write is in flight and writes them in ONE statement (autocommit: one transaction). A save is
acknowledged only after that statement has committed.

The statement itself enforces the rules that must hold at the moment of writing: the attempt is still in progress
and the question's section is the current one (the row is locked ``FOR SHARE`` on PostgreSQL so that scoring, which
updates it, waits for in-flight saves and then sees them), and a save with a lower ``seq`` never overwrites a
newer one (``WHERE exam_answer.seq < excluded.seq``). Rows the statement did not write are then classified: a
newer or equal answer is already stored (``stale``: acknowledged, durable, not applied) or the attempt or section
is closed (``closed``: refused).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from tortoise import connections

from server.common import outage

log = logging.getLogger(__name__)

Outcome = Literal["applied", "stale", "closed"]
MAX_BATCH = 400

_PG_UPSERT = """
INSERT INTO exam_answer (attempt_id, question_ref, option_ids, seq, saved_at)
SELECT u.a, u.q, u.o, u.s, $6
FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::text[]) AS u(a, q, o, s, sec)
JOIN (
    SELECT id, current_section FROM exam_attempt
    WHERE id = ANY($1::bigint[]) AND status = 'in_progress'
    ORDER BY id FOR SHARE
) AS ea ON ea.id = u.a AND ea.current_section = u.sec
ON CONFLICT (attempt_id, question_ref) DO UPDATE
    SET option_ids = EXCLUDED.option_ids, seq = EXCLUDED.seq, saved_at = EXCLUDED.saved_at
    WHERE exam_answer.seq < EXCLUDED.seq
RETURNING attempt_id, question_ref
"""

_SQLITE_UPSERT = """
WITH u(a, q, o, s, sec) AS (VALUES {values})
INSERT INTO exam_answer (attempt_id, question_ref, option_ids, seq, saved_at)
SELECT u.a, u.q, u.o, u.s, ? FROM u JOIN exam_attempt AS ea ON ea.id = u.a
WHERE ea.status = 'in_progress' AND ea.current_section = u.sec
ON CONFLICT (attempt_id, question_ref) DO UPDATE
    SET option_ids = excluded.option_ids, seq = excluded.seq, saved_at = excluded.saved_at
    WHERE exam_answer.seq < excluded.seq
RETURNING attempt_id, question_ref
"""


@dataclass(slots=True)
class _Save:
    attempt_id: int
    question_ref: str
    option_ids: str
    seq: int
    section: str
    future: asyncio.Future[tuple[Outcome, datetime]] = field(repr=False)


async def _fetch(sql: str, args: list[Any]) -> list[tuple[Any, ...]]:
    conn: Any = connections.get("default")
    pool = getattr(conn, "_pool", None)
    if pool is not None and conn.capabilities.dialect == "postgres":
        async with pool.acquire() as raw:
            return [tuple(r) for r in await raw.fetch(sql, *args)]
    _, rows = await conn.execute_query(sql, args)
    return [tuple(r) for r in rows]


async def _write(batch: list[_Save], now: datetime) -> dict[tuple[int, str], Outcome]:
    conn: Any = connections.get("default")
    if conn.capabilities.dialect == "postgres":
        rows = await _fetch(
            _PG_UPSERT,
            [
                [s.attempt_id for s in batch],
                [s.question_ref for s in batch],
                [s.option_ids for s in batch],
                [s.seq for s in batch],
                [s.section for s in batch],
                now,
            ],
        )
        placeholder = "$1"
        placeholder2 = "$2"
    else:
        args: list[Any] = []
        for s in batch:
            args += [s.attempt_id, s.question_ref, s.option_ids, s.seq, s.section]
        args.append(now)
        sql = _SQLITE_UPSERT.format(values=", ".join(["(?, ?, ?, ?, ?)"] * len(batch)))
        rows = await _fetch(sql, args)
        placeholder = placeholder2 = "?"
    applied = {(int(r[0]), str(r[1])) for r in rows}
    outcomes: dict[tuple[int, str], Outcome] = {}
    for s in batch:
        key = (s.attempt_id, s.question_ref)
        if key in applied:
            outcomes[key] = "applied"
            continue
        # Rare path: either a newer save is stored (stale, durable) or the attempt/section is closed.
        found = await _fetch(
            f"SELECT seq FROM exam_answer WHERE attempt_id = {placeholder} AND question_ref = {placeholder2}",
            [s.attempt_id, s.question_ref],
        )
        outcomes[key] = "stale" if found and int(found[0][0]) >= s.seq else "closed"
    return outcomes


class AnswerWriter:
    """Per-process group commit of answer saves: at most two statements in flight, each taking every save queued.

    Two in flight, not one, so that a slow commit (an fsync spike) does not hold every later save behind it; the
    ``seq`` guard in the statement makes the order in which two batches commit irrelevant.
    """

    MAX_IN_FLIGHT = 2

    def __init__(self) -> None:
        self._pending: list[_Save] = []
        self._in_flight = 0
        self._scheduled = False

    async def save(
        self, *, attempt_id: int, question_ref: str, option_ids: str, seq: int, section: str
    ) -> tuple[Outcome, datetime]:
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[tuple[Outcome, datetime]] = loop.create_future()
        self._pending.append(_Save(attempt_id, question_ref, option_ids, seq, section, fut))
        self._kick()
        # A client that hangs up cancels only its own future: the save stays in the batch and is written regardless.
        return await fut

    def _kick(self) -> None:
        if self._pending and not self._scheduled and self._in_flight < self.MAX_IN_FLIGHT:
            self._scheduled = True
            self._in_flight += 1
            asyncio.get_running_loop().create_task(self._run_one())

    async def _run_one(self) -> None:
        try:
            await asyncio.sleep(0)  # let the saves already parsed in this loop tick join the batch
            self._scheduled = False
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            if batch:
                await self._flush(batch)
        finally:
            self._in_flight -= 1
            self._kick()

    async def _flush(self, batch: list[_Save]) -> None:
        # One row per (attempt, question) per statement (ON CONFLICT cannot touch a row twice): the highest seq
        # wins, the others share its fate. Sorted so that concurrent batches lock rows in the same order.
        best: dict[tuple[int, str], _Save] = {}
        for s in batch:
            key = (s.attempt_id, s.question_ref)
            if key not in best or s.seq > best[key].seq:
                best[key] = s
        rows = sorted(best.values(), key=lambda s: (s.attempt_id, s.question_ref))
        now = datetime.now(UTC)
        try:
            outcomes = await _write(rows, now)
        except Exception as exc:  # the whole batch failed: nobody is acknowledged
            if outage.classify(exc) is None:
                log.exception("answer batch failed", extra={"rows": len(rows)})
            # else each waiting request answers 503 and the outage is logged there, once, not per batch
            for s in batch:
                if not s.future.done():
                    s.future.set_exception(exc)
            return
        for s in batch:
            key = (s.attempt_id, s.question_ref)
            outcome = outcomes[key]
            if best[key] is not s and outcome == "applied":
                outcome = "stale"
            if not s.future.done():
                s.future.set_result((outcome, now))


_writer: AnswerWriter | None = None


def writer() -> AnswerWriter:
    global _writer
    if _writer is None:
        _writer = AnswerWriter()
    return _writer
