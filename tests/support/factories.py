"""Factories every part's tests use: regions, institutions, users of every role, principals and their auth headers."""

from __future__ import annotations

import itertools
import uuid

from server.accounts.models import User
from server.common import crypto
from server.common.auth import SESSION_KEY, Principal, issue_access_token
from server.common.enums import Role
from server.directory.models import Institution, Region, RegionLevel
from server.redis import get_redis

_seq = itertools.count(1)


async def region(code: str, name: str | None = None) -> Region:
    """A region by GB/T 2260 code; its level, parent and province follow from the code."""
    if code.endswith("0000"):
        level, parent = RegionLevel.PROVINCE, None
    elif code.endswith("00"):
        level, parent = RegionLevel.CITY, code[:2] + "0000"
    else:
        level, parent = RegionLevel.COUNTY, code[:4] + "00"
    found, _ = await Region.get_or_create(
        code=code,
        defaults={
            "name": name or f"地区{code}",
            "level": level,
            "parent_code": parent,
            "province_code": code[:2] + "0000",
        },
    )
    return found


async def institution(region_code: str = "110105", name: str | None = None) -> Institution:
    await region(region_code)
    n = next(_seq)
    return await Institution.create(
        code=f"INST{n:06d}{uuid.uuid4().hex[:6]}",
        name=name or f"测试医院{n}",
        region_code=region_code,
        province_code=region_code[:2] + "0000",
    )


async def user(
    role: Role = Role.PHYSICIAN,
    *,
    institution_id: int | None = None,
    region_code: str | None = None,
    real_name: str = "张三丰",
    phone: str | None = None,
    id_number: str | None = "11010519491231002X",
) -> User:
    n = next(_seq)
    return await User.create(
        role=role,
        phone=phone or f"139{n:08d}",
        real_name=real_name,
        institution_id=institution_id,
        region_code=region_code,
        id_number_enc=crypto.encrypt(id_number, context="id_number") if id_number else None,
    )


async def physician(**kwargs: object) -> User:
    return await user(Role.PHYSICIAN, **kwargs)  # type: ignore[arg-type]


async def institution_reviewer(institution_id: int, **kwargs: object) -> User:
    return await user(Role.INSTITUTION_REVIEWER, institution_id=institution_id, **kwargs)  # type: ignore[arg-type]


async def office_reviewer(region_code: str, **kwargs: object) -> User:
    return await user(Role.OFFICE_REVIEWER, region_code=region_code, **kwargs)  # type: ignore[arg-type]


async def commission_reviewer(region_code: str, **kwargs: object) -> User:
    return await user(Role.COMMISSION_REVIEWER, region_code=region_code, **kwargs)  # type: ignore[arg-type]


async def admin(**kwargs: object) -> User:
    return await user(Role.ADMIN, **kwargs)  # type: ignore[arg-type]


def principal_of(u: User, session_id: str | None = None) -> Principal:
    return Principal(
        user_id=u.id,
        role=Role(u.role),
        session_id=session_id or uuid.uuid4().hex,
        institution_id=u.institution_id,  # type: ignore[attr-defined]
        region_code=u.region_code,
    )


async def auth_headers(u: User) -> dict[str, str]:
    """A live session in Redis and a bearer token for ``u``."""
    p = principal_of(u)
    await get_redis().set(SESSION_KEY.format(sid=p.session_id), str(u.id), ex=3600)
    return {"Authorization": f"Bearer {issue_access_token(p)}"}
