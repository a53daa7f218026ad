"""Review API: the reviewer's queue and decisions, and the applicant's own items."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic_ext import openapi

from server.accounts import api as accounts_api
from server.common.apidoc import raises
from server.common.auth import Principal, require
from server.common.enums import Role
from server.common.http import client_ip
from server.common.validation import body, query
from server.common.web import json_content, out
from server.workflow import errors as workflow_errors
from server.workflow import service
from server.workflow.events import ReviewDecided
from server.workflow.models import ActionKind, ReviewItem
from server.workflow.schemas import (
    ActionOut,
    ApproveIn,
    BatchApproveIn,
    BatchItemOut,
    BatchOut,
    CountsOut,
    DecisionOut,
    FileLinkOut,
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


async def _itemsout(items: list[ReviewItem]) -> list[ItemOut]:
    people = await accounts_api.people({i.applicant_id for i in items})  # type: ignore[attr-defined]
    return [ItemOut.of(i, people) for i in items]


async def _item_out(item: ReviewItem) -> ItemOut:
    return (await _itemsout([item]))[0]


async def _detail(principal: Principal, item_id: int) -> ItemDetailOut:
    item = await service.get_visible_item(principal=principal, item_id=item_id)
    actions = await service.item_history(item)
    people = await accounts_api.people({item.applicant_id} | {a.actor_id for a in actions if a.actor_id})  # type: ignore[attr-defined]
    base = ItemOut.of(item, people).model_dump()
    return ItemDetailOut(
        **base,
        payload=item.payload,
        attachments=item.attachments,
        # The owner part lists the item's files in its payload (the engine knows no kind's files)
        files=[FileLinkOut.model_validate(f) for f in (item.payload or {}).get("files", [])],
        history=[ActionOut.of(a, people) for a in actions],
    )


@bp.get("/reviews/queue")
@openapi.summary("待我审核的事项")
@openapi.tag("reviews")
@openapi.secured("bearer")
@openapi.response(200, json_content(ItemPageOut))
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
    return out(ItemPageOut(items=await _itemsout(items), next_cursor=next_cursor))


@bp.get("/reviews/queue/counts")
@openapi.summary("各类待审事项数量（角标）")
@openapi.tag("reviews")
@openapi.response(200, json_content(CountsOut))
@require(*REVIEWERS)
async def review_queue_counts(request: Request, principal: Principal) -> HTTPResponse:
    counts = await service.queue_counts(principal=principal)
    return out(CountsOut(counts=counts, total=sum(counts.values())))


@bp.get("/reviews/items/<item_id:int>")
@openapi.summary("审核事项详情（含材料与审核记录）")
@openapi.tag("reviews")
@openapi.response(200, json_content(ItemDetailOut))
@require(*REVIEWERS)
async def review_item(request: Request, item_id: int, principal: Principal) -> HTTPResponse:
    return out(await _detail(principal, item_id))


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
    return out(await _item_out(item))


@bp.post("/reviews/items/<item_id:int>/approve")
@raises(workflow_errors.AlreadyDecided, workflow_errors.StepNotReached, workflow_errors.SubjectChanged, ReviewDecided)
@openapi.summary("审核通过当前环节")
@openapi.tag("reviews")
@openapi.secured("bearer")
@openapi.response(200, json_content(ItemOut))
@body(ApproveIn)
@require(*REVIEWERS)
async def approve(request: Request, item_id: int, principal: Principal, body: ApproveIn) -> HTTPResponse:
    return await _decided(request, principal, item_id, ActionKind.APPROVE, body)


@bp.post("/reviews/items/<item_id:int>/reject")
@raises(workflow_errors.AlreadyDecided, workflow_errors.ReasonRequired)
@openapi.summary("审核不通过（须填写原因）")
@openapi.tag("reviews")
@openapi.secured("bearer")
@openapi.response(200, json_content(ItemOut))
@body(RejectIn)
@require(*REVIEWERS)
async def reject(request: Request, item_id: int, principal: Principal, body: RejectIn) -> HTTPResponse:
    return await _decided(request, principal, item_id, ActionKind.REJECT, body)


@bp.post("/reviews/items/<item_id:int>/return")
@openapi.summary("退回申请人修改（须填写原因）")
@openapi.tag("reviews")
@openapi.secured("bearer")
@openapi.response(200, json_content(ItemOut))
@body(ReturnIn)
@require(*REVIEWERS)
async def return_(request: Request, item_id: int, principal: Principal, body: ReturnIn) -> HTTPResponse:
    return await _decided(request, principal, item_id, ActionKind.RETURN, body)


@bp.post("/reviews/batch-approve")
@openapi.summary("批量审核通过（每项单独处理，最多 50 项）")
@openapi.tag("reviews")
@openapi.secured("bearer")
@openapi.response(200, json_content(BatchOut))
@body(BatchApproveIn)
@require(*REVIEWERS)
async def batch_approve(request: Request, principal: Principal, body: BatchApproveIn) -> HTTPResponse:
    results = await service.batch_approve(principal=principal, item_ids=body.ids, ip=client_ip(request))
    return out(BatchOut(results=[BatchItemOut.of(r) for r in results], approved=sum(r.ok for r in results)))


@bp.get("/reviews/history")
@openapi.summary("我的审核记录")
@openapi.tag("reviews")
@openapi.secured("bearer")
@openapi.response(200, json_content(HistoryPageOut))
@query(PageQuery)
@require(*REVIEWERS)
async def review_history(request: Request, principal: Principal, query: PageQuery) -> HTTPResponse:
    actions = await service.history(principal=principal, cursor=query.cursor, limit=query.limit)
    next_cursor = actions[-1].id if len(actions) == query.limit else None
    return out(HistoryPageOut(items=[DecisionOut.of(a) for a in actions], next_cursor=next_cursor))


@bp.get("/reviews/stats")
@openapi.summary("我的审核统计：待审、今日已审、平均审核时长")
@openapi.tag("reviews")
@openapi.response(200, json_content(StatsOut))
@require(*REVIEWERS)
async def review_stats(request: Request, principal: Principal) -> HTTPResponse:
    return out(StatsOut.of(await service.stats(principal=principal)))


@bp.get("/my/reviews")
@openapi.summary("我提交的审核事项")
@openapi.tag("reviews")
@openapi.secured("bearer")
@openapi.response(200, json_content(ItemPageOut))
@query(PageQuery)
@require(Role.PHYSICIAN)
async def my_reviews(request: Request, principal: Principal, query: PageQuery) -> HTTPResponse:
    items = await service.my_items(applicant_id=principal.user_id, cursor=query.cursor, limit=query.limit)
    next_cursor = items[-1].id if len(items) == query.limit else None
    return out(ItemPageOut(items=await _itemsout(items), next_cursor=next_cursor))


@bp.get("/my/reviews/<item_id:int>")
@openapi.summary("我提交的审核事项详情")
@openapi.tag("reviews")
@openapi.response(200, json_content(ItemDetailOut))
@require(Role.PHYSICIAN)
async def my_review(request: Request, item_id: int, principal: Principal) -> HTTPResponse:
    item = await service.own_item(applicant_id=principal.user_id, item_id=item_id)
    return out(await _detail(principal, item.id))


@bp.post("/my/reviews/<item_id:int>/withdraw")
@raises(workflow_errors.NotWithdrawable)
@openapi.summary("撤回尚未审核的申请")
@openapi.tag("reviews")
@openapi.response(200, json_content(ItemOut))
@require(Role.PHYSICIAN)
async def withdraw(request: Request, item_id: int, principal: Principal) -> HTTPResponse:
    item = await service.withdraw_item(applicant_id=principal.user_id, item_id=item_id, ip=client_ip(request))
    return out(await _item_out(item))


@bp.post("/my/reviews/<item_id:int>/resubmit")
@raises(workflow_errors.NotReturned, workflow_errors.ResubmitElsewhere)
@openapi.summary("修改后重新提交被退回的申请")
@openapi.tag("reviews")
@openapi.secured("bearer")
@openapi.response(200, json_content(ItemOut))
@body(ResubmitIn)
@require(Role.PHYSICIAN)
async def resubmit(request: Request, item_id: int, principal: Principal, body: ResubmitIn) -> HTTPResponse:
    item = await service.resubmit_item(
        applicant_id=principal.user_id,
        item_id=item_id,
        payload=body.payload,
        attachments=body.attachments,
        ip=client_ip(request),
        via_owner=False,
    )
    return out(await _item_out(item))
