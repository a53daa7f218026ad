"""Personal data at rest: AES-256-GCM encryption and a keyed blind index for exact look-up.

The blind index (HMAC-SHA256 of the normalised value under a separate key) lets us find a person by ID number
without storing the number in clear, and without the index revealing it to someone who holds only the database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from server.config import get_settings

_VERSION = b"\x01"


@lru_cache(maxsize=4)
def _aead(key_b64: str) -> AESGCM:
    key = base64.b64decode(key_b64)
    if len(key) != 32:
        raise ValueError("DATA_KEY must be base64 of exactly 32 bytes")
    return AESGCM(key)


def encrypt(plain: str, *, context: str = "") -> str:
    """Encrypt ``plain``; ``context`` (e.g. the column name) is bound as associated data."""
    nonce = os.urandom(12)
    box = _aead(get_settings().data_key.get_secret_value())
    sealed = box.encrypt(nonce, plain.encode(), context.encode())
    return base64.urlsafe_b64encode(_VERSION + nonce + sealed).decode()


def decrypt(token: str, *, context: str = "") -> str:
    raw = base64.urlsafe_b64decode(token.encode())
    if raw[:1] != _VERSION:
        raise ValueError("unknown ciphertext version")
    box = _aead(get_settings().data_key.get_secret_value())
    return box.decrypt(raw[1:13], raw[13:], context.encode()).decode()


def normalise_id_number(value: str) -> str:
    return value.strip().upper().replace(" ", "")


def blind_index(value: str, *, purpose: str = "id_number") -> str:
    key = get_settings().blind_index_key.get_secret_value().encode()
    msg = f"{purpose}:{normalise_id_number(value)}".encode()
    return hmac.new(key, msg, hashlib.sha256).hexdigest()
