"""Request and response bodies of the assessment API (the …Out models are the public contract)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from server.assessment.cycles import CN_TZ, WINDOW_LABELS
from server.assessment.journey import EXEMPTION_REASONS, SIMPLIFIED_CONDITIONS
from server.assessment.models import Assessment, AssessmentAccount, Cycle, CycleWindow, Procedure, Proof, WindowKind
from server.assessment.office import IssuedCredential
from server.assessment.standing import current_step
from server.common.idcard import is_valid
from server.common.masking import mask_name

Password = Annotated[str, Field(min_length=1, max_length=128)]
Name = Annotated[str, Field(min_length=1, max_length=64, description="姓名（与医师电子化注册一致）")]
ProvinceCode = Annotated[str, Field(pattern=r"^\d{2}0000$", description="省级行政区划代码，如 110000")]
Text = Annotated[str | None, Field(default=None, max_length=5000)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _id_number(value: str) -> str:
    value = value.strip().upper()
    if not is_valid(value):
        raise ValueError("身份证号码不正确")
    return value


class BindIn(_In):
    province_code: ProvinceCode
    id_number: str = Field(min_length=15, max_length=18, description="居民身份证号码")
    name: Name
    credential: str = Field(min_length=1, max_length=64, description="单位或考核机构发放的一次性初始密码")
    new_password: Password = Field(description="新的登录密码（首次使用初始密码须设置新密码）")

    _check_id = field_validator("id_number")(_id_number)


class UnbindIn(_In):
    id_number: str = Field(min_length=15, max_length=18)
    name: Name
    password: Password = Field(description="当前登录密码")

    _check_id = field_validator("id_number")(_id_number)


class BindingOut(BaseModel):
    bound: bool = Field(description="是否已绑定定考账号", examples=[True])
    province_code: str | None = Field(default=None, examples=["110000"])
    name: str | None = Field(default=None, description="姓名（脱敏）", examples=["张*丰"])
    bound_at: datetime | None = None

    @classmethod
    def of(cls, account: AssessmentAccount) -> BindingOut:
        return cls(
            bound=True, province_code=account.province_code, name=mask_name(account.name), bound_at=account.bound_at
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

    @classmethod
    def of(cls, c: Cycle) -> CycleOut:
        return cls(id=c.id, name=c.name, starts_on=c.starts_on.isoformat(), ends_on=c.ends_on.isoformat())


class CycleIn(_In):
    name: str = Field(min_length=1, max_length=64, examples=["2027—2029年度"])
    starts_on: date
    ends_on: date


class CycleListOut(BaseModel):
    items: list[CycleOut]


class WindowOut(BaseModel):
    kind: WindowKind = Field(description="enrolment 报名 / self_evaluation 自评 / exam 考试 / make_up 补考")
    label: str = Field(examples=["报名"])
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
    specialty: str | None = Field(default=None, description="报考专业")
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


class CredentialIn(_In):
    id_number: str = Field(min_length=15, max_length=18)
    name: Name
    institution_id: int | None = Field(default=None, description="考核机构发放时必填；机构审核人员默认本机构")

    _check_id = field_validator("id_number")(_id_number)


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


class AccountQuery(_In):
    id_number: str = Field(min_length=15, max_length=18, description="居民身份证号码")

    _check_id = field_validator("id_number")(_id_number)


class AccountListOut(BaseModel):
    items: list[AccountOut]


class SpecialtyIn(_In):
    specialty: str = Field(min_length=1, max_length=64)
    reason: str = Field(min_length=1, max_length=200, description="更正原因")


class WindowIn(_In):
    cycle_id: int | None = Field(default=None, description="缺省为当前周期")
    kind: WindowKind
    opens_at: datetime = Field(description="开始时间；不带时区时按北京时间")
    closes_at: datetime


class WindowListOut(BaseModel):
    cycle: CycleOut
    province_code: str
    items: list[WindowOut]


class CycleQuery(_In):
    cycle_id: int | None = None


class RulesIn(_In):
    cycle_id: int | None = None
    professional_pass_mark: float = Field(ge=0, le=100, description="业务水平测评分数线")
    humanities_pass_mark: float = Field(ge=0, le=100, description="人文医学测评分数线")


class RulesOut(BaseModel):
    cycle: CycleOut
    professional_pass_mark: float = Field(description="业务水平测评（专业知识部分）合格分")
    humanities_pass_mark: float = Field(description="人文医学测评合格分")
    law_pass_mark: float = Field(description="法律法规部分合格分（未达到则业务水平测评结束且不合格）")
    set_by_office: bool = Field(description="是否已由考核机构设置（false：使用默认分数线 60）")

    @classmethod
    def of(cls, cycle: Any, marks: Any) -> RulesOut:
        return cls(
            cycle=CycleOut.of(cycle),
            professional_pass_mark=marks.professional,
            humanities_pass_mark=marks.humanities,
            law_pass_mark=marks.law,
            set_by_office=marks.professional_set or marks.humanities_set,
        )


class ProgressRowOut(BaseModel):
    institution_id: int
    institution_name: str
    total: int
    counts: dict[str, int] = Field(
        description="各步骤人数：enrolment, enrolment_review, procedure, self_evaluation, self_evaluation_review, "
        "exams, passed, failed"
    )


class ProgressOut(BaseModel):
    cycle: CycleOut
    items: list[ProgressRowOut]


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
