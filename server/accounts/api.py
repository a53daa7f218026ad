"""The accounts part's public face: what other parts may know of a user and do to an account.

People come back as ``Person`` (personal data already masked, as every response needs it), never as ORM rows.
Writes join the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from server.accounts import passwords, sessions
from server.accounts.errors import (
    OldPasswordWrong,
    PasswordWeak,
    PhoneTaken,
    SmsCodeAttemptsExceeded,
    SmsCodeInvalid,
    SmsNotConfigured,
    SmsSendLimited,
)
from server.accounts.events import SessionsEnded
from server.accounts.models import User, UserSession, WechatBinding
from server.accounts.rules import check_password_rules, identity_number
from server.accounts.sms import SmsPurpose, deliver_code, new_code, store_code, take_send_quota, verify_code
from server.accounts.staff import create_admin
from server.common.auth import SESSION_KEY
from server.common.enums import Role
from server.common.masking import mask_id_number, mask_name, mask_phone
from server.redis import get_redis


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    role: Role
    name: str | None  # the real name, whole (for forms a person signs); show ``name_masked`` elsewhere
    name_masked: str | None
    phone_masked: str | None
    id_number_masked: str | None
    is_active: bool
    username: str | None


def _person(user: User) -> Person:
    number = identity_number(user)
    return Person(
        id=user.id,
        role=user.role,
        name=user.real_name,
        name_masked=mask_name(user.real_name),
        phone_masked=mask_phone(user.phone),
        id_number_masked=mask_id_number(number) if number else None,
        is_active=user.is_active,
        username=user.username,
    )


async def person(user_id: int) -> Person | None:
    user = await User.get_or_none(id=user_id)
    return _person(user) if user else None


async def people(ids: set[int]) -> dict[int, Person]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {u.id: _person(u) for u in await User.filter(id__in=list(ids))}


async def user_ids_named(fragment: str, *, limit: int = 1000) -> list[int]:
    """Users whose real name contains ``fragment`` (a reviewer's search box)."""
    return list(await User.filter(real_name__contains=fragment).limit(limit).values_list("id", flat=True))  # type: ignore[arg-type]


async def user_id_by_username(username: str) -> int | None:
    user = await User.get_or_none(username=username).only("id")
    return user.id if user else None


async def user_id_by_phone(phone: str) -> int | None:
    user = await User.get_or_none(phone=phone).only("id")
    return user.id if user else None


async def phones(ids: set[int]) -> dict[int, str]:
    """Whole phone numbers, for sending an SMS (never for a response)."""
    if not ids:
        return {}
    return {
        int(uid): str(phone) for uid, phone in await User.filter(id__in=list(ids)).values_list("id", "phone") if phone
    }


async def wechat_openids(ids: set[int]) -> dict[int, str]:
    """The first WeChat mini-program openid bound to each user that has one."""
    if not ids:
        return {}
    found: dict[int, str] = {}
    for uid, openid in (
        await WechatBinding.filter(user_id__in=list(ids)).order_by("id").values_list("user_id", "openid")
    ):
        found.setdefault(int(uid), str(openid))
    return found


async def id_number_of(user_id: int) -> str | None:
    """The user's verified ID number, whole (identity re-checks only)."""
    user = await User.get_or_none(id=user_id)
    return identity_number(user) if user else None


async def set_identity(
    *,
    user_id: int,
    real_name: str,
    id_type: str,
    id_number_enc: str,
    id_number_index: str,
    qualification_cert_no: str | None = None,
) -> None:
    """The registers verified who this user is (activation): name, document and qualification certificate number
    recorded on the account; the ID number (by its blind index) and the certificate number then also log in."""
    await User.filter(id=user_id).update(
        real_name=real_name,
        id_type=id_type,
        id_number_enc=id_number_enc,
        id_number_index=id_number_index,
        qualification_cert_no=qualification_cert_no,
    )


async def clear_identity(*, user_id: int) -> None:
    await User.filter(id=user_id).update(
        real_name=None, id_type=None, id_number_enc=None, id_number_index=None, qualification_cert_no=None
    )


async def check_password(*, user_id: int, password: str) -> bool:
    user = await User.get_or_none(id=user_id)
    if user is None or not user.password_hash:
        return False
    return await passwords.verify_password(user.password_hash, password)


async def new_password_hash(*, user_id: int, password: str, id_number: str | None = None, field: str) -> str:
    """The hash of a new password that follows the rules for this user (PASSWORD_WEAK on ``field`` otherwise)."""
    user = await User.get(id=user_id)
    try:
        await check_password_rules(
            password, phone=user.phone, id_number=id_number or identity_number(user), name=user.real_name
        )
    except PasswordWeak as exc:
        exc.field = field
        raise
    return await passwords.hash_password(password)


async def set_password_hash(*, user_id: int, password_hash: str, keep_session_id: str | None) -> int:
    """Replace the password (in the caller's transaction) and end every other session; returns how many ended."""
    await User.filter(id=user_id).update(
        password_hash=password_hash, must_change_password=False, one_time_password_expires_at=None
    )
    return await sessions.end_user_sessions(user_id=user_id, keep_sid=keep_session_id)


async def move_to_phone(*, user_id: int, phone: str) -> int:
    """The account now answers to ``phone`` (recovery); every session ends. PHONE_TAKEN if someone else has it."""
    if await User.filter(phone=phone).exclude(id=user_id).exists():
        raise PhoneTaken("该手机号已被其他账号使用", field="new_phone")
    await User.filter(id=user_id).update(phone=phone)
    return await sessions.end_user_sessions(user_id=user_id)


hash_password = passwords.hash_password
verify_password = passwords.verify_password

# What sending and checking an SMS code through this face can refuse, for the routes above that do it to declare
SEND_CODE_ERRORS = (SmsSendLimited, SmsNotConfigured)
VERIFY_CODE_ERRORS = (SmsCodeInvalid, SmsCodeAttemptsExceeded)

__all__ = [
    "SEND_CODE_ERRORS",
    "VERIFY_CODE_ERRORS",
    "OldPasswordWrong",
    "PasswordWeak",
    "Person",
    "PhoneTaken",
    "SmsCodeInvalid",
    "SessionsEnded",
    "SmsPurpose",
    "check_password",
    "clear_identity",
    "create_admin",
    "deliver_code",
    "hash_password",
    "id_number_of",
    "move_to_phone",
    "new_code",
    "end_session",
    "new_password_hash",
    "office_reviewer_ids",
    "people",
    "person",
    "phones",
    "set_identity",
    "set_password_hash",
    "store_code",
    "take_send_quota",
    "user_id_by_phone",
    "user_id_by_username",
    "user_ids_named",
    "verify_code",
    "verify_password",
    "wechat_openids",
]


async def end_session(*, user_id: int, session_id: str) -> None:
    """End one session of this user at once (joins the caller's transaction; its token stops working)."""
    await sessions.end_sessions(await UserSession.filter(id=session_id, user_id=user_id, revoked_at__isnull=True))
    await get_redis().delete(SESSION_KEY.format(sid=session_id))


async def office_reviewer_ids(*, province_code: str) -> list[int]:
    """The active assessment-office reviewers of a province (whom exam-organisation problems are addressed to)."""
    found = (
        await User.filter(role=Role.OFFICE_REVIEWER, region_code=province_code, is_active=True)
        .order_by("id")
        .values_list("id", flat=True)
    )
    return [int(i) for i in found]  # type: ignore[call-overload]
