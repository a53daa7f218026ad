"""Queue one job for the worker by name: an on-demand run of a worker job (the suspended Kubernetes CronJob and the
systemd template unit yishi-purge@.service call it).

    python deploy/bin/enqueue_job.py FUNCTION [--job-id ID]

Scheduled work runs inside the worker as arq cron jobs (CRON_JOBS of server/<part>/tasks.py); nothing external
schedules it (see deploy/README.md). This script is for an extra run now, e.g. the face-image retention sweep after
the retention period was shortened. The worker runs the job (with its retries and logging); this process only checks
that a worker part registers FUNCTION in its FUNCTIONS (a typo, or a cron-only coroutine the worker cannot run by
name, would otherwise sit in the queue forever) and puts it on the queue. ``--job-id`` (default: FUNCTION and the
current UTC hour) makes a second run in the same hour a no-op, so a retried Kubernetes Job does not queue it twice.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run from anywhere: the repository root is the path


def registered_functions() -> set[str]:
    """What the worker runs when it is queued by name: the coroutines of every part's FUNCTIONS."""
    from server.worker import _collect

    functions, _crons = _collect()
    return {name for f in functions if (name := getattr(f, "__name__", ""))}


def worker_crons() -> dict[str, str]:
    """Coroutine name -> arq cron name of what the worker already schedules itself."""
    from server.worker import _collect

    _functions, crons = _collect()
    return {c.coroutine.__name__: c.name for c in crons}


async def enqueue(function: str, job_id: str) -> bool:
    from server.common import jobs

    try:
        return await jobs.enqueue(function, job_id=job_id) is not None
    finally:
        await jobs.close_pool()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("function")
    parser.add_argument("--job-id")
    args = parser.parse_args(argv)
    known = registered_functions()
    if args.function not in known:
        sys.stderr.write(f"unknown job {args.function!r}; the worker registers: {', '.join(sorted(known)) or 'none'}\n")
        return 2
    if args.function in (crons := worker_crons()):
        sys.stderr.write(f"note: the worker also runs {args.function} on its own schedule ({crons[args.function]})\n")
    job_id = args.job_id or f"{args.function}:{datetime.now(UTC):%Y%m%d%H}"
    queued = asyncio.run(enqueue(args.function, job_id))
    sys.stdout.write(f"{'queued' if queued else 'already queued'} {args.function} job_id={job_id}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
