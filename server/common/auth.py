"""Access tokens and the guard every route uses.

An access token is a short-lived JWT (HS256 only; ``exp``, ``iat``, ``aud``, ``iss`` required and checked) naming
the user, their role and scope, and the session it belongs to. The session must still be alive in Redis, so that
log-out, a password change or a disabled account end access at once rather than when the token expires.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

import jwt
from sanic import Request
from sanic_ext import openapi

from server.common.enums import Role
from server.config import get_settings
from server.errors import AppError, Forbidden, Unauthorized
from server.redis import bounded, hot_redis

ALGORITHM = "HS256"
SESSION_KEY = "session:{sid}"


class TokenMissing(Unauthorized):
    code, message = "TOKEN_MISSING", "请先登录"


class TokenInvalid(Unauthorized):
    code, message = "TOKEN_INVALID", "登录凭证无效，请重新登录"


class TokenExpired(Unauthorized):
    code, message = "TOKEN_EXPIRED", "登录已过期，请刷新或重新登录"


class SessionEnded(Unauthorized):
    code, message = "SESSION_ENDED", "登录已失效，请重新登录"


class RoleForbidden(Forbidden):
    code, message = "ROLE_FORBIDDEN", "当前账号无权使用此功能"


class PasswordChangeRequired(AppError):
    code, status, message = "PASSWORD_CHANGE_REQUIRED", 403, "首次登录请先修改初始密码"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: the user, their role and the scope a reviewer acts in."""

    user_id: int
    role: Role
    session_id: str
    institution_id: int | None = None
    region_code: str | None = None
    must_change_password: bool = False

    @property
    def is_reviewer(self) -> bool:
        return self.role in (Role.INSTITUTION_REVIEWER, Role.OFFICE_REVIEWER, Role.COMMISSION_REVIEWER)


def issue_access_token(principal: Principal, *, ttl_s: int | None = None, now: float | None = None) -> str:
    settings = get_settings()
    issued = int(now if now is not None else time.time())
    claims: dict[str, Any] = {
        "sub": str(principal.user_id),
        "role": principal.role.value,
        "sid": principal.session_id,
        "iat": issued,
        "exp": issued + (ttl_s if ttl_s is not None else settings.access_token_ttl_s),
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "jti": uuid.uuid4().hex,
    }
    if principal.institution_id is not None:
        claims["inst"] = principal.institution_id
    if principal.region_code:
        claims["region"] = principal.region_code
    if principal.must_change_password:
        claims["mcp"] = True
    return jwt.encode(claims, get_settings().secret_key.get_secret_value(), algorithm=ALGORITHM)


def decode_access_token(token: str) -> Principal:
    settings = get_settings()
    try:
        claims = jwt.decode(
            token,
            settings.secret_key.get_secret_value(),
            algorithms=[ALGORITHM],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": ["exp", "iat", "iss", "aud", "sub", "sid"]},
        )
    except jwt.ExpiredSignatureError:
        raise TokenExpired() from None
    except jwt.PyJWTError:
        raise TokenInvalid() from None
    try:
        return Principal(
            user_id=int(claims["sub"]),
            role=Role(claims["role"]),
            session_id=str(claims["sid"]),
            institution_id=claims.get("inst"),
            region_code=claims.get("region"),
            must_change_password=bool(claims.get("mcp", False)),
        )
    except (KeyError, ValueError):
        raise TokenInvalid() from None


class SessionProbe:
    """Coalesces the "is this session still alive" checks of concurrent requests into one Redis MGET per loop tick.

    The answer is as fresh as a per-request EXISTS (each request waits for a read made after it arrived); only the
    round trips are shared, which on a busy process (every candidate saving an answer every few seconds) is most of
    what the guard costs.
    """

    def __init__(self) -> None:
        self._pending: dict[str, list[asyncio.Future[bool]]] = {}
        self._scheduled = False

    async def alive(self, session_id: str) -> bool:
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[bool] = loop.create_future()
        self._pending.setdefault(SESSION_KEY.format(sid=session_id), []).append(fut)
        if not self._scheduled:
            self._scheduled = True
            loop.create_task(self._flush())
        # Each request waits on a future of its own: a caller that hangs up cancels only that one (``_flush`` skips
        # futures already done), so no shield is needed.
        return await fut

    async def _flush(self) -> None:
        await asyncio.sleep(0)
        pending, self._pending, self._scheduled = self._pending, {}, False
        keys = list(pending)
        try:
            values = await bounded(hot_redis().mget(keys))
        except Exception as exc:
            for futures in pending.values():
                for f in futures:
                    if not f.done():
                        f.set_exception(exc)
            return
        for key, value in zip(keys, values, strict=True):
            for f in pending[key]:
                if not f.done():
                    f.set_result(value is not None)


_probe = SessionProbe()

# Tokens whose signature was verified, until they expire: a JWT signature check costs about as much as the rest of
# an answer save, and a candidate sends one token a hundred times an exam. The session is still checked in Redis on
# every request, so a log-out or a disabled account ends access at once; only the signature check is reused.
_verified: OrderedDict[str, tuple[Principal, float]] = OrderedDict()
_VERIFIED_MAX = 50000


def _verify(token: str) -> Principal:
    hit = _verified.get(token)
    if hit is not None and hit[1] > time.time():
        return hit[0]
    principal = decode_access_token(token)
    expires = float(jwt.decode(token, options={"verify_signature": False}).get("exp", 0))
    _verified[token] = (principal, expires)
    while len(_verified) > _VERIFIED_MAX:
        _verified.popitem(last=False)
    return principal


async def authenticate(request: Request) -> Principal:
    """The caller's principal, or an Unauthorized error naming why not."""
    cached = getattr(request.ctx, "principal", None)
    if cached is not None:
        return cached
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenMissing()
    principal = _verify(token.strip())
    if not await _probe.alive(principal.session_id):
        raise SessionEnded()
    request.ctx.principal = principal
    return principal


Handler = Callable[..., Awaitable[Any]]


def require(*roles: Role, allow_password_change: bool = False) -> Callable[[Handler], Handler]:
    """Guard a route: a live session, one of ``roles`` (any role when none given); passes ``principal=``.

    An account that still has an imported initial password may do nothing but change it.
    """

    def decorator(fn: Handler) -> Handler:
        @wraps(fn)
        async def wrapper(request: Request, *args: Any, **kwargs: Any) -> Any:
            principal = await authenticate(request)
            if principal.must_change_password and not allow_password_change:
                raise PasswordChangeRequired()
            if roles and principal.role not in roles:
                raise RoleForbidden()
            return await fn(request, *args, principal=principal, **kwargs)

        return openapi.secured("bearer")(wrapper)

    return decorator
