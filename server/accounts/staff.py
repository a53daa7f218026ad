"""Staff accounts (工作人员账号): institution, office, commission and admin log-ins, each with a role and a scope.

Who manages whom follows the legacy manuals: the health commission that licenses an institution issues its log-in
(institution manual, step 1 "领取医疗机构用户名和密码"), so a commission manages institution and commission accounts
in its region; an assessment office manages office accounts in its region (and below); an administrator manages
everyone. An institution manages no staff accounts: the manual gives it one log-in, issued by the commission.

A new account, and a reset one, gets a random one-time password shown once to the person who made it. It opens
exactly one session that can do nothing but change it (the accounts' initial-password mechanism), so nobody keeps
a password somebody else chose. Every change is audited.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.expressions import Q
from tortoise.timezone import now

from server.accounts import admin, sessions
from server.accounts.errors import (
    AdminExists,
    PhysicianNotFound,
    StaffNotFound,
    StaffScopeForbidden,
    StaffScopeInvalid,
    StaffSelfChange,
    UsernameTaken,
)
from server.accounts.models import User
from server.accounts.passwords import hash_password
from server.accounts.rules import check_password_rules
from server.common import audit, outbox, scope
from server.common.auth import Principal
from server.common.enums import Role
from server.config import get_settings
from server.db import run_atomic
from server.directory import api as directory_api

STAFF_ROLES = (Role.INSTITUTION_REVIEWER, Role.OFFICE_REVIEWER, Role.COMMISSION_REVIEWER, Role.ADMIN)
# The roles each kind of manager may create, list and change (within its region; an administrator everywhere)
MANAGES: dict[Role, frozenset[Role]] = {
    Role.ADMIN: frozenset(STAFF_ROLES),
    Role.COMMISSION_REVIEWER: frozenset({Role.COMMISSION_REVIEWER, Role.INSTITUTION_REVIEWER}),
    Role.OFFICE_REVIEWER: frozenset({Role.OFFICE_REVIEWER}),
}
MANAGERS = tuple(MANAGES)
# Without look-alike characters (0/O, 1/l/I): it is read off a screen and typed on a phone
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
ONE_TIME_PASSWORD_LENGTH = 12


def new_one_time_password() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(ONE_TIME_PASSWORD_LENGTH))


def one_time_password_expiry() -> datetime:
    """Until when a one-time password issued now may log in (STAFF_ONE_TIME_PASSWORD_HOURS, default 72)."""
    return now() + timedelta(hours=get_settings().staff_one_time_password_hours)


@dataclass(frozen=True, slots=True)
class Issued:
    """A staff account and the one-time password to hand over (shown once, stored only as a hash)."""

    user: User
    one_time_password: str
    expires_at: datetime


def _manages(principal: Principal, user: User) -> bool:
    """Whether the principal may see and change this staff account."""
    roles = MANAGES.get(principal.role)
    if roles is None or Role(user.role) not in roles:
        return False
    if principal.role == Role.ADMIN:
        return True
    return scope.region_covers(principal.region_code, user.region_code)


async def _staff_in_scope(principal: Principal, user_id: int) -> User:
    user = await User.get_or_none(id=user_id)
    # Out of scope answers like absent (404): the caller learns nothing of accounts it may not manage
    if user is None or Role(user.role) not in STAFF_ROLES or not _manages(principal, user):
        raise StaffNotFound()
    return user


async def _scope_of(
    principal: Principal, *, role: Role, institution_id: int | None, region_code: str | None
) -> tuple[int | None, str | None]:
    """The (institution, region) a new account of ``role`` acts in, checked against what the principal manages."""
    if role not in MANAGES.get(principal.role, frozenset()):
        raise StaffScopeForbidden(field="role")
    if role == Role.ADMIN:
        if institution_id is not None or region_code is not None:
            raise StaffScopeInvalid("平台管理员账号不属于机构或行政区划", field="region_code")
        return None, None
    if role == Role.INSTITUTION_REVIEWER:
        if institution_id is None or region_code is not None:
            raise StaffScopeInvalid("机构账号须选择所属机构（不填行政区划）", field="institution_id")
        institution = await directory_api.institution(institution_id)
        if institution is None:
            raise StaffScopeInvalid("所属机构不存在", field="institution_id")
        region = institution.region_code
        field = "institution_id"
    else:
        if region_code is None or institution_id is not None:
            raise StaffScopeInvalid("考核机构和卫生健康行政部门账号须选择行政区划（不填机构）", field="region_code")
        if await directory_api.region(region_code) is None:
            raise StaffScopeInvalid("行政区划不存在", field="region_code")
        region = region_code
        field = "region_code"
    if principal.role != Role.ADMIN and not scope.region_covers(principal.region_code, region):
        raise StaffScopeForbidden("只能管理本辖区内的工作人员账号", field=field)
    return institution_id, region


async def create_staff(
    *,
    principal: Principal,
    username: str,
    role: Role,
    real_name: str,
    phone: str | None = None,
    institution_id: int | None = None,
    region_code: str | None = None,
    ip: str | None = None,
) -> Issued:
    """A new staff account with a random one-time password that must be changed at the first log-in."""
    institution_id, region = await _scope_of(
        principal, role=role, institution_id=institution_id, region_code=region_code
    )
    username = username.lower()
    password = new_one_time_password()
    password_hash = await hash_password(password)
    expires_at = one_time_password_expiry()

    async def tx() -> User:
        if await User.filter(username=username).exists():
            raise UsernameTaken(field="username")
        if phone and await User.filter(phone=phone).exists():
            raise UsernameTaken("该手机号已被其他账号使用", field="phone")
        user = await User.create(
            username=username,
            role=role,
            real_name=real_name,
            phone=phone,
            institution_id=institution_id,
            region_code=region,
            password_hash=password_hash,
            must_change_password=True,
            one_time_password_expires_at=expires_at,
        )
        await audit.record(
            action="staff.created",
            actor_id=principal.user_id,
            subject_type="user",
            subject_id=str(user.id),
            ip=ip,
            details={
                "role": role.value,
                "institution_id": institution_id,
                "region_code": region,
                "one_time_password_expires_at": expires_at.isoformat(),
            },
        )
        return user

    return Issued(await run_atomic(tx), password, expires_at)


async def list_staff(
    *,
    principal: Principal,
    role: Role | None = None,
    region_code: str | None = None,
    institution_id: int | None = None,
    is_active: bool | None = None,
    q: str | None = None,
    after_id: int | None = None,
    limit: int = 20,
) -> list[User]:
    """Staff accounts the principal manages, oldest first, filtered; ``q`` matches user name, name or phone."""
    roles = MANAGES.get(principal.role, frozenset())
    qs = User.filter(role__in=[r.value for r in roles])
    if principal.role != Role.ADMIN:
        if not principal.region_code:
            return []
        qs = qs.filter(scope.region_q(principal.region_code))
    if role is not None:
        qs = qs.filter(role=role)
    if region_code:
        qs = qs.filter(scope.region_q(region_code))
    if institution_id is not None:
        qs = qs.filter(institution_id=institution_id)
    if is_active is not None:
        qs = qs.filter(is_active=is_active)
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(real_name__icontains=q) | Q(phone=q))
    if after_id:
        qs = qs.filter(id__gt=after_id)
    return list(await qs.order_by("id").limit(limit))


async def get_staff(*, principal: Principal, user_id: int) -> User:
    return await _staff_in_scope(principal, user_id)


async def set_staff_active(
    *, principal: Principal, user_id: int, active: bool, reason: str, ip: str | None = None
) -> User:
    """Disable (every session ends at once) or re-enable a staff account the principal manages."""
    user = await _staff_in_scope(principal, user_id)
    if user.id == principal.user_id:
        raise StaffSelfChange()
    return await admin.set_user_active(admin_id=principal.user_id, user_id=user.id, active=active, reason=reason, ip=ip)


async def reset_staff_password(*, principal: Principal, user_id: int, ip: str | None = None) -> Issued:
    """A new one-time password (shown once); the old one stops working and every session of the account ends."""
    user = await _staff_in_scope(principal, user_id)
    if user.id == principal.user_id:
        raise StaffSelfChange("修改自己的密码请使用“修改密码”")
    password = new_one_time_password()
    password_hash = await hash_password(password)
    expires_at = one_time_password_expiry()

    async def tx() -> User:
        await User.filter(id=user.id).update(
            password_hash=password_hash,
            must_change_password=True,
            initial_login_at=None,
            one_time_password_expires_at=expires_at,
        )
        ended = await sessions.end_user_sessions(user_id=user.id)
        await audit.record(
            action="staff.password_reset",
            actor_id=principal.user_id,
            subject_type="user",
            subject_id=str(user.id),
            ip=ip,
            details={"sessions_ended": ended, "one_time_password_expires_at": expires_at.isoformat()},
        )
        return await User.get(id=user.id)

    return Issued(await run_atomic(tx), password, expires_at)


# ---------------------------------------------------- a physician's password, reset by their institution


async def reset_physician_password(*, principal: Principal, user_id: int, ip: str | None = None) -> int:
    """The physician's main institution (or an administrator) resets their log-in password ("联系单位进行医师密码
    初始化"): a random one-time password goes to the physician's phone by SMS, never to the institution; it logs in
    once into a session that can only set a new password. Every session ends. Returns how many sessions ended."""
    user = await User.get_or_none(id=user_id)
    affiliation = await scope.affiliation_of(user_id) if user is not None else None
    allowed = principal.role == Role.ADMIN or (
        principal.role == Role.INSTITUTION_REVIEWER
        and affiliation is not None
        and principal.institution_id is not None
        and affiliation.institution_id == principal.institution_id
    )
    if user is None or Role(user.role) != Role.PHYSICIAN or not allowed:
        raise PhysicianNotFound()
    if not user.phone:
        raise PhysicianNotFound("该医师账号未绑定手机号，无法通过短信发送临时密码")
    institution = (
        await directory_api.institution(affiliation.institution_id)
        if affiliation is not None and affiliation.institution_id
        else None
    )
    password = new_one_time_password()
    password_hash = await hash_password(password)

    async def tx() -> int:
        await User.filter(id=user.id).update(
            password_hash=password_hash,
            must_change_password=True,
            initial_login_at=None,
            one_time_password_expires_at=None,
        )
        ended = await sessions.end_user_sessions(user_id=user.id)
        await outbox.emit(
            kind="account.password_reset",
            user_id=user.id,
            payload={"code": password, "institution_name": institution.name if institution else None},
        )
        await audit.record(
            action="account.password_reset_by_institution",
            actor_id=principal.user_id,
            subject_type="user",
            subject_id=str(user.id),
            ip=ip,
            details={"institution_id": principal.institution_id, "sessions_ended": ended},
        )
        return ended

    return await run_atomic(tx)


# ---------------------------------------------------- the first administrator (python -m server create-admin)


async def create_admin(*, username: str, password: str, real_name: str | None = None, force: bool = False) -> User:
    """The first administrator of a deployment, with a password the operator chose (checked by the password rules).

    Refused (ADMIN_EXISTS) once any administrator exists, unless ``force``: a second run is then a deliberate act,
    e.g. when every administrator has lost access. The operator sets the password, so it need not be changed.
    """
    await check_password_rules(password, name=real_name)
    username = username.lower()
    password_hash = await hash_password(password)

    async def tx() -> User:
        if not force and await User.filter(role=Role.ADMIN).exists():
            raise AdminExists()
        if await User.filter(username=username).exists():
            raise UsernameTaken(field="username")
        user = await User.create(username=username, role=Role.ADMIN, real_name=real_name, password_hash=password_hash)
        await audit.record(
            action="staff.admin_created",
            actor_id=None,
            subject_type="user",
            subject_id=str(user.id),
            details={"via": "create-admin", "forced": force},
        )
        return user

    return await run_atomic(tx)
