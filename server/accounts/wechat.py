"""WeChat mini-program: log-in by code, register or bind with a ticket, bind and unbind a signed-in account."""

from __future__ import annotations

import asyncio
import secrets
from functools import lru_cache

from server.accounts.errors import WechatAlreadyBound, WechatNotBound, WechatTicketInvalid
from server.accounts.login import open_login
from server.accounts.models import User, WechatBinding
from server.accounts.registration import check_agreements, create_user
from server.accounts.rules import enforce_password_rules
from server.accounts.sessions import Tokens
from server.common import audit
from server.config import get_settings
from server.db import run_atomic
from server.integrations.wechat import MiniProgramClient, WeChatConfig, WxSession
from server.redis import get_redis

WECHAT_TICKET_TTL_S = 10 * 60

_TICKET_KEY = "wechat:ticket:{ticket}"


@lru_cache(maxsize=4)
def _wechat(config: WeChatConfig) -> MiniProgramClient:
    return MiniProgramClient(config)


def wechat_client() -> MiniProgramClient:
    s = get_settings()
    return _wechat(
        WeChatConfig(
            app_id=s.wechat_app_id,
            app_secret=s.wechat_app_secret.get_secret_value(),
            api_base=s.wechat_api_base or None,
            redis_url=s.redis_url,
        )
    )


async def _code_to_session(code: str) -> WxSession:
    return await asyncio.to_thread(wechat_client().code_to_session, code)


async def wechat_log_in(*, code: str, ip: str | None, user_agent: str | None) -> Tokens | str:
    """Tokens when the openid is bound, else a short-lived ticket to register or bind with."""
    wx = await _code_to_session(code)
    binding = await WechatBinding.get_or_none(openid=wx.openid).prefetch_related("user")
    if binding is not None:
        return await run_atomic(open_login, binding.user, ip=ip, user_agent=user_agent, method="wechat")
    ticket = secrets.token_urlsafe(32)
    value = f"{wx.openid}\n{wx.unionid or ''}"
    await get_redis().set(_TICKET_KEY.format(ticket=ticket), value, ex=WECHAT_TICKET_TTL_S)
    return ticket


async def _take_ticket(ticket: str) -> tuple[str, str | None]:
    key = _TICKET_KEY.format(ticket=ticket)
    async with get_redis().pipeline(transaction=True) as pipe:
        pipe.get(key)
        pipe.delete(key)
        value, _ = await pipe.execute()
    if not value:
        raise WechatTicketInvalid(field="wechat_ticket")
    openid, _, unionid = str(value).partition("\n")
    return openid, unionid or None


async def wechat_register(
    *,
    wechat_ticket: str,
    phone_code: str,
    password: str | None,
    agreement_version: str,
    privacy_version: str,
    ip: str | None,
    user_agent: str | None,
) -> Tokens:
    """Register (or bind an existing account) with WeChat's phone-number verification instead of an SMS code."""
    check_agreements(agreement_version, privacy_version)
    openid, unionid = await _take_ticket(wechat_ticket)
    phone = await asyncio.to_thread(wechat_client().get_phone_number, phone_code)
    existing = await User.get_or_none(phone=phone)
    if password is not None:
        await enforce_password_rules(password, phone=phone, user=existing, field="password")

    async def body() -> Tokens:
        if await WechatBinding.filter(openid=openid).exists():
            raise WechatAlreadyBound()
        user = existing
        if user is None:
            user = await create_user(
                phone=phone, password=password, agreement_version=agreement_version, privacy_version=privacy_version
            )
            await audit.record(action="account.register", actor_id=user.id, ip=ip, details={"method": "wechat"})
        elif await WechatBinding.filter(user_id=user.id).exists():
            raise WechatAlreadyBound("该账号已绑定其他微信")
        await WechatBinding.create(user=user, openid=openid, unionid=unionid)
        await audit.record(action="wechat.bound", actor_id=user.id, ip=ip)
        return await open_login(user, ip=ip, user_agent=user_agent, method="wechat")

    return await run_atomic(body)


async def bind_wechat(*, user_id: int, code: str, ip: str | None) -> None:
    wx = await _code_to_session(code)

    async def body() -> None:
        if (
            await WechatBinding.filter(openid=wx.openid).exists()
            or await WechatBinding.filter(user_id=user_id).exists()
        ):
            raise WechatAlreadyBound()
        await WechatBinding.create(user_id=user_id, openid=wx.openid, unionid=wx.unionid)
        await audit.record(action="wechat.bound", actor_id=user_id, ip=ip)

    await run_atomic(body)


async def unbind_wechat(*, user_id: int, ip: str | None) -> None:
    async def body() -> None:
        if not await WechatBinding.filter(user_id=user_id).delete():
            raise WechatNotBound()
        await audit.record(action="wechat.unbound", actor_id=user_id, ip=ip)

    await run_atomic(body)
