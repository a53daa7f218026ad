"""Review API: the reviewer's queue and decisions, and the applicant's own items."""

from __future__ import annotations

from pydantic import BaseModel
from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json
from sanic_ext import openapi

from server.common.auth import Principal, require
from server.common.enums import Role
from server.common.http import client_ip
from server.common.validation import body, query
from server.workflow import service
from server.workflow.models import ActionKind
from server.workflow.schemas import (
    ActionOut,
    ApproveIn,
    BatchApproveIn,
    BatchItemOut,
    BatchOut,
    CountsOut,
    DecisionOut,
    HistoryPageOut,
    ItemDetailOut,
    ItemOut,
    ItemPageOut,
    PageQuery,
    QueueQuery,
    RejectIn,
    ResubmitIn,
    ReturnIn,
    StatsOut,
)

bp = Blueprint("workflow", url_prefix="/api/v1")

REVIEWERS = (Role.INSTITUTION_REVIEWER, Role.OFFICE_REVIEWER, Role.COMMISSION_REVIEWER)
# Routes with @body/@query put them outside @require (as accounts does) so the OpenAPI body and parameters are
# recorded on the registered handler; those routes state their bearer security themselves.


def _out(model: BaseModel, status: int = 200) -> HTTPResponse:
    return json(model.model_dump(mode="json"), status=status)


async def _detail(principal: Principal, item_id: int) -> ItemDetailOut:
    item = await service.get_visible_item(principal=principal, item_id=item_id)
    base = ItemOut.of(item).model_dump()
    actions = await service.item_history(item)
    return ItemDetailOut(
        **base, payload=item.payload, attachments=item.attachments, history=[ActionOut.of(a) for a in actions]
    )


@bp.get("/reviews/queue")
@openapi.summary("待我审核的事项")
@openapi.tag("reviews")
@openapi.secured("bearer")
@openapi.response(200, {"application/json": ItemPageOut})
@query(QueueQuery)
@require(*REVIEWERS)
async def review_queue(request: Request, principal: Principal, query: QueueQuery) -> HTTPResponse:
    items = await service.queue(
        principal=principal,
        kind=query.kind,
        submitted_from=query.submitted_from,
        submitted_to=query.submitted_to,
        applicant_name=query.applicant_name,
        cursor=query.cursor,
        limit=query.limit,
    )
    next_cursor = items[-1].id if len(items) == query.limit else None
    return _out(ItemPageOut(items=[ItemOut.of(i) for i in items], next_cursor=next_cursor))


@bp.get("/reviews/queue/counts")
@openapi.summary("各类待审事项数量（角标）")
@openapi.tag("reviews")
@openapi.response(200, {"application/json": CountsOut})
@require(*REVIEWERS)
async def review_queue_counts(request: Request, principal: Principal) -> HTTPResponse:
    counts = await service.queue_counts(principal=principal)
    return _out(CountsOut(counts=counts, total=sum(counts.values())))


@bp.get("/reviews/items/<item_id:int>")
@openapi.summary("审核事项详情（含材料与审核记录）")
@openapi.tag("reviews")
@openapi.response(200, {"application/json": ItemDetailOut})
@require(*REVIEWERS)
async def review_item(request: Request, item_id: int, principal: Principal) -> HTTPResponse:
    return _out(await _detail(principal, item_id))


async def _decided(
    request: Request, principal: Principal, item_id: int, action: ActionKind, body: ApproveIn | RejectIn | ReturnIn
) -> HTTPResponse:
    item = await service.decide_step(
        principal=principal,
        item_id=item_id,
        action=action,
        reason=getattr(body, "reason", None),
        comment=body.comment,
        attachments=getattr(body, "attachments", None),
        expected_version=body.version,
        ip=client_ip(request),
    )
    await item.fetch_related("applicant")
    return _out(ItemOut.of(item))


@bp.post("/reviews/items/<item_id:int>/approve")
@openapi.summary("审核通过当前环节")
@openapi.tag("reviews")
@openapi.secured("bearer")
@openapi.response(200, {"application/json": ItemOut})
@body(ApproveIn)
@require(*REVIEWERS)
async def approve(request: Request, item_id: int, principal: Principal, body: ApproveIn) -> HTTPResponse:
    return await _decided(request, principal, item_id, ActionKind.APPROVE, body)


@bp.post("/reviews/items/<item_id:int>/reject")
@openapi.summary("审核不通过（须填写原因）")
@openapi.tag("reviews")
@openapi.secured("bearer")
@openapi.response(200, {"application/json": ItemOut})
@body(RejectIn)
@require(*REVIEWERS)
async def reject(request: Request, item_id: int, principal: Principal, body: RejectIn) -> HTTPResponse:
    return await _decided(request, principal, item_id, ActionKind.REJECT, body)


@bp.post("/reviews/items/<item_id:int>/return")
@openapi.summary("退回申请人修改（须填写原因）")
@openapi.tag("reviews")
@openapi.secured("bearer")
@openapi.response(200, {"application/json": ItemOut})
@body(ReturnIn)
@require(*REVIEWERS)
async def return_(request: Request, item_id: int, principal: Principal, body: ReturnIn) -> HTTPResponse:
    return await _decided(request, principal, item_id, ActionKind.RETURN, body)


@bp.post("/reviews/batch-approve")
@openapi.summary("批量审核通过（每项单独处理，最多 50 项）")
@openapi.tag("reviews")
@openapi.secured("bearer")
@openapi.response(200, {"application/json": BatchOut})
@body(BatchApproveIn)
@require(*REVIEWERS)
async def batch_approve(request: Request, principal: Principal, body: BatchApproveIn) -> HTTPResponse:
    results = await service.batch_approve(principal=principal, item_ids=body.ids, ip=client_ip(request))
    return _out(BatchOut(results=[BatchItemOut.of(r) for r in results], approved=sum(r.ok for r in results)))


@bp.get("/reviews/history")
@openapi.summary("我的审核记录")
@openapi.tag("reviews")
@openapi.secured("bearer")
@openapi.response(200, {"application/json": HistoryPageOut})
@query(PageQuery)
@require(*REVIEWERS)
async def review_history(request: Request, principal: Principal, query: PageQuery) -> HTTPResponse:
    actions = await service.history(principal=principal, cursor=query.cursor, limit=query.limit)
    next_cursor = actions[-1].id if len(actions) == query.limit else None
    return _out(HistoryPageOut(items=[DecisionOut.of(a) for a in actions], next_cursor=next_cursor))


@bp.get("/reviews/stats")
@openapi.summary("我的审核统计：待审、今日已审、平均审核时长")
@openapi.tag("reviews")
@openapi.response(200, {"application/json": StatsOut})
@require(*REVIEWERS)
async def review_stats(request: Request, principal: Principal) -> HTTPResponse:
    return _out(StatsOut.of(await service.stats(principal=principal)))


@bp.get("/my/reviews")
@openapi.summary("我提交的审核事项")
@openapi.tag("reviews")
@openapi.secured("bearer")
@openapi.response(200, {"application/json": ItemPageOut})
@query(PageQuery)
@require(Role.PHYSICIAN)
async def my_reviews(request: Request, principal: Principal, query: PageQuery) -> HTTPResponse:
    items = await service.my_items(applicant_id=principal.user_id, cursor=query.cursor, limit=query.limit)
    next_cursor = items[-1].id if len(items) == query.limit else None
    return _out(ItemPageOut(items=[ItemOut.of(i) for i in items], next_cursor=next_cursor))


@bp.get("/my/reviews/<item_id:int>")
@openapi.summary("我提交的审核事项详情")
@openapi.tag("reviews")
@openapi.response(200, {"application/json": ItemDetailOut})
@require(Role.PHYSICIAN)
async def my_review(request: Request, item_id: int, principal: Principal) -> HTTPResponse:
    item = await service.own_item(applicant_id=principal.user_id, item_id=item_id)
    return _out(await _detail(principal, item.id))


@bp.post("/my/reviews/<item_id:int>/withdraw")
@openapi.summary("撤回尚未审核的申请")
@openapi.tag("reviews")
@openapi.response(200, {"application/json": ItemOut})
@require(Role.PHYSICIAN)
async def withdraw(request: Request, item_id: int, principal: Principal) -> HTTPResponse:
    item = await service.withdraw_item(applicant_id=principal.user_id, item_id=item_id, ip=client_ip(request))
    await item.fetch_related("applicant")
    return _out(ItemOut.of(item))


@bp.post("/my/reviews/<item_id:int>/resubmit")
@openapi.summary("修改后重新提交被退回的申请")
@openapi.tag("reviews")
@openapi.secured("bearer")
@openapi.response(200, {"application/json": ItemOut})
@body(ResubmitIn)
@require(Role.PHYSICIAN)
async def resubmit(request: Request, item_id: int, principal: Principal, body: ResubmitIn) -> HTTPResponse:
    item = await service.resubmit_item(
        applicant_id=principal.user_id,
        item_id=item_id,
        payload=body.payload,
        attachments=body.attachments,
        ip=client_ip(request),
    )
    await item.fetch_related("applicant")
    return _out(ItemOut.of(item))
