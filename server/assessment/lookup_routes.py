"""The assessment's look-up, under the directory's /api/v1/lookups prefix: cycles and their windows per province.

Public and cacheable: the dates are what the provinces publish in their notices, and a physician checks them
before having an account.
"""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic_ext import openapi

from server.assessment import cycles
from server.assessment.schemas import CycleLookupOut, CycleLookupQuery, CycleOut, CycleWindowsOut, WindowOut
from server.common.validation import query
from server.common.web import json_content, out

bp = Blueprint("assessment_lookups", url_prefix="/api/v1/lookups")
# Shorter than the directory's: a window's is_open turns at its opening minute
CACHE = {"Cache-Control": "public, max-age=60"}


@bp.get("/cycles")
@openapi.tag("lookups")
@openapi.summary("考核周期及某省的时间窗口（报名、自评、考试、补考）")
@openapi.response(200, json_content(CycleLookupOut))
@query(CycleLookupQuery)
async def list_cycles(request: Request, query: CycleLookupQuery) -> HTTPResponse:
    found = await cycles.cycles_with_windows(query.province_code)
    items = [
        CycleWindowsOut(
            cycle=CycleOut.of(cycle),
            is_current=cycles.is_current(cycle),
            province_code=query.province_code,
            windows=[WindowOut.of(w) for w in windows],
        )
        for cycle, windows in found
    ]
    return out(CycleLookupOut(items=items), headers=CACHE)
