"""Directory reads and writes. Writes join the caller's transaction (the caller audits them)."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.expressions import Q

from server.common.enums import Category
from server.common.scope import province_of, region_prefix
from server.directory.errors import DepartmentNameTaken, DepartmentNotFound, InstitutionNotFound, NothingToChange
from server.directory.models import Department, Institution, Region, RegionLevel


@dataclass(frozen=True, slots=True)
class RegionInfo:
    code: str
    name: str
    level: str  # province | city | county
    parent_code: str | None
    province_code: str


@dataclass(frozen=True, slots=True)
class InstitutionInfo:
    id: int
    code: str
    name: str
    region_code: str  # county
    province_code: str
    approval_authorities: dict[str, str]  # per physician category


@dataclass(frozen=True, slots=True)
class DepartmentInfo:
    id: int
    institution_id: int
    name: str
    sort_order: int


def _region(r: Region) -> RegionInfo:
    return RegionInfo(r.code, r.name, r.level.value, r.parent_code, r.province_code)


def _institution(i: Institution) -> InstitutionInfo:
    return InstitutionInfo(i.id, i.code, i.name, i.region_code, i.province_code, dict(i.approval_authorities or {}))


def _department(d: Department) -> DepartmentInfo:
    return DepartmentInfo(d.id, d.institution_id, d.name, d.sort_order)  # type: ignore[attr-defined]


# ---------------------------------------------------------------- regions


async def region(code: str) -> RegionInfo | None:
    found = await Region.get_or_none(code=code)
    return _region(found) if found else None


async def regions(codes: set[str]) -> dict[str, RegionInfo]:
    codes = {c for c in codes if c}
    if not codes:
        return {}
    return {r.code: _region(r) for r in await Region.filter(code__in=list(codes))}


async def region_name(code: str | None) -> str | None:
    found = await region(code) if code else None
    return found.name if found else None


async def child_regions(parent_code: str | None) -> list[RegionInfo]:
    """The provinces (no parent), or the regions directly below ``parent_code``, by code."""
    qs = Region.filter(parent_code=parent_code) if parent_code else Region.filter(level=RegionLevel.PROVINCE)
    return [_region(r) for r in await qs.order_by("code")]


async def codes_with_children(codes: list[str]) -> set[str]:
    if not codes:
        return set()
    return set(await Region.filter(parent_code__in=codes).distinct().values_list("parent_code", flat=True))  # type: ignore[arg-type]


async def region_path(code: str) -> list[RegionInfo]:
    """The region and its ancestors, province first."""
    path: list[RegionInfo] = []
    current = await region(code)
    while current is not None and len(path) < 4:
        path.insert(0, current)
        current = await region(current.parent_code) if current.parent_code else None
    return path


async def upsert_region(*, code: str, name: str, level: str, parent_code: str | None) -> bool:
    """Create or update one region; True when created."""
    _, created = await Region.update_or_create(
        code=code,
        defaults={
            "name": name,
            "level": RegionLevel(level),
            "parent_code": parent_code,
            "province_code": province_of(code),
        },
    )
    return created


# ---------------------------------------------------------------- institutions


async def institution(institution_id: int) -> InstitutionInfo | None:
    found = await Institution.get_or_none(id=institution_id)
    return _institution(found) if found else None


async def require_institution(institution_id: int, *, field: str | None = "institution_id") -> InstitutionInfo:
    found = await institution(institution_id)
    if found is None:
        raise InstitutionNotFound(field=field)
    return found


async def institution_by_code(code: str) -> InstitutionInfo | None:
    found = await Institution.get_or_none(code=code)
    return _institution(found) if found else None


async def institutions(ids: set[int]) -> dict[int, InstitutionInfo]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {i.id: _institution(i) for i in await Institution.filter(id__in=list(ids))}


async def institution_names(ids: set[int]) -> dict[int, str]:
    return {i: info.name for i, info in (await institutions(ids)).items()}


async def search_institutions(
    *, region_code: str | None = None, name: str | None = None, after_id: int | None = None, limit: int = 20
) -> list[InstitutionInfo]:
    """Institutions in a region (the county, or everything below a city or province) whose name contains ``name``."""
    qs = Institution.all()
    if region_code:
        qs = qs.filter(Q(region_code=region_code) | Q(region_code__startswith=region_prefix(region_code)))
    if name:
        qs = qs.filter(name__icontains=name)
    if after_id:
        qs = qs.filter(id__gt=after_id)
    return [_institution(i) for i in await qs.order_by("id").limit(limit)]


async def upsert_institution(
    *, code: str, name: str, region_code: str, approval_authorities: dict[str, str], departments: list[str]
) -> tuple[InstitutionInfo, bool]:
    """Create or update an institution by its code (and add departments it lacks); True when created."""
    inst, created = await Institution.update_or_create(
        code=code,
        defaults={
            "name": name,
            "region_code": region_code,
            "province_code": province_of(region_code),
            "approval_authorities": approval_authorities,
        },
    )
    for order, dept_name in enumerate(departments):
        await Department.get_or_create(institution_id=inst.id, name=dept_name, defaults={"sort_order": order})
    return _institution(inst), created


async def approval_authorities(*, institution_id: int) -> dict[str, str]:
    inst = await require_institution(institution_id)
    return {c.value: inst.approval_authorities.get(c.value, "") for c in Category}


async def set_approval_authorities(*, institution_id: int, authorities: dict[str, str]) -> dict[str, str]:
    """Set 审批机关 per physician category (blank values keep what was there)."""
    inst = await require_institution(institution_id)
    merged = {**inst.approval_authorities, **{k: v for k, v in authorities.items() if v}}
    await Institution.filter(id=inst.id).update(approval_authorities=merged)
    return await approval_authorities(institution_id=institution_id)


# ---------------------------------------------------------------- departments


async def departments(institution_id: int) -> list[DepartmentInfo]:
    return [_department(d) for d in await Department.filter(institution_id=institution_id).order_by("sort_order", "id")]


async def department(department_id: int, *, institution_id: int | None = None) -> DepartmentInfo | None:
    qs = Department.filter(id=department_id)
    if institution_id is not None:
        qs = qs.filter(institution_id=institution_id)
    found = await qs.first()
    return _department(found) if found else None


async def department_names(ids: set[int]) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {d.id: d.name for d in await Department.filter(id__in=list(ids))}


async def add_department(*, institution_id: int, name: str, sort_order: int = 0) -> DepartmentInfo:
    if await Department.filter(institution_id=institution_id, name=name).exists():
        raise DepartmentNameTaken(field="name")
    return _department(await Department.create(institution_id=institution_id, name=name, sort_order=sort_order))


async def update_department(
    *, institution_id: int, department_id: int, name: str | None, sort_order: int | None
) -> DepartmentInfo:
    dept = await Department.get_or_none(id=department_id, institution_id=institution_id)
    if dept is None:
        raise DepartmentNotFound()
    if name is None and sort_order is None:
        raise NothingToChange()
    if name is not None and name != dept.name:
        if await Department.filter(institution_id=institution_id, name=name).exists():
            raise DepartmentNameTaken(field="name")
        dept.name = name
    if sort_order is not None:
        dept.sort_order = sort_order
    await dept.save()
    return _department(dept)


async def delete_department(*, institution_id: int, department_id: int) -> None:
    """Delete a department (the caller has checked that nobody works in it)."""
    deleted = await Department.filter(id=department_id, institution_id=institution_id).delete()
    if not deleted:
        raise DepartmentNotFound()
