"""Request and response bodies of the staff-account API (/api/v1/staff)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from server.accounts.models import User
from server.accounts.staff import Issued
from server.common.masking import mask_phone
from server.common.schemas import CursorQuery, RegionCode, StrictIn
from server.directory import api as directory_api

StaffRole = Literal["institution_reviewer", "office_reviewer", "commission_reviewer", "admin"]
Username = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z][A-Za-z0-9_.-]{2,31}$",
        description="登录用户名：字母开头，3–32 位字母、数字、下划线、点或短横线（不区分大小写）",
        examples=["dc_hospital2"],
    ),
]


class StaffIn(StrictIn):
    username: Username
    role: StaffRole = Field(
        description="institution_reviewer 机构 / office_reviewer 考核机构 / commission_reviewer "
        "卫生健康行政部门 / admin 平台管理员"
    )
    real_name: str = Field(min_length=2, max_length=64, description="使用人姓名")
    phone: str | None = Field(default=None, pattern=r"^1[3-9]\d{9}$", description="使用人手机号（可选）")
    institution_id: int | None = Field(default=None, ge=1, le=2**62, description="机构账号的所属机构")
    region_code: RegionCode | None = Field(default=None, description="考核机构、卫生健康行政部门账号的辖区")


class StaffQuery(CursorQuery):
    role: StaffRole | None = None
    region_code: RegionCode | None = Field(default=None, description="辖区（含下级）")
    institution_id: int | None = Field(default=None, ge=1, le=2**62)
    is_active: bool | None = None
    q: str | None = Field(default=None, min_length=1, max_length=64, description="用户名、姓名（包含）或手机号")


class StaffStatusIn(StrictIn):
    reason: str = Field(min_length=2, max_length=200, description="停用或启用的原因（写入审计日志）")


def _full_name(path: list[Any]) -> str:
    """北京市 › 市辖区 › 东城区 reads 北京市东城区 (the municipal 市辖区 says nothing); a region whose own name
    already carries its parents' (北京市 › 北京市东城区) is not repeated."""
    name = ""
    for region in path:
        if region.name in ("市辖区", "县"):
            continue
        name = region.name if region.name.startswith(name) else name + region.name
    return name


@dataclass(frozen=True, slots=True)
class ScopeNames:
    """The names of the institutions and regions a page of staff accounts acts in (codes and ids never show)."""

    institutions: dict[int, str]
    regions: dict[str, str]

    @classmethod
    async def of(cls, users: list[User]) -> ScopeNames:
        ids = {u.institution_id for u in users if u.institution_id}  # type: ignore[attr-defined]
        regions: dict[str, str] = {}
        for code in {u.region_code for u in users if u.region_code}:
            regions[code] = _full_name(await directory_api.region_path(code)) or code
        return cls(institutions=await directory_api.institution_names(ids), regions=regions)


class StaffOut(BaseModel):
    id: int
    username: str | None
    role: str
    real_name: str | None
    phone: str | None = Field(description="脱敏手机号")
    institution_id: int | None
    institution_name: str | None = Field(default=None, description="机构账号的所属机构名称")
    region_code: str | None
    region_name: str | None = Field(default=None, description="辖区名称（如 北京市东城区）")
    is_active: bool
    must_change_password: bool = Field(description="仍在使用一次性密码（首次登录须修改）")
    one_time_password_expires_at: datetime | None = Field(
        default=None, description="一次性密码的有效期（过期后须重置密码）；已修改密码时为空"
    )
    created_at: datetime

    @classmethod
    async def one(cls, user: User) -> StaffOut:
        return cls.of(user, await ScopeNames.of([user]))

    @classmethod
    def of(cls, user: User, names: ScopeNames) -> StaffOut:
        institution_id = user.institution_id  # type: ignore[attr-defined]
        return cls(
            id=user.id,
            username=user.username,
            role=str(user.role),
            real_name=user.real_name,
            phone=mask_phone(user.phone),
            institution_id=institution_id,
            institution_name=names.institutions.get(institution_id) if institution_id else None,
            region_code=user.region_code,
            region_name=names.regions.get(user.region_code) if user.region_code else None,
            is_active=user.is_active,
            must_change_password=user.must_change_password,
            one_time_password_expires_at=user.one_time_password_expires_at if user.must_change_password else None,
            created_at=user.created_at,
        )


class StaffPageOut(BaseModel):
    items: list[StaffOut]
    next_cursor: int | None = None


class IssuedOut(BaseModel):
    """The account and its one-time password: shown this once, never stored in clear, never shown again."""

    staff: StaffOut
    one_time_password: str = Field(description="一次性密码：仅本次显示，首次登录后须立即修改")
    expires_at: datetime = Field(
        description="一次性密码的有效期：过期未使用须重新重置（STAFF_ONE_TIME_PASSWORD_HOURS）"
    )

    @classmethod
    async def of(cls, issued: Issued) -> IssuedOut:
        return cls(
            staff=await StaffOut.one(issued.user),
            one_time_password=issued.one_time_password,
            expires_at=issued.expires_at,
        )


class PhysicianResetOut(BaseModel):
    """The reset is done; the temporary password went to the physician's phone and is not shown here."""

    user_id: int
    sms_sent: bool = Field(default=True, description="临时密码已交由短信发送给医师本人（不在此返回）")
    sessions_ended: int
