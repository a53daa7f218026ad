"""SMS verification codes: issue, send, verify. Codes are stored as an HMAC, used once, and die after five misses.

Send limits (1 a minute, 5 an hour, 10 a day) hold per phone and per client IP, counted in Redis by one Lua script
that checks every window before counting any, so a refused request does not use up the caller's quota.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
from collections.abc import Coroutine
from enum import StrEnum
from functools import lru_cache
from typing import Any

from server.accounts.errors import SmsCodeAttemptsExceeded, SmsCodeInvalid, SmsNotConfigured, SmsSendLimited
from server.config import get_settings
from server.errors import AppError
from server.integrations.aliyun import AliyunConfig, SmsClient
from server.redis import get_redis

log = logging.getLogger(__name__)

MAX_WRONG_TRIES = 5
# (name, limit, window seconds)
SEND_LIMITS: tuple[tuple[str, int, int], ...] = (("minute", 1, 60), ("hour", 5, 3600), ("day", 10, 86400))
# Per client IP the windows are wider: a hospital's NAT or a carrier-grade NAT puts many honest people behind one
# address, while one script sending to many numbers from one address is still stopped within a minute.
IP_SEND_LIMITS: tuple[tuple[str, int, int], ...] = (("minute", 10, 60), ("hour", 50, 3600), ("day", 200, 86400))

_CODE_KEY = "sms:code:{purpose}:{phone}"
_LIMIT_KEY = "sms:limit:{scope}:{value}:{window}"

# KEYS: counters; ARGV: limit1, window1, limit2, window2 … Answers 0, or the seconds to wait.
_LIMIT_SCRIPT = """
for i, key in ipairs(KEYS) do
  local n = tonumber(redis.call('GET', key) or '0')
  if n >= tonumber(ARGV[i * 2 - 1]) then
    local ttl = redis.call('TTL', key)
    if ttl < 1 then ttl = 1 end
    return ttl
  end
end
for i, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then redis.call('EXPIRE', key, ARGV[i * 2]) end
end
return 0
"""

# KEYS[1]: the code; ARGV: hash, max tries, keep (1: a right code stays for a second call that uses it up).
# Answers 1 ok, 0 none, -1 wrong, -2 wrong and now void.
_VERIFY_SCRIPT = """
local h = redis.call('HGET', KEYS[1], 'h')
if not h then return 0 end
if h == ARGV[1] then
  if ARGV[3] ~= '1' then redis.call('DEL', KEYS[1]) end
  return 1
end
local n = redis.call('HINCRBY', KEYS[1], 'tries', 1)
if n >= tonumber(ARGV[2]) then
  redis.call('DEL', KEYS[1])
  return -2
end
return -1
"""


class SmsPurpose(StrEnum):
    REGISTER = "register"
    LOGIN = "login"
    RESET_PASSWORD = "reset_password"
    CHANGE_PHONE = "change_phone"


def _code_hash(purpose: str, phone: str, code: str) -> str:
    key = get_settings().secret_key.get_secret_value().encode()
    return hmac.new(key, f"sms:{purpose}:{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def code_ttl_minutes() -> int:
    """The one setting behind both a code's lifetime and the minutes its text promises."""
    return get_settings().sms_code_ttl_minutes


def code_ttl_s() -> int:
    return code_ttl_minutes() * 60


def new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


async def take_send_quota(*, phone: str, ip: str | None) -> None:
    """Count one send against the phone's and the IP's windows, or raise SmsSendLimited with Retry-After."""
    keys: list[str] = []
    args: list[str] = []
    scopes = [("phone", phone, SEND_LIMITS)] + ([("ip", ip, IP_SEND_LIMITS)] if ip else [])
    for scope, value, limits in scopes:
        for window, limit, seconds in limits:
            keys.append(_LIMIT_KEY.format(scope=scope, value=value, window=window))
            args.extend((str(limit), str(seconds)))
    wait = int(await get_redis().eval(_LIMIT_SCRIPT, len(keys), *keys, *args))  # type: ignore[misc]
    if wait:
        raise SmsSendLimited(details={"retry_after_s": wait}, headers={"Retry-After": str(wait)})


async def store_code(*, purpose: StrEnum, phone: str, code: str) -> None:
    """Keep the code's HMAC for ``phone`` (any address: e-mail codes use ``mail:<address>``) and ``purpose``."""
    key = _CODE_KEY.format(purpose=purpose.value, phone=phone)
    async with get_redis().pipeline(transaction=True) as pipe:
        pipe.delete(key)
        pipe.hset(key, mapping={"h": _code_hash(purpose.value, phone, code), "tries": 0})
        pipe.expire(key, code_ttl_s())
        await pipe.execute()


async def verify_code(*, purpose: StrEnum, phone: str, code: str, field: str = "sms_code", keep: bool = False) -> None:
    """Use up the code if it is right (``keep``: leave a right code for the call that will use it up; a wrong one
    counts as a miss all the same); raise SmsCodeInvalid or SmsCodeAttemptsExceeded otherwise."""
    key = _CODE_KEY.format(purpose=purpose.value, phone=phone)
    digest = _code_hash(purpose.value, phone, code)
    args = (digest, str(MAX_WRONG_TRIES), "1" if keep else "0")
    result = int(await get_redis().eval(_VERIFY_SCRIPT, 1, key, *args))  # type: ignore[misc]
    if result == 1:
        return
    if result == -2:
        raise SmsCodeAttemptsExceeded(field=field)
    raise SmsCodeInvalid(field=field)


@lru_cache(maxsize=4)
def _client(config: AliyunConfig) -> SmsClient:
    return SmsClient(config)


def sms_client() -> SmsClient:
    s = get_settings()
    return _client(
        AliyunConfig(
            access_key_id=s.aliyun_access_key_id,
            access_key_secret=s.aliyun_access_key_secret.get_secret_value(),
            region_id=s.aliyun_region_id,
            sms_endpoint=s.aliyun_sms_endpoint or None,
            push_endpoint=s.aliyun_push_endpoint or None,
            protocol=s.aliyun_protocol,
            sms_sign_name=s.sms_sign_name,
            push_app_key=s.push_app_key,
        )
    )


def ensure_configured(purpose: SmsPurpose) -> str:
    """The provider template for ``purpose``, or SmsNotConfigured (the same for every phone)."""
    template = get_settings().sms_templates.get(purpose.value)
    if not template:
        raise SmsNotConfigured()
    return template


async def deliver_code(*, purpose: SmsPurpose, phone: str, code: str) -> None:
    """Send through Aliyun (in a thread); provider errors propagate as their own typed AppErrors."""
    template = ensure_configured(purpose)
    params = {"code": code, "minutes": str(code_ttl_minutes())}
    await asyncio.to_thread(sms_client().send, phone, template, params)


# ---------------------------------------------------------------- sending after the answer
#
# A code is sent after the request has been answered, by a task of this process, for every phone alike: whether the
# provider is called (50 ms) or not (the purpose does not fit the phone) must not show in the answer's timing. A
# task rather than a job of the queue: a code is wanted within seconds, and one lost to a restart is simply asked
# for again (it lives ten minutes).

_sending: set[asyncio.Task[None]] = set()


async def _guarded(work: Coroutine[Any, Any, None]) -> None:
    try:
        await work
    except AppError as exc:  # a provider refusal or outage: the person asks again; nobody else may learn of it
        log.warning("sms code not sent", extra={"code": exc.code})
    except Exception:
        log.exception("sms code not sent")


def send_later(work: Coroutine[Any, Any, None]) -> None:
    """Run ``work`` (deciding whether to send and sending) after the answer; errors are logged, never raised."""
    task = asyncio.get_running_loop().create_task(_guarded(work))
    _sending.add(task)
    task.add_done_callback(_sending.discard)


async def settle() -> None:
    """Wait until every code being sent is sent (server stop, and tests that read the SMS inbox)."""
    while _sending:
        await asyncio.gather(*list(_sending), return_exceptions=True)
