"""Password hashing: argon2id at (at least) the OWASP profile, always off the event loop."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import RFC_9106_LOW_MEMORY

T = TypeVar("T")

# OWASP: m=19 MiB, t=2, p=1. Hashing takes tens of milliseconds, so it must never run on the loop.
MEMORY_KIB = 19 * 1024
TIME_COST = 2
PARALLELISM = 1
# Linux thread niceness of the hashing threads (0 = same as the loop, 19 = only idle CPU)
HASH_THREAD_NICENESS = 10


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    return PasswordHasher(
        time_cost=TIME_COST,
        memory_cost=MEMORY_KIB,
        parallelism=PARALLELISM,
        hash_len=32,
        salt_len=16,
        type=RFC_9106_LOW_MEMORY.type,
    )


def hash_password_sync(password: str) -> str:
    return _hasher().hash(password)


def verify_password_sync(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _lower_priority() -> None:
    """Let the event loop's thread win the CPU over hashing: a burst then waits longer, nobody else waits."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASH_THREAD_NICENESS)
    except (AttributeError, OSError):  # not Linux, or not permitted: plain priority is still correct
        pass


@lru_cache(maxsize=1)
def _pool() -> ThreadPoolExecutor:
    """Hashing threads of their own, one per core: a log-in burst queues here instead of taking the default
    executor from OpenCV and PDF work, and never has more CPU-bound threads than cores competing with the loop."""
    return ThreadPoolExecutor(
        max_workers=max(1, os.cpu_count() or 1), thread_name_prefix="argon2", initializer=_lower_priority
    )


async def run_on_hashing_pool(fn: Callable[..., T], *args: Any) -> T:
    """Other CPU-bound password work (the strength estimate) queues with the hashing, off the loop."""
    return await asyncio.get_running_loop().run_in_executor(_pool(), fn, *args)


async def hash_password(password: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(_pool(), hash_password_sync, password)


async def verify_password(password_hash: str, password: str) -> bool:
    return await asyncio.get_running_loop().run_in_executor(_pool(), verify_password_sync, password_hash, password)


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)
