"""Request and response shapes of the review API."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictInt

from server.accounts.api import Person
from server.workflow.kinds import get_kind, summarize
from server.workflow.models import ReviewAction, ReviewItem
from server.workflow.service import BatchResult, Stats


def _iso_date(value: Any) -> Any:
    # pydantic would read a number (``0``, ``"0"``) as a Unix time; the contract says YYYY-MM-DD only.
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("日期格式应为 YYYY-MM-DD")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


Attachments = list[str]


class ApproveIn(_In):
    comment: str | None = Field(default=None, max_length=500)
    attachments: Attachments = Field(default_factory=list, max_length=20)
    version: int | None = Field(default=None, ge=1, description="看到的版本号，不一致时返回 ALREADY_DECIDED")


class RejectIn(_In):
    reason: str = Field(min_length=1, max_length=500)
    comment: str | None = Field(default=None, max_length=500)
    attachments: Attachments = Field(default_factory=list, max_length=20)
    version: int | None = Field(default=None, ge=1)


class ReturnIn(_In):
    reason: str = Field(min_length=1, max_length=500)
    comment: str | None = Field(default=None, max_length=500)
    version: int | None = Field(default=None, ge=1)


class BatchApproveIn(_In):
    ids: list[StrictInt] = Field(min_length=1, max_length=50)


class ResubmitIn(_In):
    payload: dict[str, Any]
    attachments: Attachments | None = Field(default=None, max_length=20)


class QueueQuery(_In):
    kind: str | None = Field(default=None, max_length=64, description="事项类型")
    submitted_from: IsoDate | None = Field(default=None, description="提交日期起（含）")
    submitted_to: IsoDate | None = Field(default=None, description="提交日期止（含）")
    applicant_name: str | None = Field(default=None, max_length=64, description="申请人姓名（包含）")
    cursor: int | None = Field(default=None, ge=0, description="上一页返回的 next_cursor")
    limit: int = Field(default=20, ge=1, le=100, description="每页条数")


class PageQuery(_In):
    cursor: int | None = Field(default=None, ge=0, description="上一页返回的 next_cursor")
    limit: int = Field(default=20, ge=1, le=100, description="每页条数")


class ApplicantOut(BaseModel):
    id: int
    name: str | None
    phone: str | None
    id_number: str | None

    @classmethod
    def masked(cls, user_id: int, person: Person | None) -> ApplicantOut:
        if person is None:
            return cls(id=user_id, name=None, phone=None, id_number=None)
        return cls(id=user_id, name=person.name_masked, phone=person.phone_masked, id_number=person.id_number_masked)


class SummaryFieldOut(BaseModel):
    label: str = Field(examples=["报考专业"])
    value: str = Field(examples=["内科专业"])


class ItemOut(BaseModel):
    id: int
    kind: str
    title: str
    subject_type: str
    subject_id: str
    status: str
    current_step: int
    step_count: int
    current_role: str | None
    version: int
    submitted_at: datetime
    decided_at: datetime | None
    applicant: ApplicantOut
    summary: list[SummaryFieldOut] = Field(
        default_factory=list, description="队列中显示的关键信息（按事项类型，如报考专业、执业机构）"
    )

    @classmethod
    def of(cls, item: ReviewItem, people: dict[int, Person]) -> ItemOut:
        spec = get_kind(item.kind)
        applicant_id: int = item.applicant_id  # type: ignore[attr-defined]
        pending = item.status == "pending"
        return cls(
            id=item.id,
            kind=item.kind,
            title=spec.title,
            subject_type=item.subject_type,
            subject_id=item.subject_id,
            status=str(item.status),
            current_step=item.current_step,
            step_count=len(spec.steps),
            current_role=spec.steps[item.current_step].role.value if pending else None,
            version=item.version,
            submitted_at=item.submitted_at,
            decided_at=item.decided_at,
            applicant=ApplicantOut.masked(applicant_id, people.get(applicant_id)),
            summary=[SummaryFieldOut(label=label, value=value) for label, value in summarize(spec, item.payload)],
        )


class ActionOut(BaseModel):
    id: int
    step: int
    action: str
    actor_id: int | None
    actor_name: str | None
    reason: str | None
    comment: str | None
    attachments: list[Any]
    created_at: datetime

    @classmethod
    def of(cls, action: ReviewAction, people: dict[int, Person]) -> ActionOut:
        actor = people.get(action.actor_id) if action.actor_id else None  # type: ignore[attr-defined]
        return cls(
            id=action.id,
            step=action.step,
            action=str(action.action),
            actor_id=action.actor_id,  # type: ignore[attr-defined]
            actor_name=actor.name_masked if actor is not None else None,
            reason=action.reason,
            comment=action.comment,
            attachments=list(action.attachments or []),
            created_at=action.created_at,
        )


class FileLinkOut(BaseModel):
    """A file the reviewer opens from the detail, served by the app with its own access check (bearer token)."""

    role: str = Field(
        description="new_photo 新相片 / current_photo 当前相片 / form 申请表 / attachment 申请附件",
        examples=["new_photo"],
    )
    label: str = Field(examples=["新相片"])
    href: str = Field(
        description="GET 此地址（带 Authorization 头）下载文件", examples=["/api/v1/registry/info-changes/7/photo"]
    )
    media_type: str = Field(examples=["image/jpeg"])


class ItemDetailOut(ItemOut):
    payload: dict[str, Any]
    attachments: list[Any]
    files: list[FileLinkOut] = Field(
        default_factory=list, description="可下载的文件：相片更新的新相片与当前相片、业务申请的申请表（PDF）与附件"
    )
    history: list[ActionOut]


class ItemPageOut(BaseModel):
    items: list[ItemOut]
    next_cursor: int | None


class CountsOut(BaseModel):
    counts: dict[str, int]
    total: int


class DecisionOut(BaseModel):
    id: int
    item_id: int
    kind: str
    step: int
    action: str
    reason: str | None
    comment: str | None
    created_at: datetime

    @classmethod
    def of(cls, action: ReviewAction) -> DecisionOut:
        return cls(
            id=action.id,
            item_id=action.item_id,  # type: ignore[attr-defined]
            kind=action.item.kind,
            step=action.step,
            action=str(action.action),
            reason=action.reason,
            comment=action.comment,
            created_at=action.created_at,
        )


class HistoryPageOut(BaseModel):
    items: list[DecisionOut]
    next_cursor: int | None


class BatchItemOut(BaseModel):
    id: int
    ok: bool
    code: str | None = None
    message: str | None = None

    @classmethod
    def of(cls, result: BatchResult) -> BatchItemOut:
        return cls(id=result.id, ok=result.ok, code=result.code, message=result.message)


class BatchOut(BaseModel):
    results: list[BatchItemOut]
    approved: int


class StatsOut(BaseModel):
    pending: int
    decided_today: int
    average_decision_hours: float | None

    @classmethod
    def of(cls, stats: Stats) -> StatsOut:
        return cls(
            pending=stats.pending,
            decided_today=stats.decided_today,
            average_decision_hours=stats.average_decision_hours,
        )
