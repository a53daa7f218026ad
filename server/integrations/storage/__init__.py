"""File storage: the one way every part keeps a file (ID photos, face captures and snapshots, proofs, attachments).

Files get a server-generated key (``<purpose>/<yyyy>/<mm>/<random>.<ext>``); nothing the client sends (file name,
path) reaches the backend. Every file is sealed with AES-256-GCM under the data key before it leaves the process,
with the storage key bound as associated data so one stored file cannot be swapped for another: the backend, its
disks, its backups and its operators only ever hold ciphertext, and the app serves the files back through its own
access checks (there are no public or pre-signed URLs).

Two backends behind the same calls, chosen by ``STORAGE_BACKEND``: ``local`` (DATA_DIR/files, the default) and
``s3`` (S3-compatible object storage: Aliyun OSS, MinIO, AWS S3). Their calls block, so they run on a thread pool of
their own (``STORAGE_THREADS``), off the event loop and without taking the default executor's threads.

Generated documents (application forms, result notices, Excel exports) are rendered on request and never stored.
"""

from __future__ import annotations

import asyncio
import base64
import os
import re
import secrets
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Protocol, TypeVar

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from server.config import Settings, get_settings
from server.integrations.storage.errors import StorageFailed, StorageUnavailable
from server.integrations.storage.local import LocalStorage

__all__ = [
    "ERRORS",
    "Backend",
    "StorageFailed",
    "StorageUnavailable",
    "StoredFile",
    "delete",
    "get_storage",
    "load",
    "save",
    "seal_plaintext",
]

_KEY_RE = re.compile(r"^[a-z_]{1,32}/\d{4}/\d{2}/[A-Za-z0-9_-]{16,64}\.(jpg|png|pdf|bin)$")
_VERSION = b"\x01"  # the first byte of every sealed file: 0x01, 12-byte nonce, AES-256-GCM ciphertext and tag

# What a route that stores or serves a file may answer when the object store fails (for its @raises)
ERRORS = (StorageFailed, StorageUnavailable)

# The one purpose ever stored in clear (assessment proofs, until issue 17 finding 9): what `seal-stored-files` walks.
LEGACY_PLAIN_PREFIX = "assessment_proof/"

T = TypeVar("T")


class Backend(Protocol):
    name: str

    def write(self, key: str, data: bytes) -> None: ...
    def read(self, key: str) -> bytes: ...  # FileNotFoundError when gone
    def remove(self, key: str) -> bool: ...  # False when already gone
    def keys(self, prefix: str = "") -> Iterator[str]: ...


class StoredFile:
    __slots__ = ("key", "size")

    def __init__(self, key: str, size: int) -> None:
        self.key = key
        self.size = size


@lru_cache(maxsize=4)
def _backend(backend: str, root: Path, endpoint: str, bucket: str, prefix: str, key_id: str) -> Backend:
    if backend == "s3":
        from server.integrations.storage.s3 import S3Storage  # boto3 is loaded only where S3 is configured

        return S3Storage(get_settings())
    return LocalStorage(root)


def get_storage(settings: Settings | None = None) -> Backend:
    """The configured backend (one per configuration and process: an S3 client keeps its connection pool)."""
    s = settings or get_settings()
    return _backend(
        s.storage_backend, Path(s.data_dir) / "files", s.s3_endpoint_url, s.s3_bucket, s.s3_prefix, s.s3_access_key_id
    )


@lru_cache(maxsize=1)
def _executor(threads: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=threads, thread_name_prefix="storage")


async def _run(fn: Callable[..., T], *args: object) -> T:
    pool = _executor(get_settings().storage_threads)
    return await asyncio.get_running_loop().run_in_executor(pool, fn, *args)


def _new_key(purpose: str, ext: str) -> str:
    if not re.fullmatch(r"[a-z_]{1,32}", purpose):
        raise ValueError(f"bad storage purpose {purpose!r}")
    now = datetime.now(UTC)
    return f"{purpose}/{now:%Y}/{now:%m}/{secrets.token_urlsafe(24)}.{ext}"


def _check_key(key: str) -> None:
    if not _KEY_RE.fullmatch(key):
        raise ValueError("invalid storage key")


async def save(data: bytes, *, purpose: str, ext: str) -> StoredFile:
    """Seal ``data`` and store it under a fresh server-generated key; returns the key and the plain size."""
    key = _new_key(purpose, ext)
    _check_key(key)
    await _run(get_storage().write, key, _seal(data, key))
    return StoredFile(key, len(data))


async def load(key: str) -> bytes:
    """The plain bytes stored under ``key``; FileNotFoundError when gone (deleted by retention)."""
    _check_key(key)
    return _open(await _run(get_storage().read, key), key)


async def delete(key: str) -> bool:
    """Remove ``key``; False when it was already gone."""
    _check_key(key)
    return await _run(get_storage().remove, key)


def _aead() -> AESGCM:
    return AESGCM(base64.b64decode(get_settings().data_key.get_secret_value()))


def _seal(data: bytes, key: str) -> bytes:
    nonce = os.urandom(12)
    return _VERSION + nonce + _aead().encrypt(nonce, data, key.encode())


def _open(raw: bytes, key: str) -> bytes:
    if raw[:1] != _VERSION:
        raise ValueError("stored file is not sealed (run `python -m server seal-stored-files`)")
    return bytes(_aead().decrypt(raw[1:13], raw[13:], key.encode()))


def _is_sealed(raw: bytes, key: str) -> bool:
    if raw[:1] != _VERSION:
        return False
    try:
        _open(raw, key)
    except Exception:  # a plain file that happens to start with 0x01 does not decrypt
        return False
    return True


def seal_plaintext(backend: Backend | None = None, *, prefix: str = "") -> tuple[int, int]:
    """Seal, in place, every stored file that was kept in clear (assessment proofs before issue 17 finding 9).

    Blocking (the CLI runs it). Safe to run again: a sealed file is recognised by decrypting it. Returns
    (files seen, files sealed now).
    """
    store = backend or get_storage()
    seen = sealed = 0
    for key in list(store.keys(prefix)):
        if not _KEY_RE.fullmatch(key):
            continue
        seen += 1
        raw = store.read(key)
        if not _is_sealed(raw, key):
            store.write(key, _seal(raw, key))
            sealed += 1
    return seen, sealed
