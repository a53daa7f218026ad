"""Request and response models of the registry and identity routes (the Out models are the public contract)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from server.registry.documents import IdType

PHONE = r"^1[3-9]\d{9}$"
ApplicationKind = Literal[
    "register",
    "assistant_upgrade",
    "military_transfer_in",
    "military_transfer_out",
    "change",
    "cancel",
    "multi_site_file",
    "multi_site_unfile",
    "multi_site_withdraw",
]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# ---------------------------------------------------------------- identity and activation


class RealNameCheckIn(_In):
    name: str = Field(min_length=1, max_length=64, description="姓名（与证件一致）", examples=["张明"])
    id_type: IdType = Field(IdType.RESIDENT_ID, description="证件类型")
    id_number: str = Field(min_length=4, max_length=32, description="证件号码", examples=["110101198503011014"])


class RealNameCheckOut(BaseModel):
    qualification_found: bool = Field(description="是否查询到医师资格信息")
    registration_found: bool = Field(description="是否查询到有效的执业注册")
    registration_status: str | None = Field(None, description="执业注册状态 active/transferred_out/filed/cancelled")
    next_step: Literal["activation_code", "self_activation"] = Field(
        description="下一步：向机构申领激活码，或用资格证书编码自行激活"
    )
    institution_name: str | None = Field(None, description="主执业机构（申领激活码处）")
    message: str = Field(description="给医师看的提示")


class ActivationCodeIn(_In):
    code: str = Field(min_length=4, max_length=16, description="机构发送的激活码", examples=["7KQ2M9XH"])


class SelfActivationIn(_In):
    qualification_cert_no: str = Field(min_length=4, max_length=32, description="医师资格证书编码")


class RecoveryCodeIn(_In):
    name: str = Field(min_length=1, max_length=64)
    id_type: IdType = IdType.RESIDENT_ID
    id_number: str = Field(min_length=4, max_length=32)
    qualification_cert_no: str = Field(min_length=4, max_length=32)
    new_phone: str = Field(pattern=PHONE, description="新手机号")


class RecoveryIn(RecoveryCodeIn):
    sms_code: str = Field(pattern=r"^\d{6}$", description="发送到新手机号的验证码")


class RecoveryOut(BaseModel):
    ok: bool
    phone: str = Field(description="账户现在的手机号（掩码）", examples=["151****0658"])
    username: str | None = None


# ---------------------------------------------------------------- my data


class QualificationOut(BaseModel):
    id: int
    qualification_cert_no: str = Field(description="医师资格证书编码")
    name: str = Field(description="姓名（掩码）", examples=["张*"])
    id_type: str
    id_number: str | None = Field(description="证件号码（掩码）", examples=["110101********1014"])
    category: str = Field(description="医师类别")
    level: str = Field(description="医师级别 practitioner/assistant")
    obtained_on: str
    education: str | None = None
    school: str | None = None
    major: str | None = None
    residency_training: bool = False


class RegistrationOut(BaseModel):
    id: int
    practice_cert_no: str | None = Field(description="医师执业证书编码")
    status: str = Field(description="active/transferred_out/filed/cancelled")
    level: str
    category: str
    practice_region_code: str = Field(description="执业地点（执业医师为省，助理医师为区县）")
    practice_region_name: str | None = None
    practice_scopes: list[str] = Field(description="执业范围（最多三个）")
    main_institution_id: int | None = None
    main_institution_name: str | None = None
    department_id: int | None = None
    department_name: str | None = None
    approval_authority: str | None = None
    approved_on: str | None = None
    title: str | None = Field(None, description="任职资格")
    education: str | None = None
    school: str | None = None
    major: str | None = None
    has_photo: bool = False


class FilingOut(BaseModel):
    id: int
    institution_id: int
    institution_name: str
    region_code: str
    status: str = Field(description="filed/unfiled/withdrawn")
    filed_on: str
    ended_on: str | None = None


class MyDataOut(BaseModel):
    account_status: str = Field(description="unverified/verified/active/revoked")
    activated_via: str | None = Field(None, description="code/institution/self")
    name: str | None = Field(None, description="姓名（掩码）")
    phone: str | None = Field(None, description="手机号（掩码）")
    qualifications: list[QualificationOut]
    registration: RegistrationOut | None = Field(None, description="有效的执业注册")
    registrations: list[RegistrationOut]
    multi_site_filings: list[FilingOut]


class DepartmentIn(_In):
    name: str = Field(min_length=1, max_length=64, examples=["内科"])
    sort_order: int = Field(0, ge=0, le=10000)


class DepartmentPatchIn(_In):
    name: str | None = Field(None, min_length=1, max_length=64)
    sort_order: int | None = Field(None, ge=0, le=10000)


class ChooseDepartmentIn(_In):
    department_id: int = Field(ge=1)


class ChosenDepartmentOut(BaseModel):
    department_id: int
    department_name: str


# ---------------------------------------------------------------- info changes and photo


class InfoChangeIn(_In):
    education: str | None = Field(None, max_length=32, description="学历", examples=["硕士研究生"])
    school: str | None = Field(None, max_length=128, description="毕业学校")
    major: str | None = Field(None, max_length=64, description="所学专业")
    title: str | None = Field(None, max_length=32, description="任职资格", examples=["副主任医师"])


class InfoChangeOut(BaseModel):
    id: int
    kind: str = Field(description="info/photo")
    changes: dict[str, str]
    status: str = Field(description="pending/approved/rejected/returned/withdrawn")
    review_item_id: int | None = None
    created_at: str
    replaced: bool | None = Field(None, description="照片：是否覆盖了待审核的旧照片")


class InfoChangeListOut(BaseModel):
    items: list[InfoChangeOut]


# ---------------------------------------------------------------- business applications


class ApplicationData(_In):
    institution_id: int | None = Field(None, ge=1, description="执业机构（注册/变更/军队变更入/多执业机构备案）")
    practice_region_code: str | None = Field(
        None, pattern=r"^\d{6}$", description="执业地点：执业医师为省级代码，助理医师为区县代码"
    )
    practice_scopes: list[str] | None = Field(
        None, min_length=1, max_length=10, description="执业范围（最多三个）", examples=[["内科专业"]]
    )
    title: str | None = Field(None, max_length=32, description="任职资格")
    residency_training: bool | None = Field(None, description="是否规培医师")
    training_months: int | None = Field(None, ge=1, le=24, description="资格取得超过两年时：培训月数（3—6）")
    military_unit: str | None = Field(None, max_length=128, description="军队单位")
    reason: str | None = Field(None, max_length=200, description="申请原因")
    filing_id: int | None = Field(None, ge=1, description="取消备案的多执业机构备案")


class ApplicationIn(ApplicationData):
    kind: ApplicationKind = Field(description="业务类型")


class AttachmentOut(BaseModel):
    index: int
    name: str | None = None
    purpose: str | None = None
    kind: str | None = None


class ApplicationOut(BaseModel):
    id: int
    kind: str
    kind_title: str = Field(examples=["注册"])
    status: str = Field(description="draft/submitted/institution_confirmed/approved/rejected/returned/withdrawn")
    status_label: str = Field(examples=["待机构确认"])
    data: dict[str, Any] = Field(
        description="申请事项（含机构与地点名称；机构申请的备案与注销另含 reason_label 原因、physician_name 医师姓名）"
    )
    attachments: list[AttachmentOut]
    institution_id: int | None = Field(None, description="确认机构")
    review_item_id: int | None = Field(None, description="审核事项（/api/v1/my/reviews/{id}）")
    submitted_at: str | None = None
    created_at: str
    updated_at: str


class ApplicationListOut(BaseModel):
    items: list[ApplicationOut]


# ---------------------------------------------------------------- institution side


class PhysicianRowOut(BaseModel):
    registration_id: int = Field(description="执业注册 id（机构端“医师”的标识）")
    name: str
    id_number: str | None = Field(description="证件号码（掩码）")
    qualification_cert_no: str
    practice_cert_no: str | None
    level: str
    category: str
    practice_scopes: list[str]
    status: str
    department_name: str | None = None
    account_status: str = Field(description="none/verified/active")
    user_id: int | None = None
    phone: str | None = Field(None, description="手机号（掩码）")
    filing_id: int | None = None
    filed_institution_id: int | None = None
    filed_institution_name: str | None = None
    main_institution_name: str | None = None
    filed_on: str | None = None


class PhysicianPageOut(BaseModel):
    items: list[PhysicianRowOut]
    next_cursor: int | None = None


class PhysicianQuery(_In):
    name: str | None = Field(None, max_length=64)
    cursor: int | None = Field(None, ge=0)
    limit: int = Field(20, ge=1, le=100)


class MultiSiteQuery(_In):
    direction: Literal["here", "elsewhere"] = Field(
        "here", description="here：备案在本院的外院医师；elsewhere：本院医师在外院的备案"
    )


class ActivationCodesIn(_In):
    registration_ids: list[StrictInt] = Field(min_length=1, max_length=200)


class CodeResultOut(BaseModel):
    registration_id: int
    ok: bool
    phone: str | None = Field(None, description="激活码发送到的手机号（掩码）")
    expires_at: str | None = None
    code: str | None = Field(None, description="失败时的错误码")
    message: str | None = None


class CodeResultsOut(BaseModel):
    results: list[CodeResultOut]


class AccountStateOut(BaseModel):
    registration_id: int
    user_id: int
    account_status: str


class RevokeIn(_In):
    reason: str = Field(min_length=1, max_length=200, description="撤销原因")


class InstitutionCaseIn(_In):
    registration_id: int = Field(ge=1)
    kind: Literal["filing", "cancellation"] = Field(description="filing 注册备案 / cancellation 注销注册")
    reason: str = Field(
        description="备案：transfer/retirement/resignation/dismissal；"
        "注销：death_or_missing/licence_revoked/two_failed_assessments/two_years_without_practice"
    )
    note: str | None = Field(None, max_length=500)


class AuthoritiesIn(_In):
    clinical: str | None = Field(None, max_length=128, description="临床类别审批机关")
    dental: str | None = Field(None, max_length=128, description="口腔类别审批机关")
    public_health: str | None = Field(None, max_length=128, description="公卫类别审批机关")
    tcm: str | None = Field(None, max_length=128, description="中医类别审批机关")


class AuthoritiesOut(BaseModel):
    clinical: str
    dental: str
    public_health: str
    tcm: str


class LookupIn(_In):
    name: str = Field(min_length=1, max_length=64)
    id_number: str = Field(min_length=4, max_length=32)


class LookupOut(BaseModel):
    qualifications: list[QualificationOut]
    registrations: list[RegistrationOut]


class ImportErrorOut(BaseModel):
    row: int = Field(description="行号（表头为第 1 行）")
    field: str
    message: str


class ImportReportOut(BaseModel):
    register_name: str = Field(description="导入的名册")
    total: int
    created: int
    updated: int
    failed: int
    errors: list[ImportErrorOut]


# ---------------------------------------------------------------- look-ups: document types, application kinds


class DocumentTypeOut(BaseModel):
    code: IdType = Field(description="证件类型（实名核验 id_type 取此值）")
    label: str = Field(examples=["居民身份证"])
    hint: str = Field(description="证件号码的格式说明", examples=["18 位，末位可为 X"])


class DocumentTypeListOut(BaseModel):
    items: list[DocumentTypeOut]


class FormFieldOut(BaseModel):
    name: str = Field(description="请求体中的字段名", examples=["institution_id"])
    label: str = Field(examples=["执业机构"])
    type: Literal["institution", "region", "practice_scopes", "text", "boolean", "integer", "filing", "choice"] = Field(
        description=(
            "institution：医疗机构 id（/api/v1/lookups/institutions）；"
            "region：6 位区划代码（/api/v1/lookups/regions）；"
            "practice_scopes：执业范围名称列表（/api/v1/lookups/practice-scopes）；filing：多执业机构备案 id"
            "（/api/v1/registry/me 的 multi_site_filings）；choice：choices 中的一个键"
        )
    )
    required: bool = Field(description="提交时是否必填（草稿可不填）")
    help: str = Field(description="填写说明")
    choices: dict[str, str] = Field(default_factory=dict, description="type 为 choice 时的可选值与其中文名")


class AttachmentPurposeOut(BaseModel):
    purpose: str = Field(examples=["training_proof"])
    label: str = Field(examples=["培训考核合格证明"])


class ReviewStepOut(BaseModel):
    role: str = Field(description="审核角色", examples=["institution_reviewer"])
    label: str = Field(description="在此步骤时申请人看到的状态", examples=["待机构确认"])


class ApplicationKindOut(BaseModel):
    kind: str = Field(description="业务类型（新建申请的 kind）", examples=["register"])
    title: str = Field(examples=["注册"])
    initiated_by: Literal["physician", "institution"] = Field(description="由医师本人还是由机构发起")
    needs_registration: bool = Field(description="true：须有有效执业注册才能办理；false：须没有")
    fields: list[FormFieldOut] = Field(description="该业务的表单字段（其他字段会被忽略）")
    attachment_purposes: list[AttachmentPurposeOut] = Field(description="可上传的附件用途")
    review_steps: list[ReviewStepOut] = Field(description="审核链，按先后顺序")


class ApplicationKindListOut(BaseModel):
    items: list[ApplicationKindOut]
