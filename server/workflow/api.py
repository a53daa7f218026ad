"""The review engine's public face for the parts whose kinds it reviews.

    item = await workflow_api.submit_item(kind=..., subject_type=..., subject_id=..., applicant_id=..., ...)
    state = await workflow_api.item_state(item_id)      # status, step, what the applicant reads while it waits
    SUBSCRIPTIONS = {workflow_api.ReviewDecided: [...], workflow_api.ReviewWithdrawn: [...]}

A subscriber that cannot apply a decision raises ``SubjectChanged`` (or its own ``AppError``): the decision is
undone and the reviewer reads why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from server.common.auth import Principal
from server.workflow import service
from server.workflow.errors import NotWithdrawable, ReviewNotFound, SubjectChanged, UnknownKind
from server.workflow.events import Decision, ReviewDecided, ReviewEvent, ReviewResubmitted, ReviewWithdrawn
from server.workflow.kinds import KINDS, get_kind
from server.workflow.models import ReviewItem, ReviewStatus

submit_item = service.create_item  # joins the caller's transaction
withdraw_item = service.withdraw_item
resubmit_item = service.resubmit_item


@dataclass(frozen=True, slots=True)
class ItemState:
    id: int
    kind: str
    subject_id: str
    status: str  # pending | approved | rejected | returned | withdrawn
    current_step: int
    step_count: int
    waiting_for: str | None  # while pending: who has it now, in words ("待机构确认")
    version: int
    submitted_at: datetime
    decided_at: datetime | None


def _state(item: ReviewItem) -> ItemState:
    spec = service.spec_of(item)
    pending = item.status == ReviewStatus.PENDING
    return ItemState(
        id=item.id,
        kind=item.kind,
        subject_id=item.subject_id,
        status=item.status.value,
        current_step=item.current_step,
        step_count=len(spec.steps),
        waiting_for=spec.steps[item.current_step].label if pending else None,
        version=item.version,
        submitted_at=item.submitted_at,
        decided_at=item.decided_at,
    )


async def item_state(item_id: int | None) -> ItemState | None:
    item = await ReviewItem.get_or_none(id=item_id) if item_id else None
    return _state(item) if item else None


async def item_states(ids: set[int]) -> dict[int, ItemState]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {i.id: _state(i) for i in await ReviewItem.filter(id__in=list(ids))}


async def latest_item(*, kind: str, subject_type: str, subject_id: str) -> ItemState | None:
    item = await ReviewItem.filter(kind=kind, subject_type=subject_type, subject_id=subject_id).order_by("-id").first()
    return _state(item) if item else None


async def visible_to(principal: Principal, item_id: int) -> bool:
    item = await ReviewItem.get_or_none(id=item_id)
    return item is not None and service.can_see(principal, item)


def kind_title(kind: str) -> str:
    return get_kind(kind).title


__all__ = [
    "KINDS",
    "Decision",
    "ItemState",
    "NotWithdrawable",
    "ReviewDecided",
    "ReviewEvent",
    "ReviewNotFound",
    "ReviewResubmitted",
    "ReviewWithdrawn",
    "SubjectChanged",
    "UnknownKind",
    "item_state",
    "item_states",
    "kind_title",
    "latest_item",
    "resubmit_item",
    "submit_item",
    "visible_to",
    "withdraw_item",
]
