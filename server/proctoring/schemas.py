"""Request and response shapes of the proctoring API."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from server.accounts.api import Person
from server.proctoring.captures import CaptureResult
from server.proctoring.consent import ConsentTerms
from server.proctoring.flags import FlagDetail
from server.proctoring.models import FaceCapture, FaceImage, ProctoredAttempt, ProctorFlag, Snapshot
from server.proctoring.snapshots import Schedule, SnapshotResult


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ConsentIn(_In):
    version: str = Field(min_length=1, max_length=32, description="所同意的告知同意书版本（GET 返回的 version）")


class CaptureIn(_In):
    exam_kind: Literal["humanities", "professional"] = Field(
        description="考试类型：humanities 人文 / professional 业务"
    )


class DecisionIn(_In):
    decision: Literal["cleared", "invalidated"] = Field(description="cleared 排除异常 / invalidated 判定本场考试无效")
    reason: str = Field(min_length=1, max_length=500, description="处理理由")


class FlagQuery(_In):
    status: Literal["open", "cleared", "invalidated"] | None = Field(default=None, description="按处理状态筛选")
    cursor: int | None = Field(default=None, ge=0, description="上一页返回的 next_cursor")
    limit: int = Field(default=20, ge=1, le=100, description="每页条数")


class ConsentOut(BaseModel):
    version: str = Field(description="告知同意书版本", examples=["2026-01"])
    purpose: str = Field(description="处理目的")
    retention: str = Field(description="保存期限说明")
    retention_days: int = Field(description="保存天数", examples=[180])
    viewers: list[str] = Field(description="可查看照片的人员")
    text: str = Field(description="告知同意书全文")
    accepted: bool = Field(description="本人是否已同意当前版本")
    accepted_at: datetime | None = Field(default=None, description="同意时间")

    @classmethod
    def of(cls, terms: ConsentTerms, accepted_at: datetime | None) -> ConsentOut:
        return cls(
            version=terms.version,
            purpose=terms.purpose,
            retention=terms.retention,
            retention_days=terms.retention_days,
            viewers=list(terms.viewers),
            text=terms.text,
            accepted=accepted_at is not None,
            accepted_at=accepted_at,
        )


class CaptureOut(BaseModel):
    capture_id: str = Field(description="采集编号（随机令牌），开始考试时提交", examples=["kq3Xw0y…"])
    accepted: bool = Field(description="是否通过检测（未通过时返回错误，不会返回本结构）", examples=[True])
    image_id: str = Field(description="照片编号，可用于 GET /proctoring/images/{image_id} 查看本人照片")
    measurements: dict[str, Any] = Field(
        description="检测到的数值：format、size_bytes、width、height、face{x,y,width,height}、face_ratio、"
        "brightness（面部平均亮度 0–255）、sharpness（清晰度）",
        examples=[{"width": 640, "height": 480, "face_ratio": 0.4, "brightness": 155.2, "sharpness": 180.3}],
    )
    created_at: datetime
    expires_at: datetime = Field(description="在此时间前开始考试有效")

    @classmethod
    def of(cls, r: CaptureResult) -> CaptureOut:
        return cls(
            capture_id=r.capture_id,
            accepted=True,
            image_id=r.image_id,
            measurements=r.measurements,
            created_at=r.created_at,
            expires_at=r.expires_at,
        )


class ScheduleOut(BaseModel):
    attempt_ref: str
    started_at: datetime = Field(description="监考开始时间（领取采集结果的时刻）")
    server_time: datetime = Field(description="服务器当前时间，客户端据此校准")
    offsets_s: list[int] = Field(description="开始后第几秒拍照（每场考试随机）", examples=[[412, 1530, 2987]])
    due_at: list[datetime] = Field(description="各次拍照的时间")
    taken_slots: list[int] = Field(description="已完成的拍照序号（offsets_s 的下标）")
    grace_s: int = Field(description="晚于预定时间多少秒内拍照仍有效", examples=[120])
    closed: bool = Field(description="考试是否已结束")

    @classmethod
    def of(cls, s: Schedule, now: datetime) -> ScheduleOut:
        a = s.attempt
        return cls(
            attempt_ref=a.attempt_ref,
            started_at=a.started_at,
            server_time=now,
            offsets_s=list(a.snapshot_offsets),
            due_at=[a.started_at + timedelta(seconds=o) for o in a.snapshot_offsets],
            taken_slots=s.taken_slots,
            grace_s=s.grace_s,
            closed=a.closed_at is not None,
        )


class SnapshotOut(BaseModel):
    snapshot_id: int
    slot: int | None = Field(description="对应的拍照序号；不在预定时间内的照片为 null")
    accepted: bool = Field(description="照片是否通过检测")
    outcome: str = Field(description="ok，或未通过的原因代码（如 FACE_NOT_FOUND、IMAGE_TOO_DARK）")
    message: str | None = Field(default=None, description="未通过时给本人的提示")
    flagged: bool = Field(description="是否已记录监考异常（未检测到人脸或检测到多张人脸）")
    image_id: str | None = Field(default=None, description="保存的照片编号（仅通过或记为异常时保存）")
    measurements: dict[str, Any] = Field(description="检测到的数值")

    @classmethod
    def of(cls, r: SnapshotResult) -> SnapshotOut:
        return cls(
            snapshot_id=r.snapshot.id,
            slot=r.snapshot.slot,
            accepted=r.accepted,
            outcome=r.snapshot.outcome,
            message=r.message,
            flagged=r.flagged,
            image_id=r.image_id,
            measurements=r.snapshot.measurements,
        )


class CandidateOut(BaseModel):
    user_id: int
    name: str | None = Field(description="姓名（脱敏）", examples=["张*丰"])


class FlagOut(BaseModel):
    id: int
    attempt_ref: str
    exam_kind: str
    reason: str = Field(description="face_missing 未检测到人脸 / face_multiple 多张人脸 / snapshot_missed 未按时拍照")
    status: str = Field(description="open 待处理 / cleared 已排除 / invalidated 判定无效")
    slot: int | None
    candidate: CandidateOut
    region_code: str | None
    institution_id: int | None
    created_at: datetime
    decided_at: datetime | None
    decision_reason: str | None

    @classmethod
    def of(cls, flag: ProctorFlag, people: dict[int, Person]) -> FlagOut:
        attempt: ProctoredAttempt = flag.attempt
        user_id: int = attempt.user_id  # type: ignore[attr-defined]
        person = people.get(user_id)
        return cls(
            id=flag.id,
            attempt_ref=attempt.attempt_ref,
            exam_kind=attempt.exam_kind,
            reason=str(flag.reason),
            status=str(flag.status),
            slot=flag.slot,
            candidate=CandidateOut(user_id=user_id, name=person.name_masked if person else None),
            region_code=flag.region_code,
            institution_id=flag.institution_id,
            created_at=flag.created_at,
            decided_at=flag.decided_at,
            decision_reason=flag.decision_reason,
        )


class FlagPageOut(BaseModel):
    items: list[FlagOut]
    next_cursor: int | None = Field(description="下一页游标；没有更多时为 null")


class ImageRefOut(BaseModel):
    image_id: str | None = Field(description="照片编号，GET /proctoring/images/{image_id} 获取（每次查看均记录）")
    deleted: bool = Field(description="照片是否已因超过保存期限被删除")

    @classmethod
    def of(cls, image: FaceImage | None) -> ImageRefOut:
        if image is None:
            return cls(image_id=None, deleted=False)
        return cls(image_id=image.public_id, deleted=image.deleted_at is not None)


class CaptureSummaryOut(BaseModel):
    image: ImageRefOut
    measurements: dict[str, Any]
    created_at: datetime

    @classmethod
    def of(cls, capture: FaceCapture, image: FaceImage) -> CaptureSummaryOut:
        return cls(image=ImageRefOut.of(image), measurements=capture.measurements, created_at=capture.created_at)


class SnapshotSummaryOut(BaseModel):
    snapshot_id: int
    slot: int | None
    outcome: str
    image: ImageRefOut
    measurements: dict[str, Any]
    created_at: datetime

    @classmethod
    def of(cls, s: Snapshot) -> SnapshotSummaryOut:
        return cls(
            snapshot_id=s.id,
            slot=s.slot,
            outcome=s.outcome,
            image=ImageRefOut.of(s.image),
            measurements=s.measurements,
            created_at=s.created_at,
        )


class FlagDetailOut(FlagOut):
    started_at: datetime
    closed_at: datetime | None
    offsets_s: list[int]
    capture: CaptureSummaryOut
    snapshots: list[SnapshotSummaryOut]

    @classmethod
    def of_detail(cls, d: FlagDetail, people: dict[int, Person]) -> FlagDetailOut:
        return cls(
            **FlagOut.of(d.flag, people).model_dump(),
            started_at=d.attempt.started_at,
            closed_at=d.attempt.closed_at,
            offsets_s=list(d.attempt.snapshot_offsets),
            capture=CaptureSummaryOut.of(d.capture, d.capture_image),
            snapshots=[SnapshotSummaryOut.of(s) for s in d.snapshots],
        )


class ConsentAcceptedOut(BaseModel):
    version: str
    accepted_at: datetime
