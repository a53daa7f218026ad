"""The business applications (业务申请), one small object per kind.

Each kind says which fields it takes and requires, the rules it checks (``check``), which institution confirms it
(``confirming``) and what its approval makes true in the registers (``apply``). The service (applications.py) runs
them all the same way; a new kind is a new object here plus its chain in ``workflow/kinds.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from server.common.enums import Level
from server.common.scope import region_covers
from server.directory import api as directory_api
from server.directory.api import InstitutionInfo
from server.registry import service as base
from server.registry.errors import (
    AccountNotActivated,
    ApplicationIncomplete,
    ApplicationNotAllowed,
    PracticeRegionInvalid,
    PracticeScopeInvalid,
    PracticeScopeTooMany,
    TrainingProofRequired,
)
from server.registry.models import (
    BusinessApplication,
    MultiSiteFiling,
    MultiSiteStatus,
    PhysicianAccount,
    PracticeRegistration,
    Qualification,
    RegistrationStatus,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_SCOPES = 3
TRAINING_AFTER_YEARS = 2
TRAINING_MONTHS = (3, 6)
ATTACHMENT_PURPOSES = {"training_proof": "培训考核合格证明", "other": "其他材料"}


def today() -> date:
    return datetime.now(SHANGHAI).date()


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field of a form: what a client needs to draw and check it."""

    name: str
    label: str
    type: str  # institution | region | practice_scopes | text | boolean | integer | filing | choice
    help: str = ""
    choices: dict[str, str] = field(default_factory=dict)


FIELDS: dict[str, FieldSpec] = {
    f.name: f
    for f in (
        FieldSpec("institution_id", "执业机构", "institution", "从“医疗机构”列表中选择"),
        FieldSpec("practice_region_code", "执业地点", "region", "执业医师选择省级，执业助理医师选择区县"),
        FieldSpec("practice_scopes", "执业范围", "practice_scopes", f"最多选择 {MAX_SCOPES} 项"),
        FieldSpec("title", "任职资格", "text", "如：主治医师"),
        FieldSpec("residency_training", "是否规培医师", "boolean"),
        FieldSpec("training_months", "培训月数", "integer", "取得资格超过两年首次注册的，须培训 3—6 个月"),
        FieldSpec("military_unit", "军队单位", "text"),
        FieldSpec("reason", "申请原因", "text"),
        FieldSpec("filing_id", "备案机构", "filing", "从您已备案的多执业机构中选择"),
        FieldSpec("note", "备注", "text"),
    )
}
FIELD_LABELS = {name: f.label for name, f in FIELDS.items()}


# ---------------------------------------------------------------- the person an application is about


@dataclass
class Person:
    account: PhysicianAccount
    qualifications: list[Qualification]
    registration: PracticeRegistration | None

    @property
    def latest(self) -> Qualification:
        return self.qualifications[-1]

    def qualification_of(self, level: Level) -> Qualification | None:
        found = [q for q in self.qualifications if q.level == level]
        return found[-1] if found else None


async def person_of(user_id: int) -> Person:
    account = await base.active_account(user_id)
    quals = await base.qualifications_of(account.qualification)
    reg = await base.active_registration([q.id for q in quals])
    return Person(account=account, qualifications=quals, registration=reg)


async def _person_by_user(user_id: int) -> Person:
    account = await PhysicianAccount.get(user_id=user_id).prefetch_related("qualification")
    quals = await base.qualifications_of(account.qualification)
    return Person(
        account=account, qualifications=quals, registration=await base.active_registration([q.id for q in quals])
    )


@dataclass
class Draft:
    """An application being checked: the kind's fields as sent, the person, the attachments so far."""

    data: dict[str, Any]
    person: Person
    attachments: list[dict[str, Any]]
    final: bool  # submitting: required fields and proofs too

    @property
    def registration(self) -> PracticeRegistration | None:
        return self.person.registration

    async def institution(self) -> InstitutionInfo | None:
        if self.data.get("institution_id") is None:
            return None
        return await directory_api.require_institution(int(self.data["institution_id"]))


@dataclass
class Approval:
    """An approved application being applied, inside the review engine's deciding transaction."""

    app: BusinessApplication
    registration: PracticeRegistration | None
    institution: InstitutionInfo | None
    now: datetime

    @property
    def data(self) -> dict[str, Any]:
        return self.app.data

    def active_registration(self) -> PracticeRegistration:
        reg = self.registration
        if reg is None or reg.status != RegistrationStatus.ACTIVE:
            # The register changed since the application was filed (e.g. cancelled meanwhile)
            raise ApplicationNotAllowed("该医师的执业注册状态已变化，不能批准此项申请")
        return reg

    async def end_filings(self, status: MultiSiteStatus) -> None:
        reg = self.active_registration()
        await MultiSiteFiling.filter(registration_id=reg.id, status=MultiSiteStatus.FILED).update(
            status=status, ended_on=today(), updated_at=self.now
        )

    async def set_status(self, status: RegistrationStatus) -> None:
        await PracticeRegistration.filter(id=self.active_registration().id).update(status=status, updated_at=self.now)


async def check_region(code: str, level: Level, institution: InstitutionInfo | None) -> None:
    region = await directory_api.region(code)
    wanted = "province" if level == Level.PRACTITIONER else "county"
    shape_ok = code.endswith("0000") if level == Level.PRACTITIONER else not code.endswith("00")
    if (region is not None and region.level != wanted) or (region is None and not shape_ok) or len(code) != 6:
        label = "省级行政区划" if level == Level.PRACTITIONER else "区县级行政区划"
        raise PracticeRegionInvalid(f"执业地点应为{label}", field="practice_region_code")
    if institution is not None and not region_covers(code, institution.region_code):
        raise PracticeRegionInvalid("执业机构不在所选执业地点内", field="practice_region_code")


def check_scopes(scopes: list[str], category: str) -> None:
    """Each scope from the catalogue (the practice-scopes look-up), and of the physician's own category."""
    for scope_name in scopes:
        found = directory_api.PRACTICE_SCOPES.get(scope_name)
        if found is None:
            raise PracticeScopeInvalid(field="practice_scopes", details={"value": scope_name})
        if found.category != category:
            label = directory_api.CATEGORY_LABELS[category]
            raise PracticeScopeInvalid(
                f"“{scope_name}”不属于{label}类别的执业范围", field="practice_scopes", details={"value": scope_name}
            )


# Every refusal of ``ApplicationKind.check``, for the routes that run it (create, update, submit) to declare
CHECK_ERRORS = (
    AccountNotActivated,
    ApplicationIncomplete,
    ApplicationNotAllowed,
    directory_api.InstitutionNotFound,
    PracticeRegionInvalid,
    PracticeScopeInvalid,
    PracticeScopeTooMany,
    TrainingProofRequired,
)


# ---------------------------------------------------------------- the kinds


class ApplicationKind:
    name: ClassVar[str]
    fields: ClassVar[tuple[str, ...]] = ()
    required: ClassVar[tuple[str, ...]] = ()
    # True: only with an active registration; False: only without one
    needs_registration: ClassVar[bool] = True
    initiated_by_institution: ClassVar[bool] = False
    attachment_purposes: ClassVar[tuple[str, ...]] = ("other",)

    @property
    def review_kind(self) -> str:
        return f"registry_{self.name}"

    def clean(self, data: dict[str, Any]) -> dict[str, Any]:
        """Only this kind's fields (anything else sent is dropped)."""
        return {k: v for k, v in data.items() if k in self.fields and v is not None}

    def choices(self, field_name: str) -> dict[str, str]:
        """The values a field may take when it is a closed list (empty: free within its type)."""
        return FIELDS[field_name].choices

    def describe(self) -> dict[str, Any]:
        """The kind as data, for a client to build its form from (GET /api/v1/lookups/application-kinds)."""
        return {
            "kind": self.name,
            "needs_registration": self.needs_registration,
            "initiated_by": "institution" if self.initiated_by_institution else "physician",
            "fields": [
                {
                    "name": f,
                    "label": FIELDS[f].label,
                    "type": "choice" if self.choices(f) else FIELDS[f].type,
                    "required": f in self.required,
                    "help": FIELDS[f].help,
                    "choices": self.choices(f),
                }
                for f in self.fields
            ],
            "attachment_purposes": [{"purpose": p, "label": ATTACHMENT_PURPOSES[p]} for p in self.attachment_purposes],
        }

    async def check(self, draft: Draft) -> None:
        """Every rule of the kind, each with its own error; ``draft.final`` also requires fields and proofs."""
        reg = draft.registration
        if self.needs_registration and reg is None:
            raise ApplicationNotAllowed("您没有有效的执业注册，不能办理此项业务")
        if not self.needs_registration and reg is not None:
            raise ApplicationNotAllowed("您已有有效的执业注册，请办理变更注册")
        if draft.final:
            for name in self.required:
                if draft.data.get(name) in (None, "", []):
                    raise ApplicationIncomplete(f"请填写{FIELD_LABELS[name]}", field=name)
        scopes = draft.data.get("practice_scopes")
        if scopes is not None and len(scopes) > MAX_SCOPES:
            raise PracticeScopeTooMany(field="practice_scopes")
        if scopes:
            check_scopes(scopes, draft.person.latest.category.value)
        await draft.institution()  # INSTITUTION_NOT_FOUND early
        if draft.data.get("practice_region_code"):
            await check_region(
                str(draft.data["practice_region_code"]), self.level(draft), await self.region_institution(draft)
            )

    def level(self, draft: Draft) -> Level:
        """The licence level the practice region is judged by."""
        reg = draft.registration
        return reg.level if reg is not None else draft.person.latest.level

    async def region_institution(self, draft: Draft) -> InstitutionInfo | None:
        """The institution that must lie inside the chosen practice region."""
        return await draft.institution()

    async def confirming(self, app: BusinessApplication, registration: PracticeRegistration | None) -> InstitutionInfo:
        """The institution that confirms: the one named (a new site) or else the main institution."""
        if app.data.get("institution_id") is not None:
            return await directory_api.require_institution(int(app.data["institution_id"]))
        if registration is None or registration.main_institution_id is None:  # type: ignore[attr-defined]
            raise ApplicationNotAllowed("您没有有效的执业注册，不能办理此项业务")
        return await directory_api.require_institution(registration.main_institution_id)  # type: ignore[attr-defined]

    async def apply(self, approval: Approval) -> None:
        raise NotImplementedError


class Register(ApplicationKind):
    name = "register"
    fields: ClassVar[tuple[str, ...]] = (
        "institution_id",
        "practice_region_code",
        "practice_scopes",
        "title",
        "residency_training",
        "training_months",
    )
    required: ClassVar[tuple[str, ...]] = ("institution_id", "practice_region_code", "practice_scopes")
    needs_registration = False
    attachment_purposes: ClassVar[tuple[str, ...]] = ("training_proof", "other")

    async def check(self, draft: Draft) -> None:
        await super().check(draft)
        qualified_on = draft.person.latest.obtained_on
        late = qualified_on + timedelta(days=365 * TRAINING_AFTER_YEARS) < today()
        if not (draft.final and late):
            return
        months = draft.data.get("training_months")
        months_ok = months is not None and TRAINING_MONTHS[0] <= int(months) <= TRAINING_MONTHS[1]
        has_proof = any(a.get("purpose") == "training_proof" for a in draft.attachments)
        if not months_ok or not has_proof:
            raise TrainingProofRequired(
                field="training_months" if not months_ok else "attachments",
                details={"qualified_on": qualified_on.isoformat(), "training_months": list(TRAINING_MONTHS)},
            )

    async def apply(self, approval: Approval) -> None:
        person = await _person_by_user(approval.app.user_id)  # type: ignore[attr-defined]
        qual = person.latest
        inst = approval.institution
        assert inst is not None
        if person.registration is not None:
            raise ApplicationNotAllowed("该医师已有有效的执业注册，不能批准此项申请")
        new = await PracticeRegistration.create(
            practice_cert_no=f"{inst.region_code[:6]}{today():%Y}{approval.app.id:08d}",
            qualification_id=qual.id,
            user_id=approval.app.user_id,  # type: ignore[attr-defined]
            main_institution_id=inst.id,
            practice_region_code=approval.data["practice_region_code"],
            category=qual.category,
            level=qual.level,
            practice_scopes=approval.data["practice_scopes"],
            status=RegistrationStatus.ACTIVE,
            approval_authority=inst.approval_authorities.get(qual.category.value),
            approved_on=today(),
            title=approval.data.get("title"),
            education=qual.education,
            school=qual.school,
            major=qual.major,
        )
        await PhysicianAccount.filter(id=person.account.id).update(registration_id=new.id, updated_at=approval.now)
        await BusinessApplication.filter(id=approval.app.id).update(registration_id=new.id)


class MilitaryTransferIn(Register):
    name = "military_transfer_in"
    fields = ("institution_id", "practice_region_code", "practice_scopes", "title", "military_unit")
    required = ("institution_id", "practice_region_code", "practice_scopes", "military_unit")
    attachment_purposes = ("other",)

    async def check(self, draft: Draft) -> None:
        await ApplicationKind.check(self, draft)  # no training rule for a transfer from the army


class AssistantUpgrade(ApplicationKind):
    name = "assistant_upgrade"
    fields = ("practice_region_code", "practice_scopes", "title")
    required = ("practice_region_code", "practice_scopes")

    async def check(self, draft: Draft) -> None:
        reg = draft.registration
        if reg is not None and reg.level != Level.ASSISTANT:
            raise ApplicationNotAllowed("只有执业助理医师可以申请助理医师升执业医师")
        if reg is not None and draft.person.qualification_of(Level.PRACTITIONER) is None:
            raise ApplicationNotAllowed("未查询到您的执业医师资格，取得执业医师资格后方可申请")
        await super().check(draft)

    def level(self, draft: Draft) -> Level:
        return Level.PRACTITIONER

    async def apply(self, approval: Approval) -> None:
        reg = approval.active_registration()
        person = await _person_by_user(approval.app.user_id)  # type: ignore[attr-defined]
        practitioner = person.qualification_of(Level.PRACTITIONER)
        assert practitioner is not None
        await PracticeRegistration.filter(id=reg.id).update(
            level=Level.PRACTITIONER,
            qualification_id=practitioner.id,
            practice_region_code=approval.data["practice_region_code"],
            practice_scopes=approval.data["practice_scopes"],
            title=approval.data.get("title") or reg.title,
            approved_on=today(),
            updated_at=approval.now,
        )


class Change(ApplicationKind):
    name = "change"
    fields = ("institution_id", "practice_region_code", "practice_scopes")

    async def check(self, draft: Draft) -> None:
        await super().check(draft)
        if draft.final and not any(draft.data.get(k) for k in self.fields):
            raise ApplicationIncomplete("请填写变更后的执业机构、执业地点或执业范围")
        inst = await draft.institution()
        reg = draft.registration
        if draft.final and not draft.data.get("practice_region_code") and inst is not None and reg is not None:
            # A new institution must lie in the current practice region unless the region changes too
            await check_region(reg.practice_region_code, reg.level, inst)

    async def region_institution(self, draft: Draft) -> InstitutionInfo | None:
        inst = await draft.institution()
        reg = draft.registration
        if inst is None and reg is not None and reg.main_institution_id is not None:  # type: ignore[attr-defined]
            return await directory_api.institution(reg.main_institution_id)  # type: ignore[attr-defined]
        return inst

    async def apply(self, approval: Approval) -> None:
        reg = approval.active_registration()
        inst = approval.institution
        values: dict[str, Any] = {"approved_on": today(), "updated_at": approval.now}
        if inst is not None and inst.id != reg.main_institution_id:  # type: ignore[attr-defined]
            values.update(
                main_institution_id=inst.id,
                department_id=None,
                approval_authority=inst.approval_authorities.get(reg.category.value),
            )
        if approval.data.get("practice_region_code"):
            values["practice_region_code"] = approval.data["practice_region_code"]
        if approval.data.get("practice_scopes"):
            values["practice_scopes"] = approval.data["practice_scopes"]
        await PracticeRegistration.filter(id=reg.id).update(**values)


class MilitaryTransferOut(ApplicationKind):
    name = "military_transfer_out"
    fields = ("military_unit", "reason")
    required = ("military_unit",)

    async def apply(self, approval: Approval) -> None:
        await approval.end_filings(MultiSiteStatus.WITHDRAWN)
        await approval.set_status(RegistrationStatus.TRANSFERRED_OUT)


class Cancel(ApplicationKind):
    name = "cancel"
    fields = ("reason",)
    required = ("reason",)

    async def apply(self, approval: Approval) -> None:
        await approval.end_filings(MultiSiteStatus.WITHDRAWN)
        await approval.set_status(RegistrationStatus.CANCELLED)


class MultiSiteFile(ApplicationKind):
    name = "multi_site_file"
    fields = ("institution_id",)
    required = ("institution_id",)

    async def check(self, draft: Draft) -> None:
        await super().check(draft)
        inst, reg = await draft.institution(), draft.registration
        if inst is None or reg is None:
            return
        if inst.id == reg.main_institution_id:  # type: ignore[attr-defined]
            raise ApplicationNotAllowed("不能在主执业机构办理多执业机构备案", field="institution_id")
        if await MultiSiteFiling.filter(
            registration_id=reg.id, institution_id=inst.id, status=MultiSiteStatus.FILED
        ).exists():
            raise ApplicationNotAllowed("已在该机构备案", field="institution_id")

    async def apply(self, approval: Approval) -> None:
        reg, inst = approval.active_registration(), approval.institution
        assert inst is not None
        await MultiSiteFiling.create(
            registration_id=reg.id,
            user_id=approval.app.user_id,  # type: ignore[attr-defined]
            institution_id=inst.id,
            region_code=inst.region_code,
            status=MultiSiteStatus.FILED,
            filed_on=today(),
        )


class MultiSiteUnfile(ApplicationKind):
    name = "multi_site_unfile"
    fields = ("filing_id",)
    required = ("filing_id",)

    async def check(self, draft: Draft) -> None:
        await super().check(draft)
        reg = draft.registration
        if reg is not None and draft.data.get("filing_id") is not None:
            filed = MultiSiteFiling.filter(
                id=int(draft.data["filing_id"]), registration_id=reg.id, status=MultiSiteStatus.FILED
            )
            if not await filed.exists():
                raise ApplicationNotAllowed("未找到该多执业机构备案", field="filing_id")

    async def confirming(self, app: BusinessApplication, registration: PracticeRegistration | None) -> InstitutionInfo:
        # A draft may not name its filing yet (the printable form of a draft is asked for too): the main institution
        filing = await MultiSiteFiling.get_or_none(id=int(app.data["filing_id"])) if app.data.get("filing_id") else None
        if filing is None:
            return await super().confirming(app, registration)
        return await directory_api.require_institution(filing.institution_id)  # type: ignore[attr-defined]

    async def apply(self, approval: Approval) -> None:
        reg = approval.active_registration()
        await MultiSiteFiling.filter(id=int(approval.data["filing_id"]), registration_id=reg.id).update(
            status=MultiSiteStatus.UNFILED, ended_on=today(), updated_at=approval.now
        )


class MultiSiteWithdraw(ApplicationKind):
    name = "multi_site_withdraw"
    fields = ("reason",)

    async def check(self, draft: Draft) -> None:
        await super().check(draft)
        reg = draft.registration
        if (
            reg is not None
            and not await MultiSiteFiling.filter(registration_id=reg.id, status=MultiSiteStatus.FILED).exists()
        ):
            raise ApplicationNotAllowed("您没有多执业机构备案")

    async def apply(self, approval: Approval) -> None:
        await approval.end_filings(MultiSiteStatus.WITHDRAWN)


class InstitutionCase(ApplicationKind):
    """注册备案 / 注销注册 an institution starts for one of its physicians; the commission approves."""

    fields = ("reason", "note")
    required = ("reason",)
    initiated_by_institution = True
    reasons: ClassVar[dict[str, str]] = {}
    ends_as: ClassVar[RegistrationStatus]

    def choices(self, field_name: str) -> dict[str, str]:
        return self.reasons if field_name == "reason" else super().choices(field_name)

    async def apply(self, approval: Approval) -> None:
        await approval.end_filings(MultiSiteStatus.WITHDRAWN)
        await approval.set_status(self.ends_as)


class InstitutionFiling(InstitutionCase):
    name = "institution_filing"
    reasons = {"transfer": "调离", "retirement": "退休", "resignation": "退职", "dismissal": "被辞退或开除"}
    ends_as = RegistrationStatus.FILED


class InstitutionCancellation(InstitutionCase):
    name = "institution_cancellation"
    reasons = {
        "death_or_missing": "死亡或失踪",
        "licence_revoked": "吊销医师执业证书",
        "two_failed_assessments": "两次考核不合格",
        "two_years_without_practice": "终止医师执业活动满两年",
    }
    ends_as = RegistrationStatus.CANCELLED


PHYSICIAN_KINDS: dict[str, ApplicationKind] = {
    k.name: k
    for k in (
        Register(),
        AssistantUpgrade(),
        MilitaryTransferIn(),
        MilitaryTransferOut(),
        Change(),
        Cancel(),
        MultiSiteFile(),
        MultiSiteUnfile(),
        MultiSiteWithdraw(),
    )
}
INSTITUTION_KINDS: dict[str, InstitutionCase] = {k.name: k for k in (InstitutionFiling(), InstitutionCancellation())}
ALL_KINDS: dict[str, ApplicationKind] = {**PHYSICIAN_KINDS, **INSTITUTION_KINDS}


def kind_of(name: str) -> ApplicationKind:
    return ALL_KINDS[name]


def by_review_kind(review_kind: str) -> ApplicationKind | None:
    return next((k for k in ALL_KINDS.values() if k.review_kind == review_kind), None)
