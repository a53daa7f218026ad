"""Public look-ups of the reference data: /api/v1/lookups/regions, /institutions and their departments, the
practice categories and scopes.

The look-ups other parts own (document types and application kinds: registry; cycles: assessment) live under
the same /api/v1/lookups prefix in those parts' routes, since the directory may import none of them.

Public (no log-in): a physician picks a hospital before registering, and the data is what any hospital's sign says.
Answers may be cached by clients and proxies for a few minutes.
"""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic_ext import openapi

from server.common.apidoc import path_param, raises
from server.common.validation import query
from server.common.web import json_content, out
from server.directory import catalogue, service
from server.directory.catalogue import CATEGORY_LABELS, scopes_of
from server.directory.errors import InstitutionNotFound, RegionNotFound
from server.directory.schemas import (
    DepartmentListOut,
    DepartmentOut,
    InstitutionOut,
    InstitutionPageOut,
    InstitutionQuery,
    PracticeCategoryListOut,
    PracticeCategoryOut,
    PracticeScopeListOut,
    PracticeScopeOut,
    PracticeScopeQuery,
    RegionDetailOut,
    RegionListOut,
    RegionOut,
    RegionQuery,
    SpecialtyListOut,
    SpecialtyOut,
)

bp = Blueprint("directory", url_prefix="/api/v1/lookups")
CACHE = {"Cache-Control": "public, max-age=300"}


@bp.get("/regions")
@openapi.tag("lookups")
@openapi.summary("行政区划（GB/T 2260）：省级，或某一区划的下级")
@openapi.response(200, json_content(RegionListOut))
@query(RegionQuery)
async def list_regions(request: Request, query: RegionQuery) -> HTTPResponse:
    regions = await service.child_regions(query.parent_code)
    parents = await service.codes_with_children([r.code for r in regions])
    items = [RegionOut.of(r, has_children=r.code in parents) for r in regions]
    return out(RegionListOut(items=items), headers=CACHE)


@bp.get("/regions/<code:str>")
@raises(RegionNotFound)
@openapi.tag("lookups")
@openapi.summary("一个行政区划及其从省级起的完整路径")
@path_param("code", "6 位行政区划代码", pattern=r"^\d{6}$")
@openapi.response(200, json_content(RegionDetailOut))
async def get_region(request: Request, code: str) -> HTTPResponse:
    path = await service.region_path(code) if len(code) == 6 and code.isdigit() else []
    if not path or path[-1].code != code:
        raise RegionNotFound()
    parents = await service.codes_with_children([r.code for r in path])
    items = [RegionOut.of(r, has_children=r.code in parents) for r in path]
    full_name = " ".join(r.name for r in path)
    return out(RegionDetailOut(region=items[-1], path=items, full_name=full_name), headers=CACHE)


@bp.get("/institutions")
@openapi.tag("lookups")
@openapi.summary("医疗机构：按所在区划（含下级）和名称查找，分页")
@openapi.response(200, json_content(InstitutionPageOut))
@query(InstitutionQuery)
async def search_institutions(request: Request, query: InstitutionQuery) -> HTTPResponse:
    found = await service.search_institutions(
        region_code=query.region_code, name=query.q, after_id=query.cursor, limit=query.limit + 1
    )
    page = found[: query.limit]
    names = {code: r.name for code, r in (await service.regions({i.region_code for i in page})).items()}
    next_cursor = page[-1].id if len(found) > query.limit else None
    return out(
        InstitutionPageOut(items=[InstitutionOut.of(i, names) for i in page], next_cursor=next_cursor), headers=CACHE
    )


@bp.get("/institutions/<institution_id:int>")
@raises(InstitutionNotFound)
@openapi.tag("lookups")
@openapi.summary("一个医疗机构")
@openapi.response(200, json_content(InstitutionOut))
async def get_institution(request: Request, institution_id: int) -> HTTPResponse:
    inst = await service.require_institution(institution_id, field=None)
    names = {code: r.name for code, r in (await service.regions({inst.region_code})).items()}
    return out(InstitutionOut.of(inst, names), headers=CACHE)


@bp.get("/institutions/<institution_id:int>/departments")
@raises(InstitutionNotFound)
@openapi.tag("lookups")
@openapi.summary("一个医疗机构的科室字典")
@openapi.response(200, json_content(DepartmentListOut))
async def list_departments(request: Request, institution_id: int) -> HTTPResponse:
    await service.require_institution(institution_id, field=None)
    depts = await service.departments(institution_id)
    return out(DepartmentListOut(items=[DepartmentOut.of(d) for d in depts]), headers=CACHE)


@bp.get("/specialties")
@openapi.tag("lookups")
@openapi.summary("考核专业（业务水平测评按专业出题），及由各专业考核的执业范围")
@openapi.response(200, json_content(SpecialtyListOut))
async def list_specialties(request: Request) -> HTTPResponse:
    items = [
        SpecialtyOut(code=s.code, name=s.name, practice_scopes=catalogue.scopes_examined_by(s.code))
        for s in catalogue.SPECIALTIES.values()
    ]
    return out(SpecialtyListOut(items=items), headers=CACHE)


@bp.get("/practice-categories")
@openapi.tag("lookups")
@openapi.summary("医师类别及各类别可选的执业范围")
@openapi.response(200, json_content(PracticeCategoryListOut))
async def list_practice_categories(request: Request) -> HTTPResponse:
    items = [
        PracticeCategoryOut(code=code, label=label, scopes=[PracticeScopeOut.of(s) for s in scopes_of(code)])  # type: ignore[arg-type]
        for code, label in CATEGORY_LABELS.items()
    ]
    return out(PracticeCategoryListOut(items=items), headers=CACHE)


@bp.get("/practice-scopes")
@openapi.tag("lookups")
@openapi.summary("执业范围（业务申请 practice_scopes 的可选值），可按医师类别筛选")
@openapi.response(200, json_content(PracticeScopeListOut))
@query(PracticeScopeQuery)
async def list_practice_scopes(request: Request, query: PracticeScopeQuery) -> HTTPResponse:
    return out(PracticeScopeListOut(items=[PracticeScopeOut.of(s) for s in scopes_of(query.category)]), headers=CACHE)
