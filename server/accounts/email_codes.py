"""Codes sent by e-mail (the security e-mail of the legacy e-registration system): bind it, recover with it.

The same machinery as SMS codes (HMAC-stored, single use, living ``SMS_CODE_TTL_MINUTES``, void after 5 misses, send
limits per address and per IP in Redis), keyed by ``mail:<address>`` so the two never mix.
"""

from __future__ import annotations

from enum import StrEnum

from server.accounts import sms
from server.integrations.mail import send_mail


class EmailPurpose(StrEnum):
    BIND_EMAIL = "bind_email"
    RESET_PASSWORD_EMAIL = "reset_password_email"


_TEXT = {
    EmailPurpose.BIND_EMAIL: (
        "【医师服务】安全邮箱验证码",
        "您正在将本邮箱设为医师服务账号的安全邮箱，验证码：{code}，{minutes} 分钟内有效。\n"
        "安全邮箱可用于找回密码。如非本人操作，请忽略本邮件。",
    ),
    EmailPurpose.RESET_PASSWORD_EMAIL: (
        "【医师服务】找回密码验证码",
        "您正在通过安全邮箱找回医师服务账号的密码，验证码：{code}，{minutes} 分钟内有效。\n"
        "如非本人操作，请忽略本邮件，您的密码不会被修改。",
    ),
}


def normalise(email: str) -> str:
    return email.strip().lower()


def _key(email: str) -> str:
    return f"mail:{normalise(email)}"


async def take_send_quota(*, email: str, ip: str | None) -> None:
    await sms.take_send_quota(phone=_key(email), ip=ip)


async def send_code(*, purpose: EmailPurpose, email: str) -> None:
    """Store a fresh code and mail it (provider errors propagate as their typed AppErrors)."""
    code = sms.new_code()
    await sms.store_code(purpose=purpose, phone=_key(email), code=code)
    subject, text = _TEXT[purpose]
    await send_mail(to=normalise(email), subject=subject, text=text.format(code=code, minutes=sms.code_ttl_minutes()))


async def verify_code(*, purpose: EmailPurpose, email: str, code: str, keep: bool = False) -> None:
    await sms.verify_code(purpose=purpose, phone=_key(email), code=code, field="code", keep=keep)
