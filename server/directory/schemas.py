"""The directory's look-up shapes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from server.common.schemas import CursorQuery, RegionCode, StrictIn
from server.directory.catalogue import CATEGORY_LABELS, PracticeScope
from server.directory.service import DepartmentInfo, InstitutionInfo, RegionInfo

LEVEL_LABELS = {"province": "省级", "city": "地市级", "county": "区县级"}


class RegionOut(BaseModel):
    code: str = Field(description="行政区划代码", examples=["110101"])
    name: str = Field(examples=["东城区"])
    level: Literal["province", "city", "county"] = Field(description="province 省级 / city 地市级 / county 区县级")
    level_label: str = Field(examples=["区县级"])
    parent_code: str | None = Field(description="上级区划代码；省级为 null")
    province_code: str = Field(examples=["110000"])
    has_children: bool = Field(description="是否还有下级区划（选择器据此决定能否继续展开）")

    @classmethod
    def of(cls, r: RegionInfo, *, has_children: bool) -> RegionOut:
        return cls(
            code=r.code,
            name=r.name,
            level=r.level,  # type: ignore[arg-type]
            level_label=LEVEL_LABELS[r.level],
            parent_code=r.parent_code,
            province_code=r.province_code,
            has_children=has_children,
        )


class RegionListOut(BaseModel):
    items: list[RegionOut]


class RegionDetailOut(BaseModel):
    region: RegionOut
    path: list[RegionOut] = Field(description="从省级到本级的完整路径")
    full_name: str = Field(examples=["北京市 东城区"])


class RegionQuery(StrictIn):
    parent_code: RegionCode | None = Field(default=None, description="上级区划代码；不传时列出省级行政区划")


class InstitutionQuery(CursorQuery):
    region_code: RegionCode | None = Field(default=None, description="所在区划（省、市或区县，含下级）")
    q: str | None = Field(default=None, min_length=1, max_length=64, description="机构名称包含的文字")


class InstitutionOut(BaseModel):
    id: int
    code: str = Field(description="机构登记号 / 统一社会信用代码")
    name: str = Field(examples=["东城区示范医院"])
    region_code: str = Field(description="所在区县代码")
    region_name: str | None = Field(description="所在区县名称")
    province_code: str

    @classmethod
    def of(cls, i: InstitutionInfo, region_names: dict[str, str]) -> InstitutionOut:
        return cls(
            id=i.id,
            code=i.code,
            name=i.name,
            region_code=i.region_code,
            region_name=region_names.get(i.region_code),
            province_code=i.province_code,
        )


class InstitutionPageOut(BaseModel):
    items: list[InstitutionOut]
    next_cursor: int | None = Field(description="下一页游标；为 null 表示没有更多")


class DepartmentOut(BaseModel):
    id: int
    name: str
    sort_order: int

    @classmethod
    def of(cls, d: DepartmentInfo) -> DepartmentOut:
        return cls(id=d.id, name=d.name, sort_order=d.sort_order)


class DepartmentListOut(BaseModel):
    items: list[DepartmentOut]


class SpecialtyOut(BaseModel):
    code: str = Field(description="专业编码（题库的 specialty 取值）", examples=["internal_medicine"])
    name: str = Field(examples=["内科"])
    practice_scopes: list[str] = Field(
        description="由本专业考核的执业范围（报考专业取这些名称之一）", examples=[["内科专业"]]
    )


class SpecialtyListOut(BaseModel):
    items: list[SpecialtyOut]


# ---------------------------------------------------------------- practice categories and scopes


class PracticeScopeOut(BaseModel):
    name: str = Field(description="执业范围（业务申请的 practice_scopes 取此值）", examples=["内科专业"])
    category: Literal["clinical", "dental", "public_health", "tcm"] = Field(description="所属医师类别")
    category_label: str = Field(examples=["临床"])

    @classmethod
    def of(cls, s: PracticeScope) -> PracticeScopeOut:
        return cls(name=s.name, category=s.category, category_label=CATEGORY_LABELS[s.category])  # type: ignore[arg-type]


class PracticeScopeListOut(BaseModel):
    items: list[PracticeScopeOut]


class PracticeCategoryOut(BaseModel):
    code: Literal["clinical", "dental", "public_health", "tcm"] = Field(description="医师类别")
    label: str = Field(examples=["临床"])
    scopes: list[PracticeScopeOut] = Field(description="该类别可选的执业范围")


class PracticeCategoryListOut(BaseModel):
    items: list[PracticeCategoryOut]


class PracticeScopeQuery(StrictIn):
    category: Literal["clinical", "dental", "public_health", "tcm"] | None = Field(
        default=None, description="只列出该医师类别的执业范围"
    )
