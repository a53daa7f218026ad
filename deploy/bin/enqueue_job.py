"""Queue one job for the worker by name: the body of the Kubernetes CronJobs and systemd timers.

    python deploy/bin/enqueue_job.py FUNCTION [--job-id ID]

The worker runs the job (with its retries and logging); this process only checks that a worker part registers
FUNCTION (a typo would otherwise sit in the queue forever) and puts it on the queue. ``--job-id`` (default:
FUNCTION and the current UTC hour) makes a second run in the same hour a no-op, so a CronJob retried by Kubernetes
does not queue the same purge twice.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run from anywhere: the repository root is the path


def registered_functions() -> set[str]:
    from server.worker import _collect

    functions, crons = _collect()
    names = {getattr(f, "name", None) or getattr(f, "__name__", "") for f in functions}
    names |= {getattr(c, "name", "") for c in crons}
    return {n for n in names if n}


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
    job_id = args.job_id or f"{args.function}:{datetime.now(UTC):%Y%m%d%H}"
    queued = asyncio.run(enqueue(args.function, job_id))
    sys.stdout.write(f"{'queued' if queued else 'already queued'} {args.function} job_id={job_id}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
