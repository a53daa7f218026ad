"""The review engine: submit, withdraw, resubmit, and one decision per step.

Every write runs in one transaction with its audit entry and its event. A decision is a conditional UPDATE
(``WHERE status='pending' AND current_step=? AND version=?``) issued first in the transaction: the database, not an
in-process lock, lets exactly one of many concurrent deciders through. The kind's owner applies a final decision
in a ``ReviewDecided`` subscriber in that same transaction; if it cannot, the decision is undone. Items outside
the caller's scope are reported as absent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

from tortoise.expressions import Q

from server.accounts import api as accounts_api
from server.common import audit, events, scope
from server.common.auth import Principal
from server.common.outbox import emit
from server.db import run_atomic
from server.errors import AppError
from server.workflow.errors import (
    AlreadyDecided,
    NotReturned,
    NotWithdrawable,
    ReasonRequired,
    ResubmitElsewhere,
    ReviewNotFound,
    StepNotReached,
)
from server.workflow.events import ReviewDecided, ReviewResubmitted, ReviewWithdrawn
from server.workflow.kinds import KindSpec, Step, all_kinds, get_kind
from server.workflow.models import DECISIONS, ActionKind, ReviewAction, ReviewItem, ReviewStatus

CN_TZ = timezone(timedelta(hours=8))
DECIDED_EVENT = "review.decided"


def _now() -> datetime:
    return datetime.now(UTC)


def spec_of(item: ReviewItem) -> KindSpec:
    """The kind of a stored item; one no part declares any more is a bug to see, not an item to hide."""
    try:
        return get_kind(item.kind)
    except AppError:
        raise RuntimeError(f"review item {item.id} has kind {item.kind!r}, undeclared in workflow/kinds.py") from None


# ---------------------------------------------------------------- scope


def _step_scope(principal: Principal, step: Step, prefix: str = "") -> Q | None:
    if step.role != principal.role:
        return None
    return scope.scope_filter(
        principal,
        institution_field=f"{prefix}institution_id",
        region_field=f"{prefix}region_code",
        roles=(step.role,),
    )


def steps_q(principal: Principal, prefix: str = "", step_field: str = "current_step") -> Q | None:
    """Rows whose (kind, step) the principal reviews, within the principal's scope; None when there are none."""
    parts: list[Q] = []
    for spec in all_kinds():
        for index, step in enumerate(spec.steps):
            within = _step_scope(principal, step, prefix)
            if within is not None:
                parts.append(Q(**{f"{prefix}kind": spec.name, step_field: index}) & within)  # type: ignore[arg-type]
    if not parts:
        return None
    return Q(*parts, join_type=Q.OR)


def _subject(item: ReviewItem) -> scope.Subject:
    return scope.Subject(institution_id=item.institution_id, region_code=item.region_code)


def can_act(principal: Principal, item: ReviewItem, step: Step) -> bool:
    return step.role == principal.role and scope.covers(principal, _subject(item))


def can_see(principal: Principal, item: ReviewItem) -> bool:
    """The applicant, or a reviewer whose role and scope match a step of the item's chain (pending or not)."""
    if item.applicant_id == principal.user_id:  # type: ignore[attr-defined]
        return True
    return any(can_act(principal, item, step) for step in spec_of(item).steps)


async def get_visible_item(*, principal: Principal, item_id: int) -> ReviewItem:
    item = await ReviewItem.get_or_none(id=item_id)
    if item is None or not can_see(principal, item):
        raise ReviewNotFound()
    return item


# ---------------------------------------------------------------- applicant side


async def create_item(
    *,
    kind: str,
    subject_type: str,
    subject_id: str,
    applicant_id: int,
    institution_id: int | None,
    region_code: str | None,
    payload: dict[str, Any],
    attachments: list[Any] | None = None,
    ip: str | None = None,
) -> ReviewItem:
    """Create and submit an item inside the caller's own transaction (for parts that already hold one)."""
    get_kind(kind)
    item = await ReviewItem.create(
        kind=kind,
        subject_type=subject_type,
        subject_id=str(subject_id),
        applicant_id=applicant_id,
        institution_id=institution_id,
        region_code=region_code,
        payload=payload,
        attachments=attachments or [],
        submitted_at=_now(),
    )
    await ReviewAction.create(
        item=item, step=0, actor_id=applicant_id, action=ActionKind.SUBMIT, attachments=attachments or []
    )
    await audit.record(
        action="review.submit",
        actor_id=applicant_id,
        subject_type="review_item",
        subject_id=str(item.id),
        ip=ip,
        details={"kind": kind},
    )
    return item


async def own_item(*, applicant_id: int, item_id: int) -> ReviewItem:
    item = await ReviewItem.get_or_none(id=item_id)
    if item is None or item.applicant_id != applicant_id:  # type: ignore[attr-defined]
        raise ReviewNotFound()
    return item


def _event_fields(item: ReviewItem) -> dict[str, Any]:
    return {
        "item_id": item.id,
        "kind": item.kind,
        "subject_type": item.subject_type,
        "subject_id": item.subject_id,
        "applicant_id": item.applicant_id,  # type: ignore[attr-defined]
    }


async def withdraw_item(*, applicant_id: int, item_id: int, ip: str | None = None) -> ReviewItem:
    """The applicant takes the item back while no reviewer has decided in this round; its owner hears of it."""
    item = await own_item(applicant_id=applicant_id, item_id=item_id)

    async def tx() -> None:
        now = _now()
        changed = await ReviewItem.filter(
            id=item.id, status=ReviewStatus.PENDING, current_step=0, version=item.version
        ).update(status=ReviewStatus.WITHDRAWN, version=item.version + 1, decided_at=now, updated_at=now)
        if changed != 1:
            raise NotWithdrawable()
        await ReviewAction.create(item_id=item.id, step=0, actor_id=applicant_id, action=ActionKind.WITHDRAW)
        await audit.record(
            action="review.withdraw", actor_id=applicant_id, subject_type="review_item", subject_id=str(item.id), ip=ip
        )
        await events.publish(ReviewWithdrawn(**_event_fields(item)))

    await run_atomic(tx)
    return await ReviewItem.get(id=item.id)


async def resubmit_item(
    *,
    applicant_id: int,
    item_id: int,
    payload: dict[str, Any],
    attachments: list[Any] | None = None,
    ip: str | None = None,
    via_owner: bool = True,
) -> ReviewItem:
    """A returned item, corrected by its applicant, goes back to the first step; its history stays.

    Owners call this after validating the correction (``via_owner``); the generic route may resubmit only kinds
    whose owner lets the engine take the payload as it comes.
    """
    item = await own_item(applicant_id=applicant_id, item_id=item_id)
    spec = spec_of(item)
    if not via_owner and spec.resubmit != "engine":
        raise ResubmitElsewhere(spec.resubmit_hint or None, details={"kind": item.kind, "subject_id": item.subject_id})

    async def tx() -> None:
        now = _now()
        values: dict[str, Any] = {
            "status": ReviewStatus.PENDING,
            "current_step": 0,
            "version": item.version + 1,
            "payload": payload,
            "submitted_at": now,
            "decided_at": None,
            "updated_at": now,
        }
        if attachments is not None:
            values["attachments"] = attachments
        changed = await ReviewItem.filter(id=item.id, status=ReviewStatus.RETURNED, version=item.version).update(
            **values
        )
        if changed != 1:
            raise NotReturned()
        await ReviewAction.create(
            item_id=item.id, step=0, actor_id=applicant_id, action=ActionKind.RESUBMIT, attachments=attachments or []
        )
        await audit.record(
            action="review.resubmit", actor_id=applicant_id, subject_type="review_item", subject_id=str(item.id), ip=ip
        )
        await events.publish(ReviewResubmitted(**_event_fields(item), payload=payload))

    await run_atomic(tx)
    return await ReviewItem.get(id=item.id)


# ---------------------------------------------------------------- decisions


async def decide_step(
    *,
    principal: Principal,
    item_id: int,
    action: ActionKind,
    reason: str | None = None,
    comment: str | None = None,
    attachments: list[Any] | None = None,
    expected_version: int | None = None,
    ip: str | None = None,
) -> ReviewItem:
    """One reviewer's decision on the item's current step: approve, reject or return."""
    if action in (ActionKind.REJECT, ActionKind.RETURN) and not (reason and reason.strip()):
        raise ReasonRequired(field="reason")
    item = await ReviewItem.get_or_none(id=item_id)
    if item is None:
        raise ReviewNotFound()
    spec = spec_of(item)
    if not can_see(principal, item) or item.applicant_id == principal.user_id:  # type: ignore[attr-defined]
        raise ReviewNotFound()
    step_index = item.current_step
    if item.status != ReviewStatus.PENDING or not can_act(principal, item, spec.steps[step_index]):
        mine = [i for i, step in enumerate(spec.steps) if can_act(principal, item, step)]
        if item.status == ReviewStatus.PENDING and mine and min(mine) > step_index:
            raise StepNotReached()
        # Visible but no longer mine to decide: someone (maybe this reviewer a moment ago) moved it on
        raise AlreadyDecided()
    version = item.version if expected_version is None else expected_version
    await run_atomic(
        _decide_tx,
        spec=spec,
        item=item,
        step_index=step_index,
        version=version,
        principal=principal,
        action=action,
        reason=reason.strip() if reason else None,
        comment=comment,
        attachments=attachments or [],
        ip=ip,
    )
    return await ReviewItem.get(id=item.id)


async def _decide_tx(
    *,
    spec: KindSpec,
    item: ReviewItem,
    step_index: int,
    version: int,
    principal: Principal,
    action: ActionKind,
    reason: str | None,
    comment: str | None,
    attachments: list[Any],
    ip: str | None,
) -> None:
    now = _now()
    last = step_index == len(spec.steps) - 1
    values: dict[str, Any] = {"version": version + 1, "updated_at": now}
    if action == ActionKind.APPROVE and not last:
        values["current_step"] = step_index + 1
        decision: ReviewStatus | None = None
    else:
        decision = {
            ActionKind.APPROVE: ReviewStatus.APPROVED,
            ActionKind.REJECT: ReviewStatus.REJECTED,
            ActionKind.RETURN: ReviewStatus.RETURNED,
        }[action]
        values["status"] = decision
        values["decided_at"] = now
    # The one decision per step: first statement of the transaction, so SQLite takes its write lock here and
    # PostgreSQL re-checks the WHERE clause after waiting for a concurrent decider's row lock
    changed = await ReviewItem.filter(
        id=item.id, status=ReviewStatus.PENDING, current_step=step_index, version=version
    ).update(**values)
    if changed != 1:
        raise AlreadyDecided()
    await ReviewAction.create(
        item_id=item.id,
        step=step_index,
        actor_id=principal.user_id,
        action=action,
        reason=reason,
        comment=comment,
        attachments=attachments,
    )
    await audit.record(
        action=f"review.{action.value}",
        actor_id=principal.user_id,
        subject_type="review_item",
        subject_id=str(item.id),
        ip=ip,
        details={"kind": item.kind, "step": step_index, "reason": reason},
    )
    if decision is None:
        return
    fresh = await ReviewItem.get(id=item.id)
    # The owner applies it here; if it cannot (its subject moved on meanwhile) it raises, and all of this is undone
    await events.publish(
        ReviewDecided(
            **_event_fields(fresh),
            decision=decision.value,  # type: ignore[arg-type]
            step=step_index,
            actor_id=principal.user_id,
            reason=reason,
            payload=dict(fresh.payload or {}),
            comment=comment,
        )
    )
    if not spec.engine_notice:
        return
    await emit(
        kind=DECIDED_EVENT,
        user_id=fresh.applicant_id,  # type: ignore[attr-defined]
        payload={"item_id": fresh.id, "kind": fresh.kind, "title": spec.title, "decision": decision, "reason": reason},
        dedupe_key=f"{DECIDED_EVENT}:{fresh.id}:{version + 1}",
    )


async def approve_step(*, principal: Principal, item_id: int, **options: Any) -> ReviewItem:
    """Approve the current step; ``options``: comment, attachments, expected_version, ip."""
    return await decide_step(principal=principal, item_id=item_id, action=ActionKind.APPROVE, **options)


async def reject_step(*, principal: Principal, item_id: int, reason: str, **options: Any) -> ReviewItem:
    """Reject the item (a reason is required); the subject stays as it was."""
    return await decide_step(principal=principal, item_id=item_id, action=ActionKind.REJECT, reason=reason, **options)


async def return_step(*, principal: Principal, item_id: int, reason: str, **options: Any) -> ReviewItem:
    """Return the item to the applicant for correction (a reason is required)."""
    return await decide_step(principal=principal, item_id=item_id, action=ActionKind.RETURN, reason=reason, **options)


@dataclass(frozen=True, slots=True)
class BatchResult:
    id: int
    ok: bool
    code: str | None = None
    message: str | None = None


async def batch_approve(*, principal: Principal, item_ids: list[int], ip: str | None = None) -> list[BatchResult]:
    """Approve each item on its own: one failure does not undo the others."""
    results: list[BatchResult] = []
    for item_id in dict.fromkeys(item_ids):
        try:
            await approve_step(principal=principal, item_id=item_id, ip=ip)
        except AppError as exc:
            results.append(BatchResult(id=item_id, ok=False, code=exc.code, message=exc.text))
        else:
            results.append(BatchResult(id=item_id, ok=True))
    return results


# ---------------------------------------------------------------- reviewer reads


async def queue(
    *,
    principal: Principal,
    kind: str | None = None,
    submitted_from: date | None = None,
    submitted_to: date | None = None,
    applicant_name: str | None = None,
    cursor: int | None = None,
    limit: int = 20,
) -> list[ReviewItem]:
    """Pending items whose current step is the principal's, oldest first, after ``cursor``."""
    within = steps_q(principal)
    if within is None:
        return []
    qs = ReviewItem.filter(within, status=ReviewStatus.PENDING)
    if kind:
        qs = qs.filter(kind=kind)
    if submitted_from:
        qs = qs.filter(submitted_at__gte=datetime.combine(submitted_from, time.min, CN_TZ))
    if submitted_to:
        qs = qs.filter(submitted_at__lt=datetime.combine(submitted_to + timedelta(days=1), time.min, CN_TZ))
    if applicant_name:
        qs = qs.filter(applicant_id__in=await accounts_api.user_ids_named(applicant_name))
    if cursor:
        qs = qs.filter(id__gt=cursor)
    return await qs.order_by("id").limit(limit)


async def queue_counts(*, principal: Principal) -> dict[str, int]:
    within = steps_q(principal)
    counts = {spec.name: 0 for spec in all_kinds() if any(s.role == principal.role for s in spec.steps)}
    if within is None:
        return counts
    rows = await ReviewItem.filter(within, status=ReviewStatus.PENDING).values_list("kind", flat=True)
    for kind in rows:
        counts[str(kind)] = counts.get(str(kind), 0) + 1
    return counts


async def history(*, principal: Principal, cursor: int | None = None, limit: int = 20) -> list[ReviewAction]:
    """The principal's own decisions, newest first, before ``cursor``."""
    qs = ReviewAction.filter(actor_id=principal.user_id, action__in=list(DECISIONS))
    if cursor:
        qs = qs.filter(id__lt=cursor)
    return await qs.order_by("-id").limit(limit).prefetch_related("item")


async def item_history(item: ReviewItem) -> list[ReviewAction]:
    return await ReviewAction.filter(item_id=item.id).order_by("id")


@dataclass(frozen=True, slots=True)
class Stats:
    pending: int
    decided_today: int
    average_decision_hours: float | None


async def stats(*, principal: Principal) -> Stats:
    """For the principal's role and scope: pending now, decided today, mean hours from submission to decision."""
    pending = sum((await queue_counts(principal=principal)).values())
    within = steps_q(principal, prefix="item__", step_field="step")
    if within is None:
        return Stats(pending=pending, decided_today=0, average_decision_hours=None)
    decided = ReviewAction.filter(within, action__in=list(DECISIONS))
    today = datetime.combine(datetime.now(CN_TZ).date(), time.min, CN_TZ)
    decided_today = await decided.filter(created_at__gte=today).count()
    recent = await decided.filter(created_at__gte=today - timedelta(days=30)).order_by("-id").limit(1000)
    recent_items = {i.id: i for i in await ReviewItem.filter(id__in={a.item_id for a in recent})}  # type: ignore[attr-defined]
    waits = [
        (a.created_at - recent_items[a.item_id].submitted_at).total_seconds() / 3600  # type: ignore[attr-defined]
        for a in recent
        if a.item_id in recent_items  # type: ignore[attr-defined]
    ]
    average = round(sum(waits) / len(waits), 2) if waits else None
    return Stats(pending=pending, decided_today=decided_today, average_decision_hours=average)


async def my_items(*, applicant_id: int, cursor: int | None = None, limit: int = 20) -> list[ReviewItem]:
    qs = ReviewItem.filter(applicant_id=applicant_id)
    if cursor:
        qs = qs.filter(id__lt=cursor)
    return await qs.order_by("-id").limit(limit)
