"""File storage: the one way every part keeps an uploaded file.

Files live outside any web root under a server-generated name (``<purpose>/<yyyy>/<mm>/<random>.<ext>``); nothing the
client sends (file name, path) reaches the file system. ``encrypt=True`` seals the bytes with AES-256-GCM under the
data key (face images, ID photos); the key is bound to the storage key so a file cannot be swapped for another.
The local directory backend is the default; object storage plugs in behind the same three calls.
"""

from __future__ import annotations

import asyncio
import base64
import os
import re
import secrets
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from server.config import get_settings
from server.integrations.storage.local import LocalStorage

__all__ = ["StoredFile", "delete", "get_storage", "load", "save"]

_KEY_RE = re.compile(r"^[a-z_]{1,32}/\d{4}/\d{2}/[A-Za-z0-9_-]{16,64}\.(jpg|png|pdf|bin)$")


class StoredFile:
    __slots__ = ("key", "size")

    def __init__(self, key: str, size: int) -> None:
        self.key = key
        self.size = size


_storage: LocalStorage | None = None


def get_storage() -> LocalStorage:
    global _storage
    root = Path(get_settings().data_dir) / "files"
    if _storage is None or _storage.root != root:
        _storage = LocalStorage(root)
    return _storage


def _new_key(purpose: str, ext: str) -> str:
    if not re.fullmatch(r"[a-z_]{1,32}", purpose):
        raise ValueError(f"bad storage purpose {purpose!r}")
    now = datetime.now(UTC)
    return f"{purpose}/{now:%Y}/{now:%m}/{secrets.token_urlsafe(24)}.{ext}"


def _check_key(key: str) -> None:
    if not _KEY_RE.fullmatch(key):
        raise ValueError("invalid storage key")


async def save(data: bytes, *, purpose: str, ext: str, encrypt: bool = False) -> StoredFile:
    """Store ``data`` under a fresh server-generated key and return it (written off the event loop)."""
    key = _new_key(purpose, ext)
    payload = _seal(data, key) if encrypt else data
    await asyncio.get_running_loop().run_in_executor(None, get_storage().write, key, payload)
    return StoredFile(key, len(data))


async def load(key: str, *, encrypted: bool = False) -> bytes:
    """The bytes stored under ``key``; FileNotFoundError when gone (deleted by retention)."""
    _check_key(key)
    raw = await asyncio.get_running_loop().run_in_executor(None, get_storage().read, key)
    return _open(raw, key) if encrypted else raw


async def delete(key: str) -> bool:
    """Remove ``key``; False when it was already gone."""
    _check_key(key)
    return await asyncio.get_running_loop().run_in_executor(None, get_storage().remove, key)


def _aead():  # type: ignore[no-untyped-def]
    return AESGCM(base64.b64decode(get_settings().data_key.get_secret_value()))


def _seal(data: bytes, key: str) -> bytes:
    nonce = os.urandom(12)
    return b"\x01" + nonce + _aead().encrypt(nonce, data, key.encode())


def _open(raw: bytes, key: str) -> bytes:
    if raw[:1] != b"\x01":
        raise ValueError("unknown file encryption version")
    return bytes(_aead().decrypt(raw[1:13], raw[13:], key.encode()))
