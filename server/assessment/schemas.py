"""Request and response bodies of the assessment API (the …Out models are the public contract)."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from server.assessment.appeals import REASON_MAX, STATUS_LABELS
from server.assessment.cycles import CN_TZ, WINDOW_LABELS
from server.assessment.journey import EXEMPTION_REASONS, SIMPLIFIED_CONDITIONS
from server.assessment.models import (
    Appeal,
    AppealStatus,
    Assessment,
    AssessmentAccount,
    Cycle,
    CycleWindow,
    Procedure,
    Proof,
    WindowKind,
)
from server.assessment.office import IssuedCredential
from server.assessment.results import NOTICE_URL, RESULT_LABELS, CycleResult
from server.assessment.standing import current_step, exam_specialty_of
from server.common.masking import mask_name
from server.common.schemas import RegionCode
from server.directory import api as directory_api
from server.registry import api as registry_api

Password = Annotated[str, Field(min_length=1, max_length=128)]
Name = Annotated[str, Field(min_length=1, max_length=64, description="姓名（与医师电子化注册一致）")]
ProvinceCode = Annotated[str, Field(pattern=r"^\d{2}0000$", description="省级行政区划代码，如 110000")]
Text = Annotated[str | None, Field(default=None, max_length=5000)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


DocumentType = Annotated[
    registry_api.IdType,
    Field(
        description="证件类型：resident_id 居民身份证 / passport 护照 / hk_macao_permit 港澳居民来往内地通行证 / "
        "taiwan_permit 台湾居民来往大陆通行证 / military_id 军官证"
    ),
]
IdNumber = Annotated[str, Field(min_length=4, max_length=32, description="证件号码（与证件类型对应）")]


class _Document(_In):
    """A document type and its number, checked against that type's shape (the registry's rules)."""

    document_type: DocumentType = registry_api.IdType.RESIDENT_ID
    id_number: IdNumber

    @field_validator("id_number")
    @classmethod
    def _check_number(cls, value: str, info: ValidationInfo) -> str:
        kind = info.data.get("document_type")
        if kind is None:  # the type itself was refused; that is the error to report
            return value
        value = registry_api.normalise(value)
        if not registry_api.is_valid_document(kind, value):
            raise ValueError(f"{registry_api.ID_TYPE_LABELS[kind]}号码不正确")
        return value


class BindIn(_Document):
    province_code: ProvinceCode
    name: Name
    credential: str = Field(min_length=1, max_length=64, description="单位或考核机构发放的一次性初始密码")
    new_password: Password = Field(description="新的登录密码（首次使用初始密码须设置新密码）")


class UnbindIn(_Document):
    name: Name
    password: Password = Field(description="当前登录密码")


class BindingOut(BaseModel):
    bound: bool = Field(description="是否已绑定定考账号", examples=[True])
    province_code: str | None = Field(default=None, examples=["110000"])
    name: str | None = Field(default=None, description="姓名（脱敏）", examples=["张*丰"])
    document_type: str | None = Field(default=None, description="证件类型", examples=["resident_id"])
    bound_at: datetime | None = None

    @classmethod
    def of(cls, account: AssessmentAccount) -> BindingOut:
        return cls(
            bound=True,
            province_code=account.province_code,
            name=mask_name(account.name),
            document_type=account.document_type,
            bound_at=account.bound_at.astimezone(CN_TZ) if account.bound_at else None,
        )


class BindingDocumentTypeOut(BaseModel):
    code: str = Field(examples=["resident_id"])
    label: str = Field(examples=["居民身份证"])


class BindingOptionsOut(BaseModel):
    document_types: list[BindingDocumentTypeOut] = Field(description="可用于绑定与实名校验的证件类型")
    guidance: list[str] = Field(description="查不到资格信息时的“资格补【改】指南”，逐条显示")

    @classmethod
    def build(cls) -> BindingOptionsOut:
        return cls(
            document_types=[
                BindingDocumentTypeOut(code=k.value, label=v) for k, v in registry_api.ID_TYPE_LABELS.items()
            ],
            guidance=list(registry_api.NOT_FOUND_GUIDANCE),
        )


class NoticeOut(BaseModel):
    version: str = Field(description="用户告知书版本", examples=["2024.1"])
    title: str
    text: str
    accepted: bool
    accepted_at: datetime | None = None


class NoticeAcceptIn(_In):
    version: str = Field(min_length=1, max_length=16, description="所阅读并同意的告知书版本")


class CycleOut(BaseModel):
    id: int
    name: str = Field(examples=["2024—2026年度"])
    starts_on: str
    ends_on: str
    years: str = Field(description="考核年度（起止年份）", examples=["2024—2026"])

    @classmethod
    def of(cls, c: Cycle) -> CycleOut:
        return cls(
            id=c.id,
            name=c.name,
            starts_on=c.starts_on.isoformat(),
            ends_on=c.ends_on.isoformat(),
            years=f"{c.starts_on.year}—{c.ends_on.year}",
        )


class CycleIn(_In):
    name: str = Field(min_length=1, max_length=64, examples=["2027—2029年度"])
    starts_on: date
    ends_on: date


class CycleListOut(BaseModel):
    items: list[CycleOut]


class WindowOut(BaseModel):
    kind: WindowKind = Field(description="enrolment 报名 / self_evaluation 自评 / exam 考试 / make_up 补考")
    label: str = Field(examples=["报名"])
    region_code: str = Field(description="该时间适用的行政区划（省级，或市、区县单独设置的时间）", examples=["110000"])
    opens_at: datetime = Field(description="开始时间（北京时间）")
    closes_at: datetime = Field(description="结束时间（北京时间）")
    is_open: bool

    @classmethod
    def of(cls, w: CycleWindow) -> WindowOut:
        from datetime import UTC
        from datetime import datetime as dt

        now = dt.now(UTC)
        return cls(
            kind=w.kind,
            label=WINDOW_LABELS[w.kind],
            region_code=w.region_code or w.province_code,
            opens_at=w.opens_at.astimezone(CN_TZ),
            closes_at=w.closes_at.astimezone(CN_TZ),
            is_open=w.opens_at <= now < w.closes_at,
        )


class AssessmentOut(BaseModel):
    id: int
    cycle_id: int
    status: str = Field(description="考核状态", examples=["enrolled"])
    current_step: str = Field(description="当前步骤", examples=["procedure"])
    next_action: str = Field(description="下一步要做什么（中文）")
    specialty: str | None = Field(default=None, description="报考专业（执业范围）")
    exam_specialty: str | None = Field(
        default=None, description="业务水平测评的考核专业编码（已参加测评时为试卷所用专业，否则按报考专业确定）"
    )
    exam_specialty_name: str | None = Field(default=None, description="考核专业名称", examples=["内科"])
    procedure: Procedure | None = Field(default=None, description="simplified 简易程序 / general 一般程序")
    simplified_conditions: list[str] = []
    procedure_proof_ids: list[int] = []
    exemption_status: str
    exemption_reason: str | None = None
    professional_score: float | None = None
    professional_passed: bool | None = None
    professional_make_up_used: bool = False
    humanities_score: float | None = None
    humanities_passed: bool | None = None
    result: Literal["passed", "failed"] | None = None
    result_decided_at: datetime | None = None
    verification_code: str | None = None

    @classmethod
    def of(cls, a: Assessment) -> AssessmentOut:
        step, action = current_step(a)
        return cls(
            id=a.id,
            cycle_id=a.cycle_id,  # type: ignore[attr-defined]
            status=a.status.value,
            current_step=step,
            next_action=action,
            specialty=a.specialty,
            exam_specialty=exam_specialty_of(a),
            exam_specialty_name=directory_api.specialty_name(exam_specialty_of(a)),
            procedure=a.procedure,
            simplified_conditions=list(a.simplified_conditions),
            procedure_proof_ids=list(a.procedure_proof_ids),
            exemption_status=a.exemption_status.value,
            exemption_reason=a.exemption_reason,
            professional_score=a.professional_score,
            professional_passed=a.professional_passed,
            professional_make_up_used=a.professional_make_up_used,
            humanities_score=a.humanities_score,
            humanities_passed=a.humanities_passed,
            result=a.status.value if a.status.value in ("passed", "failed") else None,  # type: ignore[arg-type]
            result_decided_at=a.result_decided_at,
            verification_code=a.verification_code,
        )


class PreviousResultOut(BaseModel):
    cycle_name: str
    institution_name: str = Field(description="执业机构（执业地点）")
    result: str = Field(examples=["passed"])
    professional_score: float | None = None
    humanities_score: float | None = None


class HomeOut(BaseModel):
    bound: bool
    current_step: str = Field(
        description="binding / user_notice / no_cycle / enrolment / enrolment_review / procedure / self_evaluation / "
        "self_evaluation_review / professional_exam / professional_make_up / exemption_review / "
        "humanities_exam / result",
        examples=["procedure"],
    )
    next_action: str = Field(examples=["选择考核程序（简易程序或一般程序）"])
    province_code: str | None = None
    cycle: CycleOut | None = None
    windows: list[WindowOut] = []
    assessment: AssessmentOut | None = None
    previous: list[PreviousResultOut] = Field(default=[], description="前两届考核结果")

    @classmethod
    def of(cls, data: dict[str, Any]) -> HomeOut:
        return cls(
            bound=data["bound"],
            current_step=data["current_step"],
            next_action=data["next_action"],
            province_code=data.get("province_code"),
            cycle=CycleOut.of(data["cycle"]) if data.get("cycle") else None,
            windows=[WindowOut.of(w) for w in data.get("windows", [])],
            assessment=AssessmentOut.of(data["assessment"]) if data.get("assessment") else None,
            previous=[PreviousResultOut(**p) for p in data.get("previous", [])],
        )


class EnrolmentOut(BaseModel):
    cycle: CycleOut
    window: WindowOut | None
    status: str
    personal: dict[str, Any] = Field(description="姓名、证件号（脱敏）、省份")
    registry: dict[str, Any] | None = Field(description="来自医师电子化注册的资格、执业与多点执业信息")
    registry_found: bool
    specialty: str | None = Field(description="报考专业（默认取第一个执业范围）")
    info_change_hint: str = "信息有误请在“医师电子化注册”中提交信息修改申请"

    @classmethod
    def of(cls, data: dict[str, Any]) -> EnrolmentOut:
        return cls(
            cycle=CycleOut.of(data["cycle"]),
            window=WindowOut.of(data["window"]) if data["window"] else None,
            status=data["status"],
            personal=data["personal"],
            registry=data["registry"],
            registry_found=data["registry_found"],
            specialty=data["specialty"],
        )


class EnrolmentIn(_In):
    data_correct: bool = Field(description="个人、执业、多点执业信息是否正确；否则请先提交信息修改申请")
    specialty: str = Field(min_length=1, max_length=64, description="报考专业", examples=["内科专业"])
    contact_phone: str | None = Field(default=None, pattern=r"^1[3-9]\d{9}$")


class ProcedureIn(_In):
    procedure: Procedure
    conditions: list[str] = Field(default=[], max_length=len(SIMPLIFIED_CONDITIONS), description="简易程序所符合的条件")
    proof_ids: list[int] = Field(default=[], max_length=10, description="已上传的证明材料 id")

    @field_validator("conditions")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        for c in value:
            if c not in SIMPLIFIED_CONDITIONS:
                raise ValueError("条件不在允许范围内")
        return list(dict.fromkeys(value))


class OptionOut(BaseModel):
    code: str
    label: str


class ProcedureOptionsOut(BaseModel):
    simplified_conditions: list[OptionOut]
    exemption_reasons: list[OptionOut]


class SelfEvaluationIn(_In):
    practice_record: Text = Field(default=None, description="执业行为记录")
    work_performance: Text = Field(default=None, description="工作成绩")
    professional_ethics: Text = Field(default=None, description="职业道德")
    work_report: Text = Field(default=None, description="个人述职报告（简易程序必填）")


class SelfEvaluationOut(BaseModel):
    status: str
    procedure: Procedure | None
    practice_record: str | None = None
    work_performance: str | None = None
    professional_ethics: str | None = None
    work_report: str | None = None
    work_report_required: bool

    @classmethod
    def of(cls, a: Assessment) -> SelfEvaluationOut:
        se = a.self_evaluation or {}
        return cls(
            status=a.status.value,
            procedure=a.procedure,
            practice_record=se.get("practice_record"),
            work_performance=se.get("work_performance"),
            professional_ethics=se.get("professional_ethics"),
            work_report=se.get("work_report"),
            work_report_required=a.procedure == Procedure.SIMPLIFIED,
        )


class ExemptionIn(_In):
    reason: str = Field(description="免考理由（固定列表之一）", examples=["senior_title"])
    proof_ids: list[int] = Field(min_length=1, max_length=10)

    @field_validator("reason")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in EXEMPTION_REASONS:
            raise ValueError("免考理由不在允许范围内")
        return value


class ProofOut(BaseModel):
    id: int
    kind: str = Field(examples=["pdf"])
    filename: str
    size: int
    created_at: datetime

    @classmethod
    def of(cls, p: Proof) -> ProofOut:
        return cls(id=p.id, kind=p.kind, filename=p.filename, size=p.size, created_at=p.created_at)


class ProofListOut(BaseModel):
    items: list[ProofOut]


class ResultOut(BaseModel):
    cycle: CycleOut
    assessment: AssessmentOut


class VerificationOut(BaseModel):
    valid: bool = Field(examples=[True])
    name: str = Field(description="姓名（脱敏）", examples=["张*丰"])
    result: Literal["passed", "failed"]
    cycle_name: str = Field(examples=["2024—2026年度"])


class CredentialIn(_Document):
    name: Name
    institution_id: int | None = Field(default=None, description="考核机构发放时必填；机构审核人员默认本机构")


class CredentialOut(BaseModel):
    account_id: int
    name: str
    id_number: str = Field(description="证件号（脱敏）")
    credential: str = Field(description="一次性初始密码：仅显示这一次，请告知医师本人")
    expires_at: datetime
    reset: bool = Field(description="是否为重置（已有定考账号）")

    @classmethod
    def of(cls, c: IssuedCredential) -> CredentialOut:
        return cls(
            account_id=c.account_id,
            name=c.name,
            id_number=c.id_number_masked,
            credential=c.credential,
            expires_at=c.expires_at.astimezone(CN_TZ),
            reset=c.reset,
        )


class AccountOut(BaseModel):
    id: int
    name: str
    province_code: str
    institution_id: int
    is_hidden: bool
    bound: bool = Field(description="是否已绑定 App 账号")

    @classmethod
    def of(cls, a: AssessmentAccount) -> AccountOut:
        return cls(
            id=a.id,
            name=a.name,
            province_code=a.province_code,
            institution_id=a.institution_id,  # type: ignore[attr-defined]
            is_hidden=a.is_hidden,
            bound=a.user_id is not None,  # type: ignore[attr-defined]
        )


class AccountQuery(_Document):
    pass


class AccountListOut(BaseModel):
    items: list[AccountOut]


class SpecialtyIn(_In):
    specialty: str = Field(min_length=1, max_length=64)
    reason: str = Field(min_length=1, max_length=200, description="更正原因")


class WindowIn(_In):
    cycle_id: int | None = Field(default=None, description="缺省为当前周期")
    region_code: RegionCode | None = Field(
        default=None, description="为哪个辖区设置：缺省为本考核机构的辖区；可为其下级辖区"
    )
    kind: WindowKind
    opens_at: datetime = Field(description="开始时间；不带时区时按北京时间")
    closes_at: datetime


class WindowListOut(BaseModel):
    cycle: CycleOut
    province_code: str
    region_code: str = Field(description="本考核机构的辖区")
    items: list[WindowOut] = Field(description="上级设置的（约束本辖区）和本辖区及下级辖区单独设置的时间")


class WindowClearQuery(_In):
    cycle_id: int | None = None
    region_code: RegionCode | None = Field(default=None, description="缺省为本考核机构的辖区")
    kind: WindowKind


class WindowClearedOut(BaseModel):
    region_code: str
    kind: WindowKind
    applies: WindowOut | None = Field(description="删除后该辖区适用的时间（上级设置的），无则为空")


class CycleQuery(_In):
    cycle_id: int | None = None


class RulesIn(_In):
    cycle_id: int | None = None
    professional_pass_mark: float = Field(ge=0, le=100, description="业务水平测评分数线")
    humanities_pass_mark: float = Field(ge=0, le=100, description="人文医学测评分数线")
    professional_pass_marks_by_specialty: dict[str, Annotated[float, Field(ge=0, le=100)]] | None = Field(
        default=None,
        description="按考核专业编码设置的业务水平测评分数线（未列出的专业用 professional_pass_mark；"
        "给出时替换此前按专业设置的分数线，缺省则不变）",
        examples=[{"pediatrics": 65}],
    )


class RulesOut(BaseModel):
    cycle: CycleOut
    professional_pass_mark: float = Field(description="业务水平测评（专业知识部分）合格分")
    humanities_pass_mark: float = Field(description="人文医学测评合格分")
    law_pass_mark: float = Field(description="法律法规部分合格分（未达到则业务水平测评结束且不合格）")
    set_by_office: bool = Field(description="是否已由考核机构设置（false：使用默认分数线 60）")
    professional_pass_marks_by_specialty: dict[str, float] = Field(
        default_factory=dict, description="按考核专业设置的业务水平测评分数线（专业编码 → 分数线）"
    )

    @classmethod
    def of(cls, cycle: Any, marks: Any) -> RulesOut:
        return cls(
            cycle=CycleOut.of(cycle),
            professional_pass_mark=marks.professional,
            humanities_pass_mark=marks.humanities,
            law_pass_mark=marks.law,
            set_by_office=marks.professional_set or marks.humanities_set,
            professional_pass_marks_by_specialty=marks.professional_by_specialty,
        )


class ReadinessCandidateOut(BaseModel):
    assessment_id: int
    name: str = Field(description="考生姓名")
    institution_id: int
    institution_name: str
    practice_scope: str | None = Field(description="报考专业（执业范围）")


class SpecialtyReadinessOut(BaseModel):
    specialty: str | None = Field(description="考核专业编码；null 表示报考专业没有对应的考核专业")
    specialty_name: str | None
    ready: bool = Field(description="题库是否足以按试卷规则为本专业组卷")
    needed: dict[str, int] = Field(description="每份试卷专业知识部分各题型所需题数")
    available: dict[str, int] = Field(description="题库中本专业各题型可用题数")
    short: dict[str, int] = Field(description="各题型缺少的题数（为空表示足够）")
    pass_mark: float | None = Field(description="本专业的业务水平测评合格分")
    candidate_count: int
    candidates: list[ReadinessCandidateOut] = Field(
        description="报考本专业、尚需参加业务水平测评的考生（ready 为 false 时即受影响的考生）"
    )


class ReadinessOut(BaseModel):
    cycle: CycleOut
    province_code: str
    ready: bool = Field(description="所有专业均可组卷")
    items: list[SpecialtyReadinessOut]


class ProgressRowOut(BaseModel):
    institution_id: int
    institution_name: str
    total: int
    counts: dict[str, int] = Field(
        description="各步骤人数（在册未绑定的医师也计入）：not_bound, not_enrolled, enrolment, enrolment_review, "
        "procedure, self_evaluation, self_evaluation_review, exams, passed, failed"
    )


class ProgressOut(BaseModel):
    cycle: CycleOut
    items: list[ProgressRowOut]


def _cn(dt: datetime | None) -> datetime | None:
    return dt.astimezone(CN_TZ) if dt else None


APPEAL_FILE_URL = "/api/v1/assessment/appeals/{appeal_id}/file"


class AppealOut(BaseModel):
    id: int
    assessment_id: int
    cycle_name: str = Field(examples=["2024—2026年度"])
    reason: str = Field(description="医师填写的申诉内容")
    status: AppealStatus = Field(
        description="pending 待处理 / upheld 申诉成立 / dismissed 申诉不成立 / returned 退回 / withdrawn 已撤回"
    )
    status_label: str = Field(examples=["待考核机构处理"])
    file_name: str | None = Field(default=None, description="附件文件名（无附件时为 null）")
    file_url: str | None = Field(default=None, description="附件下载地址（本人或处理申诉的考核机构）")
    review_item_id: int | None = Field(
        default=None, description="审核事项 id：可在“我的申请”中查看进度，待处理时可撤回"
    )
    decision_note: str | None = Field(
        default=None, description="考核机构的处理意见：不成立或退回的原因；成立时写明后续处理（如更正考核结果）"
    )
    decided_at: datetime | None = None
    created_at: datetime

    @classmethod
    def of(cls, a: Appeal) -> AppealOut:
        return cls(
            id=a.id,
            assessment_id=a.assessment.id,
            cycle_name=a.assessment.cycle.name,
            reason=a.reason,
            status=a.status,
            status_label=STATUS_LABELS[a.status],
            file_name=a.file_name if a.file_key else None,
            file_url=APPEAL_FILE_URL.format(appeal_id=a.id) if a.file_key else None,
            review_item_id=a.review_item_id,
            decision_note=a.decision_note,
            decided_at=_cn(a.decided_at),
            created_at=_cn(a.created_at) or a.created_at,
        )


class AppealListOut(BaseModel):
    items: list[AppealOut]


class AppealIn(_In):
    reason: str = Field(
        min_length=1,
        max_length=REASON_MAX,
        description="成绩有什么问题（必填，至多 1000 字）",
        examples=["人文医学测评成绩与实际作答不符"],
    )

    @field_validator("reason")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("请填写申诉内容")
        return value


class SiteOut(BaseModel):
    institution_id: int | None
    institution_name: str = Field(examples=["北京市朝阳区示范医院"])
    region_name: str | None = Field(default=None, description="执业地点（地区）")
    is_main: bool = Field(description="是否主执业机构（考核在主执业机构进行）")
    status_label: str = Field(description="在该执业地点的审核或评定情况", examples=["考核合格"])


class AppealStateOut(BaseModel):
    allowed: bool = Field(description="现在能否对该结果提出申诉")
    deadline: datetime | None = Field(default=None, description="申诉截止时间（北京时间）；无结果时为 null")
    period_days: int = Field(description="结果公布后可申诉的天数")
    items: list[AppealOut] = Field(description="对该结果提出过的申诉，最新在前")


class CycleResultOut(BaseModel):
    cycle: CycleOut
    is_current: bool = Field(description="是否本周期")
    assessment_id: int
    status: str = Field(description="考核状态代码", examples=["passed"])
    current_step: str = Field(examples=["result"])
    status_label: str = Field(description="当前情况（中文）", examples=["考核合格"])
    result: Literal["passed", "failed"] | None = Field(default=None, description="考核结果代码；未出结果为 null")
    result_label: str = Field(description="考核结果（中文）", examples=["合格"])
    result_decided_at: datetime | None = None
    specialty: str | None = Field(default=None, description="报考专业")
    professional_score: float | None = None
    humanities_score: float | None = None
    sites: list[SiteOut] = Field(description="各执业地点的审核或评定情况（主执业机构在前）")
    notice_url: str | None = Field(default=None, description="考核结果通知书 PDF 的地址；未出结果为 null")
    appeal: AppealStateOut

    @classmethod
    def of(cls, r: CycleResult, period_days: int) -> CycleResultOut:
        a = r.assessment
        result = a.status.value if a.status.value in RESULT_LABELS else None
        return cls(
            cycle=CycleOut.of(r.cycle),
            is_current=r.is_current,
            assessment_id=a.id,
            status=a.status.value,
            current_step=r.step,
            status_label=r.status_label,
            result=result,  # type: ignore[arg-type]
            result_label=RESULT_LABELS[result] if result else "尚未产生",
            result_decided_at=_cn(a.result_decided_at),
            specialty=a.specialty,
            professional_score=a.professional_score,
            humanities_score=a.humanities_score,
            sites=[SiteOut(**dataclasses.asdict(s)) for s in r.sites],
            notice_url=NOTICE_URL.format(assessment_id=a.id) if result else None,
            appeal=AppealStateOut(
                allowed=r.may_appeal,
                deadline=_cn(r.appeal_deadline),
                period_days=period_days,
                items=[AppealOut.of(x) for x in r.appeals],
            ),
        )


class ResultsOut(BaseModel):
    items: list[CycleResultOut] = Field(description="本周期（如已报名）与前两届的考核结果，最新在前")


ProgressStep = Literal[
    "not_bound",
    "not_enrolled",
    "enrolment",
    "enrolment_review",
    "procedure",
    "self_evaluation",
    "self_evaluation_review",
    "exams",
    "passed",
    "failed",
]
STEP_DESCRIPTION = (
    "not_bound 未绑定定考账号 / not_enrolled 未报名 / enrolment 待报名（草稿、退回） / enrolment_review 报名审核中 / "
    "procedure 待选择程序 / self_evaluation 待自评 / self_evaluation_review 自评审核中 / exams 待测评 / "
    "passed 合格 / failed 不合格"
)


class PeopleFilter(_In):
    cycle_id: int | None = Field(default=None, ge=1, le=2**62, description="缺省为当前周期")
    region_code: RegionCode | None = Field(default=None, description="辖区（含下级），须在本考核机构辖区内")
    institution_id: int | None = Field(default=None, ge=1, le=2**62)
    step: ProgressStep | None = Field(default=None, description=STEP_DESCRIPTION)
    name: str | None = Field(default=None, min_length=1, max_length=32, description="姓名（包含此文字即可）")


class PeopleQuery(PeopleFilter):
    cursor: int | None = Field(default=None, ge=0, le=2**31, description="上一页返回的 next_cursor；第一页不传")
    limit: int = Field(default=20, ge=1, le=100)


class PersonProgressOut(BaseModel):
    name: str
    id_number_masked: str
    institution_id: int
    institution_name: str
    region_code: str
    step: ProgressStep = Field(description=STEP_DESCRIPTION)
    step_label: str = Field(examples=["未绑定定考账号"])
    registered: bool = Field(description="在电子化注册中为本机构在册医师")
    account_id: int | None = Field(description="定考账号（未发放为空）")
    assessment_id: int | None = Field(description="本周期考核（未报名为空）")
    hidden: bool = Field(description="定考账号已被隐藏")

    @classmethod
    def of(cls, p: Any) -> PersonProgressOut:
        return cls(
            name=p.name,
            id_number_masked=p.id_number_masked,
            institution_id=p.institution_id,
            institution_name=p.institution_name,
            region_code=p.region_code,
            step=p.step,
            step_label=p.step_label,
            registered=p.registered,
            account_id=p.account_id,
            assessment_id=p.assessment_id,
            hidden=p.hidden,
        )


class PeoplePageOut(BaseModel):
    cycle: CycleOut
    total: int = Field(description="符合筛选条件的总人数")
    items: list[PersonProgressOut]
    next_cursor: int | None = None


class ReminderIn(_In):
    cycle_id: int | None = Field(default=None, ge=1, le=2**62, description="缺省为当前周期")
    step: Literal["not_bound", "not_enrolled", "enrolment", "procedure", "self_evaluation", "exams"] = Field(
        description="催办哪一步骤的医师"
    )
    region_code: RegionCode | None = None
    institution_id: int | None = Field(default=None, ge=1, le=2**62)
    name: str | None = Field(
        default=None, min_length=1, max_length=32, description="姓名（包含此文字即可），同明细列表"
    )


class ReminderOut(BaseModel):
    matched: int = Field(description="符合条件的人数")
    sent: int = Field(description="本次发出提醒的人数")
    already_today: int = Field(description="今天已收到过提醒（每人每天至多一次）的人数")
    no_account: int = Field(description="尚无医师服务账号、无法提醒的人数")


class HideIn(_In):
    reason: str = Field(min_length=2, max_length=200, description="隐藏原因（写入审计日志）")


# ---------------------------------------------------------------- look-up: cycles and their windows per province


class CycleLookupQuery(_In):
    province_code: ProvinceCode | None = Field(
        default=None, description="省级行政区划代码：给出时列出该省各周期的时间窗口（报名、自评、考试、补考）"
    )


class CycleWindowsOut(BaseModel):
    cycle: CycleOut
    is_current: bool = Field(description="是否为当前周期（今天在周期起止日期之间）")
    province_code: str | None = Field(description="窗口所属省份；未指定省份时为 null，windows 为空")
    windows: list[WindowOut] = Field(description="该省本周期的时间窗口，按开始时间排序；省考核机构尚未设置时为空")


class CycleLookupOut(BaseModel):
    items: list[CycleWindowsOut] = Field(description="考核周期，最近的在前")
