"""The registry's look-ups, under the directory's /api/v1/lookups prefix: identity document types and the
business-application kinds with the fields each takes (so a client builds its forms from data).

Public and cacheable like the directory's: they describe the product, nobody's data.
"""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic_ext import openapi

from server.common.web import json_content, out
from server.registry.application_kinds import ALL_KINDS, ATTACHMENT_PURPOSES
from server.registry.documents import ID_TYPE_HINTS, ID_TYPE_LABELS, IdType
from server.registry.schemas import ApplicationKindListOut, ApplicationKindOut, DocumentTypeListOut, DocumentTypeOut
from server.workflow import api as workflow_api

bp = Blueprint("registry_lookups", url_prefix="/api/v1/lookups")
CACHE = {"Cache-Control": "public, max-age=300"}


@bp.get("/document-types")
@openapi.tag("lookups")
@openapi.summary("证件类型（实名核验的 id_type）及号码格式")
@openapi.response(200, json_content(DocumentTypeListOut))
async def list_document_types(request: Request) -> HTTPResponse:
    items = [DocumentTypeOut(code=t, label=ID_TYPE_LABELS[t], hint=ID_TYPE_HINTS[t]) for t in IdType]
    return out(DocumentTypeListOut(items=items), headers=CACHE)


def _kind_out(name: str) -> ApplicationKindOut:
    kind = ALL_KINDS[name]
    spec = workflow_api.KINDS[kind.review_kind]
    described = kind.describe()
    return ApplicationKindOut.model_validate(
        {
            **described,
            "title": spec.title,
            "attachment_purposes": [{"purpose": p, "label": ATTACHMENT_PURPOSES[p]} for p in kind.attachment_purposes],
            "review_steps": [{"role": s.role.value, "label": s.label} for s in spec.steps],
        }
    )


@bp.get("/application-kinds")
@openapi.tag("lookups")
@openapi.summary("业务申请的种类、各自的表单字段、附件用途与审核链")
@openapi.response(200, json_content(ApplicationKindListOut))
async def list_application_kinds(request: Request) -> HTTPResponse:
    return out(ApplicationKindListOut(items=[_kind_out(name) for name in ALL_KINDS]), headers=CACHE)
