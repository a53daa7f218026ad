"""Image captchas shown after repeated log-in failures. The answer lives in Redis for five minutes, used once."""

from __future__ import annotations

import asyncio
import base64
import secrets
import uuid
from functools import lru_cache

from captcha.image import ImageCaptcha

from server.redis import get_redis

CAPTCHA_TTL_S = 300
# No 0/O, 1/I/L: they are easy to confuse in a distorted image.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_KEY = "captcha:{id}"


@lru_cache(maxsize=1)
def _generator() -> ImageCaptcha:
    return ImageCaptcha(width=160, height=60)


def _render(text: str) -> bytes:
    return _generator().generate(text, format="png").getvalue()


async def new_captcha() -> tuple[str, str]:
    """(captcha_id, data: URL of a PNG)."""
    text = "".join(secrets.choice(_ALPHABET) for _ in range(4))
    captcha_id = uuid.uuid4().hex
    await get_redis().set(_KEY.format(id=captcha_id), text, ex=CAPTCHA_TTL_S)
    png = await asyncio.to_thread(_render, text)
    return captcha_id, "data:image/png;base64," + base64.b64encode(png).decode()


async def check_captcha(captcha_id: str | None, answer: str | None) -> bool:
    """True when the answer is right; the captcha is spent either way."""
    if not captcha_id or not answer:
        return False
    key = _KEY.format(id=captcha_id)
    async with get_redis().pipeline(transaction=True) as pipe:
        pipe.get(key)
        pipe.delete(key)
        expected, _ = await pipe.execute()
    # Bytes: compare_digest refuses str with non-ASCII characters, and an answer may hold anything a client sends
    return bool(expected) and secrets.compare_digest(str(expected).upper().encode(), answer.strip().upper().encode())


async def peek_answer(captcha_id: str) -> str | None:
    """For tests only: what the image shows."""
    value = await get_redis().get(_KEY.format(id=captcha_id))
    return str(value) if value is not None else None
