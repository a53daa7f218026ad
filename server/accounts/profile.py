"""The signed-in user's profile: get_me, a new phone number, the security e-mail."""

from __future__ import annotations

from typing import Any

from tortoise.timezone import now

from server.accounts import email_codes, sessions, sms
from server.accounts.email_codes import EmailPurpose
from server.accounts.errors import EmailNotBound, EmailTaken, PhoneTaken
from server.accounts.models import User, WechatBinding
from server.accounts.sms import SmsPurpose
from server.common import audit
from server.db import run_atomic


async def change_phone(
    *, user_id: int, session_id: str, old_code: str, new_phone: str, new_code: str, ip: str | None
) -> None:
    """Move the account to a new phone: a ``change_phone`` code to the old number and one to the new number."""
    user = await User.get(id=user_id)
    if user.phone == new_phone:
        raise PhoneTaken("新手机号与当前手机号相同", field="new_phone")
    if user.phone:
        await sms.verify_code(purpose=SmsPurpose.CHANGE_PHONE, phone=user.phone, code=old_code, field="old_code")
    await sms.verify_code(purpose=SmsPurpose.CHANGE_PHONE, phone=new_phone, code=new_code, field="new_code")

    async def body() -> None:
        if await User.filter(phone=new_phone).exists():
            raise PhoneTaken("该手机号已被其他账号使用", field="new_phone")
        await User.filter(id=user_id).update(phone=new_phone, updated_at=now())
        ended = await sessions.end_user_sessions(user_id=user_id, keep_sid=session_id)
        await audit.record(
            action="phone.changed",
            actor_id=user_id,
            subject_type="user",
            subject_id=str(user_id),
            ip=ip,
            details={"sessions_ended": ended},
        )

    await run_atomic(body)


async def get_me(*, user_id: int) -> dict[str, Any]:
    user = await User.get(id=user_id)
    bound = await WechatBinding.filter(user_id=user_id).exists()
    return {"user": user, "wechat_bound": bound}


async def request_email_binding(*, user_id: int, email: str, ip: str | None) -> None:
    """Mail a code that proves the signed-in user receives mail at ``email``."""
    email = email_codes.normalise(email)
    if await User.filter(email=email).exclude(id=user_id).exists():
        raise EmailTaken(field="email")
    await email_codes.take_send_quota(email=email, ip=ip)
    await email_codes.send_code(purpose=EmailPurpose.BIND_EMAIL, email=email)


async def verify_email_binding(*, user_id: int, email: str, code: str, ip: str | None) -> User:
    """Make ``email`` the account's security e-mail once the mailed code is right."""
    email = email_codes.normalise(email)
    await email_codes.verify_code(purpose=EmailPurpose.BIND_EMAIL, email=email, code=code)

    async def body() -> User:
        if await User.filter(email=email).exclude(id=user_id).exists():
            raise EmailTaken(field="email")
        user = await User.select_for_update().get(id=user_id)
        user.email, user.email_verified_at = email, now()
        await user.save(update_fields=["email", "email_verified_at", "updated_at"])
        await audit.record(action="email.bound", actor_id=user_id, subject_type="user", subject_id=str(user_id), ip=ip)
        return user

    return await run_atomic(body)


async def remove_email(*, user_id: int, ip: str | None) -> None:
    async def body() -> None:
        changed = await User.filter(id=user_id, email__isnull=False).update(
            email=None, email_verified_at=None, updated_at=now()
        )
        if not changed:
            raise EmailNotBound()
        await audit.record(
            action="email.removed", actor_id=user_id, subject_type="user", subject_id=str(user_id), ip=ip
        )

    await run_atomic(body)
