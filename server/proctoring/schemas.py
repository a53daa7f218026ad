"""Request and response shapes of the proctoring API."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from server.accounts.api import Person
from server.proctoring.captures import CaptureResult
from server.proctoring.consent import ConsentTerms
from server.proctoring.face_data import FaceData, KeptImage
from server.proctoring.flags import FlagDetail
from server.proctoring.identity import REASON_LABELS
from server.proctoring.models import (
    FaceCapture,
    FaceCompareConsent,
    FaceImage,
    IdentityCheck,
    ProctoredAttempt,
    ProctorFlag,
    Snapshot,
)
from server.proctoring.snapshots import Schedule, SnapshotResult


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ConsentIn(_In):
    version: str = Field(min_length=1, max_length=32, description="所同意的告知同意书版本（GET 返回的 version）")


class CompareConsentIn(_In):
    version: str = Field(min_length=1, max_length=32, description="人脸比对单独同意书的版本（GET 返回的 version）")
    accepted: bool = Field(description="true 同意比对 / false 不同意（可申请人工核验身份）")


class IdentityCheckIn(_In):
    reason: Literal["declined", "unmatched", "no_photo", "other"] = Field(
        description="declined 不同意人脸比对 / unmatched 多次采集仍与证件照不一致 / "
        "no_photo 没有可用的证件照 / other 其他"
    )
    note: str = Field(default="", max_length=500, description="补充说明：方便联系的时间，希望现场或视频核验")


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


class FaceMatchOut(BaseModel):
    status: Literal["match", "mismatch", "no_reference", "reference_unusable", "not_compared"] = Field(
        description="与证件照比对结果：match 一致 / mismatch 不一致（可按 guidance 重拍；"
        "仍不一致开始测评时提交考核机构复核，不会直接禁止考试）/ no_reference 无审核通过的证件照（不影响测评）/ "
        "reference_unusable 证件照无法识别人脸 / not_compared 未同意比对"
    )
    distance: float | None = Field(
        default=None, description="特征距离，越小越相似；超过 threshold 为不一致", examples=[0.31]
    )
    threshold: float = Field(description="判定阈值", examples=[0.6])
    guidance: list[str] = Field(description="给本人的提示（如何重拍、如何取得证件照）")


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
    face_match: FaceMatchOut = Field(description="与证件照的比对（仅在同意人脸比对后进行）")

    @classmethod
    def of(cls, r: CaptureResult) -> CaptureOut:
        return cls(
            capture_id=r.capture_id,
            accepted=True,
            image_id=r.image_id,
            measurements=r.measurements,
            created_at=r.created_at,
            expires_at=r.expires_at,
            face_match=FaceMatchOut(
                status=r.match_status.value,
                distance=r.match_distance,
                threshold=r.match_threshold,
                guidance=list(r.guidance),
            ),
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
    reason: str = Field(
        description="face_missing 未检测到人脸 / face_multiple 多张人脸 / snapshot_missed 未按时拍照 / "
        "face_mismatch 与证件照或考前采集不一致（见 distance）/ identity_unverified 未比对且未经人工核验即开始测评"
    )
    status: str = Field(description="open 待处理 / cleared 已排除 / invalidated 判定无效")
    slot: int | None
    distance: float | None = Field(default=None, description="face_mismatch：特征距离（阈值默认 0.6）")
    identity_via: str = Field(
        description="本场考试如何核验身份：face_match 比对一致 / face_mismatch 比对不一致 / no_reference 无证件照 / "
        "not_compared 未比对 / identity_confirmed 考核机构人工核验"
    )
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
            distance=flag.distance,
            identity_via=str(attempt.identity_via),
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
    match_status: str | None = Field(description="与证件照比对结果（见 FaceMatchOut.status）")
    match_distance: float | None
    created_at: datetime

    @classmethod
    def of(cls, capture: FaceCapture, image: FaceImage) -> CaptureSummaryOut:
        return cls(
            image=ImageRefOut.of(image),
            measurements=capture.measurements,
            match_status=str(capture.match_status) if capture.match_status else None,
            match_distance=capture.match_distance,
            created_at=capture.created_at,
        )


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
    capture: CaptureSummaryOut | None = Field(description="考前采集；经人工核验身份开始的考试为 null")
    reference_image: ImageRefOut | None = Field(
        default=None, description="face_mismatch（开考时）：比对所用证件照的副本，与采集照片并排查看"
    )
    snapshots: list[SnapshotSummaryOut]

    @classmethod
    def of_detail(cls, d: FlagDetail, people: dict[int, Person]) -> FlagDetailOut:
        return cls(
            **FlagOut.of(d.flag, people).model_dump(),
            started_at=d.attempt.started_at,
            closed_at=d.attempt.closed_at,
            offsets_s=list(d.attempt.snapshot_offsets),
            capture=CaptureSummaryOut.of(d.capture, d.capture_image) if d.capture and d.capture_image else None,
            reference_image=ImageRefOut.of(d.reference_image) if d.reference_image else None,
            snapshots=[SnapshotSummaryOut.of(s) for s in d.snapshots],
        )


class ConsentAcceptedOut(BaseModel):
    version: str
    accepted_at: datetime


class CompareConsentOut(BaseModel):
    version: str = Field(description="人脸比对单独同意书版本", examples=["2026-12"])
    purpose: str = Field(description="比对什么、为什么")
    retention: str = Field(description="比对结果与特征值的保存期限")
    retention_days: int
    viewers: list[str]
    text: str = Field(description="同意书全文")
    decided: bool = Field(description="本人是否已对当前版本作出选择")
    accepted: bool | None = Field(description="true 同意 / false 不同意 / null 尚未选择")
    decided_at: datetime | None

    @classmethod
    def of(cls, terms: ConsentTerms, row: FaceCompareConsent | None) -> CompareConsentOut:
        return cls(
            version=terms.version,
            purpose=terms.purpose,
            retention=terms.retention,
            retention_days=terms.retention_days,
            viewers=list(terms.viewers),
            text=terms.text,
            decided=row is not None,
            accepted=row.accepted if row else None,
            decided_at=row.decided_at if row else None,
        )


class IdentityCheckOut(BaseModel):
    id: int
    reason: str
    reason_label: str = Field(description="原因（中文）")
    note: str
    status: str = Field(
        description="pending 待考核机构核验 / approved 已核验 / rejected 未通过 / returned 退回 / withdrawn 已撤回"
    )
    review_item_id: int | None = Field(description="审核事项编号（可在“我的审核”中查看进度或撤回）")
    valid_until: datetime | None = Field(description="核验通过后，在此时间前开始的测评无需人脸比对")
    created_at: datetime
    decided_at: datetime | None

    @classmethod
    def of(cls, c: IdentityCheck) -> IdentityCheckOut:
        return cls(
            id=c.id,
            reason=c.reason,
            reason_label=REASON_LABELS.get(c.reason, c.reason),
            note=c.note,
            status=str(c.status),
            review_item_id=c.review_item_id,
            valid_until=c.valid_until,
            created_at=c.created_at,
            decided_at=c.decided_at,
        )


class IdentityCheckListOut(BaseModel):
    items: list[IdentityCheckOut]


class KeptImageOut(BaseModel):
    image_id: str
    kind: str = Field(description="capture 考前采集 / snapshot 测评中抓拍 / reference 证件照副本")
    purpose: str
    created_at: datetime
    kept_until: datetime = Field(description="预计删除时间（考核结果确定后按保存期限重新计算）")
    match_status: str | None = Field(description="考前采集与证件照的比对结果")
    match_distance: float | None
    has_embedding: bool = Field(description="是否仍保存由该照片计算的人脸特征值（与照片同时删除）")

    @classmethod
    def of(cls, k: KeptImage) -> KeptImageOut:
        return cls(
            image_id=k.image.public_id,
            kind=str(k.image.kind),
            purpose=k.purpose,
            created_at=k.image.created_at,
            kept_until=k.kept_until,
            match_status=k.match_status,
            match_distance=k.match_distance,
            has_embedding=k.has_embedding,
        )


class FaceDataOut(BaseModel):
    retention_days: int
    capture_consent_at: datetime | None = Field(description="同意人脸信息处理的时间")
    compare_consent: bool | None = Field(description="人脸比对：true 同意 / false 不同意 / null 尚未选择")
    reference_photo_approved_at: datetime | None = Field(
        description="用作比对基准的证件照审核通过时间（证件照由注册信息保存，不另存副本）"
    )
    images: list[KeptImageOut]
    identity_checks: list[IdentityCheckOut]

    @classmethod
    def of(cls, d: FaceData) -> FaceDataOut:
        return cls(
            retention_days=d.retention_days,
            capture_consent_at=d.capture_consent_at,
            compare_consent=d.compare_consent.accepted if d.compare_consent else None,
            reference_photo_approved_at=d.reference.approved_at if d.reference else None,
            images=[KeptImageOut.of(k) for k in d.images],
            identity_checks=[IdentityCheckOut.of(c) for c in d.identity_checks],
        )
