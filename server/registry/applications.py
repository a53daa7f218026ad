"""Business applications (业务申请): the nine kinds a physician files, and filing / cancellation an institution starts.

States: ``draft`` (ours only) → ``submitted`` → ``institution_confirmed`` → ``approved`` (or ``rejected`` /
``returned`` / ``withdrawn``). Everything after the draft is the review engine's item; the status shown is read from
it, so there is one truth. Approval updates the registers in the engine's deciding transaction (``apply_approved``).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from server.common import audit
from server.common.auth import Principal
from server.common.enums import Level, Role
from server.common.masking import mask_id_number, mask_name
from server.common.scope import region_covers
from server.common.uploads import Upload
from server.db import run_atomic
from server.directory import api as directory_api
from server.directory.api import InstitutionInfo as Institution
from server.errors import AppError
from server.integrations import storage
from server.registry import service as base
from server.registry.errors import (
    ApplicationAlreadyOpen,
    ApplicationIncomplete,
    ApplicationNotAllowed,
    ApplicationNotEditable,
    ApplicationNotFound,
    NoRegistrationHere,
    PracticeRegionInvalid,
    PracticeScopeTooMany,
    TrainingProofRequired,
)
from server.registry.models import (
    AccountStatus,
    BusinessApplication,
    MultiSiteFiling,
    MultiSiteStatus,
    PhysicianAccount,
    PracticeRegistration,
    Qualification,
    RegistrationStatus,
)
from server.registry.review_kinds import APPLICATION_KINDS, INSTITUTION_KINDS, review_kind
from server.workflow import service as workflow_service
from server.workflow.models import ReviewItem, ReviewStatus

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_SCOPES = 3
TRAINING_AFTER_YEARS = 2
OPEN_STATUSES = frozenset({"draft", "submitted", "institution_confirmed", "returned"})
FILING_REASONS = {"transfer": "调离", "retirement": "退休", "resignation": "退职", "dismissal": "被辞退或开除"}
CANCELLATION_REASONS = {
    "death_or_missing": "死亡或失踪",
    "licence_revoked": "吊销医师执业证书",
    "two_failed_assessments": "两次考核不合格",
    "two_years_without_practice": "终止医师执业活动满两年",
}
ATTACHMENT_PURPOSES = {"training_proof": "培训考核合格证明", "other": "其他材料"}
MAX_ATTACHMENTS = 5
STATUS_LABELS = {
    "draft": "草稿",
    "submitted": "待机构确认",
    "institution_confirmed": "待卫生健康行政部门审批",
    "approved": "已批准",
    "rejected": "未通过",
    "returned": "退回修改",
    "withdrawn": "已撤回",
}
# Which fields each physician kind uses (anything else sent is dropped)
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "register": (
        "institution_id",
        "practice_region_code",
        "practice_scopes",
        "title",
        "residency_training",
        "training_months",
    ),
    "assistant_upgrade": ("practice_region_code", "practice_scopes", "title"),
    "military_transfer_in": ("institution_id", "practice_region_code", "practice_scopes", "title", "military_unit"),
    "military_transfer_out": ("military_unit", "reason"),
    "change": ("institution_id", "practice_region_code", "practice_scopes"),
    "cancel": ("reason",),
    "multi_site_file": ("institution_id",),
    "multi_site_unfile": ("filing_id",),
    "multi_site_withdraw": ("reason",),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "register": ("institution_id", "practice_region_code", "practice_scopes"),
    "assistant_upgrade": ("practice_region_code", "practice_scopes"),
    "military_transfer_in": ("institution_id", "practice_region_code", "practice_scopes", "military_unit"),
    "military_transfer_out": ("military_unit",),
    "change": (),
    "cancel": ("reason",),
    "multi_site_file": ("institution_id",),
    "multi_site_unfile": ("filing_id",),
    "multi_site_withdraw": (),
}
FIELD_LABELS = {
    "institution_id": "执业机构",
    "practice_region_code": "执业地点",
    "practice_scopes": "执业范围",
    "title": "任职资格",
    "residency_training": "是否规培医师",
    "training_months": "培训月数",
    "military_unit": "军队单位",
    "reason": "申请原因",
    "filing_id": "备案机构",
}


def today() -> date:
    return datetime.now(SHANGHAI).date()


def status_of(item: ReviewItem | None) -> str:
    if item is None:
        return "draft"
    if item.status == ReviewStatus.PENDING:
        return (
            "institution_confirmed"
            if item.current_step > 0 or item.kind.startswith("registry_institution_")
            else "submitted"
        )
    return item.status.value


async def _items(apps: list[BusinessApplication]) -> dict[int, ReviewItem]:
    ids = [a.review_item_id for a in apps if a.review_item_id]
    return {i.id: i for i in await ReviewItem.filter(id__in=ids)} if ids else {}


async def _status(app: BusinessApplication) -> str:
    item = await ReviewItem.get_or_none(id=app.review_item_id) if app.review_item_id else None
    # An institution-started item pending at the commission is "submitted" to the commission
    if item is not None and item.status == ReviewStatus.PENDING and app.kind in INSTITUTION_KINDS:
        return "submitted"
    return status_of(item)


# ---------------------------------------------------------------- the person and their registers


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


async def _person(user_id: int) -> Person:
    account = await base.active_account(user_id)
    quals = await base.qualifications_of(account.qualification)
    reg = await base.active_registration([q.id for q in quals])
    return Person(account=account, qualifications=quals, registration=reg)


async def _check_region(code: str, level: Level, institution: Institution | None) -> None:
    region = await directory_api.region(code)
    wanted = "province" if level == Level.PRACTITIONER else "county"
    shape_ok = code.endswith("0000") if level == Level.PRACTITIONER else not code.endswith("00")
    if (region is not None and region.level != wanted) or (region is None and not shape_ok) or len(code) != 6:
        label = "省级行政区划" if level == Level.PRACTITIONER else "区县级行政区划"
        raise PracticeRegionInvalid(f"执业地点应为{label}", field="practice_region_code")
    if institution is not None:
        if not region_covers(code, institution.region_code):
            raise PracticeRegionInvalid("执业机构不在所选执业地点内", field="practice_region_code")


async def _institution(data: dict[str, Any]) -> Institution | None:
    if data.get("institution_id") is None:
        return None
    return await base.get_institution(int(data["institution_id"]))


async def _validate(
    kind: str, data: dict[str, Any], person: Person, *, final: bool, attachments: list[dict[str, Any]]
) -> None:
    """Each rule of the kind, with its own error; ``final`` also requires the fields and the proof."""
    reg = person.registration
    if kind in ("register", "military_transfer_in") and reg is not None:
        raise ApplicationNotAllowed("您已有有效的执业注册，请办理变更注册")
    if kind not in ("register", "military_transfer_in") and reg is None:
        raise ApplicationNotAllowed("您没有有效的执业注册，不能办理此项业务")
    if kind == "assistant_upgrade":
        assert reg is not None
        if reg.level != Level.ASSISTANT:
            raise ApplicationNotAllowed("只有执业助理医师可以申请助理医师升执业医师")
        if person.qualification_of(Level.PRACTITIONER) is None:
            raise ApplicationNotAllowed("未查询到您的执业医师资格，取得执业医师资格后方可申请")
    if kind in ("multi_site_unfile", "multi_site_withdraw") and reg is not None:
        filed = MultiSiteFiling.filter(registration_id=reg.id, status=MultiSiteStatus.FILED)
        if kind == "multi_site_unfile" and data.get("filing_id") is not None:
            filed = filed.filter(id=int(data["filing_id"]))
            if not await filed.exists():
                raise ApplicationNotAllowed("未找到该多执业机构备案", field="filing_id")
        elif not await filed.exists():
            raise ApplicationNotAllowed("您没有多执业机构备案")
    if final:
        for name in REQUIRED[kind]:
            if data.get(name) in (None, "", []):
                raise ApplicationIncomplete(f"请填写{FIELD_LABELS[name]}", field=name)
        if kind == "change" and not any(data.get(k) for k in KIND_FIELDS["change"]):
            raise ApplicationIncomplete("请填写变更后的执业机构、执业地点或执业范围")
    scopes = data.get("practice_scopes")
    if scopes is not None and len(scopes) > MAX_SCOPES:
        raise PracticeScopeTooMany(field="practice_scopes")
    inst = await _institution(data)
    if kind == "multi_site_file" and inst is not None and reg is not None:
        if inst.id == reg.main_institution_id:  # type: ignore[attr-defined]
            raise ApplicationNotAllowed("不能在主执业机构办理多执业机构备案", field="institution_id")
        if await MultiSiteFiling.filter(
            registration_id=reg.id, institution_id=inst.id, status=MultiSiteStatus.FILED
        ).exists():
            raise ApplicationNotAllowed("已在该机构备案", field="institution_id")
    if data.get("practice_region_code"):
        level = (
            Level.PRACTITIONER
            if kind == "assistant_upgrade"
            else (reg.level if reg is not None else person.latest.level)
        )
        if kind == "change" and inst is None and reg is not None and reg.main_institution_id is not None:  # type: ignore[attr-defined]
            inst = await directory_api.institution(reg.main_institution_id)  # type: ignore[attr-defined]
        await _check_region(str(data["practice_region_code"]), level, inst)
    elif final and kind == "change" and inst is not None and reg is not None:
        # A new institution must lie in the current practice region unless the region changes too
        await _check_region(reg.practice_region_code, reg.level, inst)
    if kind == "register":
        months = data.get("training_months")
        late = person.latest.obtained_on + timedelta(days=365 * TRAINING_AFTER_YEARS) < today()
        if final and late:
            has_proof = any(a.get("purpose") == "training_proof" for a in attachments)
            if months is None or not 3 <= int(months) <= 6 or not has_proof:
                raise TrainingProofRequired(
                    field="training_months" if months is None or not 3 <= int(months) <= 6 else "attachments",
                    details={"qualified_on": person.latest.obtained_on.isoformat(), "training_months": [3, 6]},
                )


async def _open_of_kind(user_id: int, kind: str, exclude_id: int | None = None) -> bool:
    apps = await BusinessApplication.filter(user_id=user_id, kind=kind).exclude(id=exclude_id or 0)
    items = await _items(apps)
    return any(status_of(items.get(a.review_item_id or 0)) in OPEN_STATUSES for a in apps)


def _clean(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k in KIND_FIELDS[kind] and v is not None}


# ---------------------------------------------------------------- physician: drafts and submission


async def create_application(*, user_id: int, kind: str, data: dict[str, Any], ip: str | None = None) -> dict[str, Any]:
    """Save a new application as a draft (the rules that can already be checked are checked)."""
    person = await _person(user_id)
    data = _clean(kind, data)
    await _validate(kind, data, person, final=False, attachments=[])

    async def tx() -> BusinessApplication:
        # Serialise this physician's writes (PostgreSQL row lock) so two requests cannot both pass the check
        await PhysicianAccount.filter(id=person.account.id).select_for_update().first()
        if await _open_of_kind(user_id, kind):
            raise ApplicationAlreadyOpen()
        app = await BusinessApplication.create(
            kind=kind,
            user_id=user_id,
            initiator_id=user_id,
            data=data,
            registration_id=person.registration.id if person.registration else None,
        )
        await audit.record(
            action="registry.application.created",
            actor_id=user_id,
            subject_type="business_application",
            subject_id=str(app.id),
            ip=ip,
            details={"kind": kind},
        )
        return app

    app = await run_atomic(tx)
    return await application_out(app)


async def _own(user_id: int, application_id: int) -> BusinessApplication:
    app = await BusinessApplication.get_or_none(id=application_id, user_id=user_id, initiator_id=user_id)
    if app is None:
        raise ApplicationNotFound()
    return app


async def get_application(*, user_id: int, application_id: int) -> dict[str, Any]:
    return await application_out(await _own(user_id, application_id))


async def list_applications(*, user_id: int) -> list[dict[str, Any]]:
    apps = await BusinessApplication.filter(user_id=user_id, initiator_id=user_id).order_by("-id").limit(100)
    items = await _items(apps)
    return [await application_out(a, items.get(a.review_item_id or 0)) for a in apps]


async def update_application(
    *, user_id: int, application_id: int, data: dict[str, Any], ip: str | None = None
) -> dict[str, Any]:
    """Change a draft or a returned application (replaces the fields sent)."""
    app = await _own(user_id, application_id)
    if await _status(app) not in ("draft", "returned"):
        raise ApplicationNotEditable()
    person = await _person(user_id)
    merged = _clean(app.kind, {**app.data, **data})
    await _validate(app.kind, merged, person, final=False, attachments=app.attachments)
    app.data = merged
    await app.save(update_fields=["data", "updated_at"])
    return await application_out(app)


async def delete_draft(*, user_id: int, application_id: int) -> None:
    app = await _own(user_id, application_id)
    if app.review_item_id is not None:
        raise ApplicationNotEditable("已提交的申请不能删除，可在审核前撤回")
    keys = [str(a["key"]) for a in app.attachments]
    await app.delete()
    for key in keys:
        await storage.delete(key)


async def add_attachment(*, user_id: int, application_id: int, upload: Upload, purpose: str) -> dict[str, Any]:
    """Attach a proof (pdf/jpg/png) to a draft or returned application."""
    app = await _own(user_id, application_id)
    if await _status(app) not in ("draft", "returned"):
        raise ApplicationNotEditable()
    if len(app.attachments) >= MAX_ATTACHMENTS:
        raise ApplicationNotAllowed(f"每项申请最多上传 {MAX_ATTACHMENTS} 个附件", field="file")
    stored = await storage.save(upload.data, purpose="application", ext=upload.kind, encrypt=True)
    app.attachments = [
        *app.attachments,
        {"key": stored.key, "purpose": purpose, "name": upload.filename, "kind": upload.kind, "size": stored.size},
    ]
    await app.save(update_fields=["attachments", "updated_at"])
    return await application_out(app)


async def _confirming(app: BusinessApplication, person: Person | None) -> Institution:
    """The institution that confirms: the new one for register / change / filing, else the main institution."""
    data = app.data
    reg = person.registration if person else await PracticeRegistration.get_or_none(id=app.registration_id)  # type: ignore[attr-defined]
    if app.kind == "multi_site_unfile":
        filing = await MultiSiteFiling.get(id=int(data["filing_id"]))
        return await base.get_institution(filing.institution_id)  # type: ignore[attr-defined]
    if data.get("institution_id") is not None:
        return await base.get_institution(int(data["institution_id"]))
    if reg is None or reg.main_institution_id is None:  # type: ignore[attr-defined]
        raise ApplicationNotAllowed("您没有有效的执业注册，不能办理此项业务")
    return await base.get_institution(reg.main_institution_id)  # type: ignore[attr-defined]


async def submit_application(*, user_id: int, application_id: int, ip: str | None = None) -> dict[str, Any]:
    """Submit a draft (or resubmit a returned application) to the institution, then the commission."""
    app = await _own(user_id, application_id)
    status = await _status(app)
    if status not in ("draft", "returned"):
        raise ApplicationNotEditable()
    person = await _person(user_id)
    await _validate(app.kind, app.data, person, final=True, attachments=app.attachments)
    inst = await _confirming(app, person)
    payload = await review_payload(app, person.registration, inst)

    if status == "draft":

        async def tx() -> None:
            await PhysicianAccount.filter(id=person.account.id).select_for_update().first()
            if await _open_of_kind(user_id, app.kind, exclude_id=app.id):
                raise ApplicationAlreadyOpen()
            item = await workflow_service.create_item(
                kind=review_kind(app.kind),
                subject_type="business_application",
                subject_id=str(app.id),
                applicant_id=user_id,
                institution_id=inst.id,
                region_code=inst.region_code,
                payload=payload,
                attachments=payload["attachments"],
                ip=ip,
            )
            changed = await BusinessApplication.filter(id=app.id, review_item_id=None).update(
                review_item_id=item.id,
                institution_id=inst.id,
                region_code=inst.region_code,
                registration_id=person.registration.id if person.registration else None,
                submitted_at=base.now(),
                updated_at=base.now(),
            )
            if changed != 1:
                raise ApplicationNotEditable()

        await run_atomic(tx)
    else:
        # The engine keeps routing by the item's institution: a returned application keeps its confirming body
        await workflow_service.resubmit_item(
            applicant_id=user_id,
            item_id=app.review_item_id or 0,
            payload=payload,
            attachments=payload["attachments"],
            ip=ip,
        )
        await BusinessApplication.filter(id=app.id).update(submitted_at=base.now(), updated_at=base.now())
    return await application_out(await BusinessApplication.get(id=app.id))


# ---------------------------------------------------------------- what the reviewer sees


async def _requested(app: BusinessApplication) -> dict[str, Any]:
    data = dict(app.data)
    if data.get("institution_id") is not None:
        inst = await directory_api.institution(int(data["institution_id"]))
        data["institution_name"] = inst.name if inst else None
    if data.get("practice_region_code"):
        data["practice_region_name"] = await base.region_name(str(data["practice_region_code"]))
    if data.get("filing_id") is not None:
        filing = await MultiSiteFiling.get_or_none(id=int(data["filing_id"]))
        filed_at = await directory_api.institution(filing.institution_id) if filing else None  # type: ignore[attr-defined]
        data["filing_institution_name"] = filed_at.name if filed_at else None
    if "reason" in data and app.kind in INSTITUTION_KINDS:
        labels = FILING_REASONS if app.kind == "institution_filing" else CANCELLATION_REASONS
        data["reason_label"] = labels.get(str(data["reason"]))
    return data


async def review_payload(
    app: BusinessApplication, reg: PracticeRegistration | None, inst: Institution
) -> dict[str, Any]:
    """Everything a reviewer needs to decide, personal data masked."""
    qual: Qualification | None = None
    if reg is not None:
        qual = await reg.qualification
    elif app.user_id is not None:  # type: ignore[attr-defined]
        account = await PhysicianAccount.get_or_none(user_id=app.user_id).prefetch_related("qualification")  # type: ignore[attr-defined]
        qual = account.qualification if account else None
    title = (APPLICATION_KINDS | INSTITUTION_KINDS)[app.kind]
    return {
        "application_id": app.id,
        "kind": app.kind,
        "kind_title": title,
        "confirming_institution": {"id": inst.id, "name": inst.name, "region_code": inst.region_code},
        "physician": {
            "name": mask_name(qual.name) if qual else None,
            "id_number": mask_id_number(base.decrypt_id(qual.id_number_enc)) if qual else None,
            "qualification_cert_no": qual.qualification_cert_no if qual else None,
            "qualification_level": qual.level.value if qual else None,
            "category": qual.category.value if qual else None,
            "qualified_on": qual.obtained_on.isoformat() if qual else None,
        },
        "current_registration": await base.registration_dict(reg) if reg else None,
        "requested": await _requested(app),
        "attachments": [
            {
                "name": a.get("name"),
                "purpose": a.get("purpose"),
                "url": f"/api/v1/registry/applications/{app.id}/attachments/{i}",
            }
            for i, a in enumerate(app.attachments)
        ],
        "form_url": f"/api/v1/registry/applications/{app.id}/form.pdf",
    }


async def application_out(app: BusinessApplication, item: ReviewItem | None = None) -> dict[str, Any]:
    if item is None and app.review_item_id:
        item = await ReviewItem.get_or_none(id=app.review_item_id)
    status = status_of(item)
    if item is not None and item.status == ReviewStatus.PENDING and app.kind in INSTITUTION_KINDS:
        status = "submitted"
    return {
        "id": app.id,
        "kind": app.kind,
        "kind_title": (APPLICATION_KINDS | INSTITUTION_KINDS)[app.kind],
        "status": status,
        "status_label": STATUS_LABELS[status],
        "data": await _requested(app),
        "attachments": [
            {"index": i, "name": a.get("name"), "purpose": a.get("purpose"), "kind": a.get("kind")}
            for i, a in enumerate(app.attachments)
        ],
        "institution_id": app.institution_id,  # type: ignore[attr-defined]
        "review_item_id": app.review_item_id,
        "submitted_at": app.submitted_at.isoformat() if app.submitted_at else None,
        "created_at": app.created_at.isoformat(),
        "updated_at": app.updated_at.isoformat(),
    }


async def _visible(principal: Principal, application_id: int) -> BusinessApplication:
    """The applicant, the initiating institution, or a reviewer the engine lets see the item."""
    app = await BusinessApplication.get_or_none(id=application_id)
    if app is None:
        raise ApplicationNotFound()
    if app.initiator_id == principal.user_id or app.user_id == principal.user_id:  # type: ignore[attr-defined]
        return app
    if (
        principal.role == Role.INSTITUTION_REVIEWER
        and app.kind in INSTITUTION_KINDS
        and principal.institution_id == app.institution_id  # type: ignore[attr-defined]
    ):
        return app
    if app.review_item_id and principal.is_reviewer:
        try:
            await workflow_service.get_visible_item(principal=principal, item_id=app.review_item_id)
            return app
        except AppError:
            pass
    raise ApplicationNotFound()


async def attachment(
    *, principal: Principal, application_id: int, index: int, ip: str | None = None
) -> tuple[bytes, str, str]:
    app = await _visible(principal, application_id)
    if not 0 <= index < len(app.attachments):
        raise ApplicationNotFound("附件不存在")
    meta = app.attachments[index]
    data = await storage.load(str(meta["key"]), encrypted=True)
    if app.user_id != principal.user_id:  # type: ignore[attr-defined]
        await run_atomic(
            audit.record,
            action="registry.application.attachment.read",
            actor_id=principal.user_id,
            subject_type="business_application",
            subject_id=str(app.id),
            ip=ip,
        )
    kind = str(meta.get("kind", "pdf"))
    return data, {"pdf": "application/pdf", "png": "image/png"}.get(kind, "image/jpeg"), f"attachment-{index}.{kind}"


async def form_pdf(*, principal: Principal, application_id: int) -> bytes:
    """The printable application form (rendered off the event loop)."""
    from server.registry import pdf

    app = await _visible(principal, application_id)
    reg = await PracticeRegistration.get_or_none(id=app.registration_id) if app.registration_id else None  # type: ignore[attr-defined]
    if app.review_item_id is None:
        inst = await _confirming(app, None)
    else:
        inst = await base.get_institution(app.institution_id)  # type: ignore[attr-defined]
    payload = await review_payload(app, reg, inst)
    payload["status_label"] = STATUS_LABELS[await _status(app)]
    payload["submitted_at"] = (
        app.submitted_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if app.submitted_at else None
    )
    if app.user_id is not None:  # type: ignore[attr-defined]
        q = await PhysicianAccount.get_or_none(user_id=app.user_id).prefetch_related("qualification")  # type: ignore[attr-defined]
        if q is not None:
            payload["physician"]["name"] = q.qualification.name  # the form is signed by the person: full name
    return await asyncio.get_running_loop().run_in_executor(None, pdf.render_application, payload)


# ---------------------------------------------------------------- institution-initiated filing and cancellation


async def start_institution_case(
    *, principal: Principal, registration_id: int, kind: str, reason: str, note: str | None, ip: str | None = None
) -> dict[str, Any]:
    """注册备案 / 注销注册 for one of our physicians; the commission approves."""
    assert principal.institution_id is not None
    labels = FILING_REASONS if kind == "institution_filing" else CANCELLATION_REASONS
    if reason not in labels:
        raise ApplicationIncomplete("申请原因不在允许范围内", field="reason", details={"allowed": list(labels)})
    reg = await PracticeRegistration.get_or_none(
        id=registration_id, main_institution_id=principal.institution_id, status=RegistrationStatus.ACTIVE
    )
    if reg is None:
        raise NoRegistrationHere()
    inst = await base.get_institution(principal.institution_id)
    account = await PhysicianAccount.get_or_none(registration_id=reg.id, status=AccountStatus.ACTIVE)
    physician_id = account.user_id if account else reg.user_id  # type: ignore[attr-defined]

    async def tx() -> BusinessApplication:
        open_apps = await BusinessApplication.filter(registration_id=reg.id, kind__in=list(INSTITUTION_KINDS))
        items = await _items(open_apps)
        if any(status_of(items.get(a.review_item_id or 0)) in OPEN_STATUSES for a in open_apps):
            raise ApplicationAlreadyOpen("该医师已有一项备案或注销申请正在办理")
        app = await BusinessApplication.create(
            kind=kind,
            user_id=physician_id,
            initiator_id=principal.user_id,
            registration_id=reg.id,
            institution_id=inst.id,
            region_code=inst.region_code,
            data={"reason": reason, **({"note": note} if note else {})},
            submitted_at=base.now(),
        )
        payload = await review_payload(app, reg, inst)
        item = await workflow_service.create_item(
            kind=review_kind(kind),
            subject_type="business_application",
            subject_id=str(app.id),
            applicant_id=principal.user_id,
            institution_id=inst.id,
            region_code=inst.region_code,
            payload=payload,
            ip=ip,
        )
        app.review_item_id = item.id
        await app.save(update_fields=["review_item_id"])
        return app

    return await application_out(await run_atomic(tx))


async def list_institution_cases(*, institution_id: int) -> list[dict[str, Any]]:
    apps = (
        await BusinessApplication.filter(institution_id=institution_id, kind__in=list(INSTITUTION_KINDS))
        .order_by("-id")
        .limit(100)
    )
    items = await _items(apps)
    return [await application_out(a, items.get(a.review_item_id or 0)) for a in apps]


# ---------------------------------------------------------------- approval: the registers change


def _cert_no(region: str, app_id: int) -> str:
    return f"{region[:6]}{today():%Y}{app_id:08d}"


async def _end_filings(reg_id: int, status: MultiSiteStatus) -> None:
    await MultiSiteFiling.filter(registration_id=reg_id, status=MultiSiteStatus.FILED).update(
        status=status, ended_on=today(), updated_at=base.now()
    )


async def apply_approved(item: ReviewItem) -> None:
    """Review callback, inside the deciding transaction: make the approved application true in the registers."""
    await _apply_approved(item)
    app = await BusinessApplication.get(id=int(item.subject_id))
    await base.sync_affiliation(app.user_id)  # type: ignore[attr-defined]


async def _apply_approved(item: ReviewItem) -> None:
    app = await BusinessApplication.get(id=int(item.subject_id))
    data = app.data
    now = base.now()
    reg = await PracticeRegistration.get_or_none(id=app.registration_id) if app.registration_id else None  # type: ignore[attr-defined]
    inst = await directory_api.institution(int(data["institution_id"])) if data.get("institution_id") else None
    if app.kind in ("register", "military_transfer_in"):
        account = await PhysicianAccount.get(user_id=app.user_id).prefetch_related("qualification")  # type: ignore[attr-defined]
        quals = await base.qualifications_of(account.qualification)
        qual = quals[-1]
        assert inst is not None
        if await base.active_registration([q.id for q in quals]) is not None:
            raise ApplicationNotAllowed("该医师已有有效的执业注册，不能批准此项申请")
        new = await PracticeRegistration.create(
            practice_cert_no=_cert_no(inst.region_code, app.id),
            qualification_id=qual.id,
            user_id=app.user_id,  # type: ignore[attr-defined]
            main_institution_id=inst.id,
            practice_region_code=data["practice_region_code"],
            category=qual.category,
            level=qual.level,
            practice_scopes=data["practice_scopes"],
            status=RegistrationStatus.ACTIVE,
            approval_authority=inst.approval_authorities.get(qual.category.value),
            approved_on=today(),
            title=data.get("title"),
            education=qual.education,
            school=qual.school,
            major=qual.major,
        )
        await PhysicianAccount.filter(id=account.id).update(registration_id=new.id, updated_at=now)
        await BusinessApplication.filter(id=app.id).update(registration_id=new.id)
        return
    if reg is None or reg.status != RegistrationStatus.ACTIVE:
        # The register changed since the application was filed (e.g. cancelled meanwhile)
        raise ApplicationNotAllowed("该医师的执业注册状态已变化，不能批准此项申请")
    if app.kind == "assistant_upgrade":
        account = await PhysicianAccount.get(user_id=app.user_id).prefetch_related("qualification")  # type: ignore[attr-defined]
        quals = await base.qualifications_of(account.qualification)
        practitioner = [q for q in quals if q.level == Level.PRACTITIONER][-1]
        await PracticeRegistration.filter(id=reg.id).update(
            level=Level.PRACTITIONER,
            qualification_id=practitioner.id,
            practice_region_code=data["practice_region_code"],
            practice_scopes=data["practice_scopes"],
            title=data.get("title") or reg.title,
            approved_on=today(),
            updated_at=now,
        )
    elif app.kind == "change":
        values: dict[str, Any] = {"approved_on": today(), "updated_at": now}
        if inst is not None and inst.id != reg.main_institution_id:  # type: ignore[attr-defined]
            values.update(
                main_institution_id=inst.id,
                department_id=None,
                approval_authority=inst.approval_authorities.get(reg.category.value),
            )
        if data.get("practice_region_code"):
            values["practice_region_code"] = data["practice_region_code"]
        if data.get("practice_scopes"):
            values["practice_scopes"] = data["practice_scopes"]
        await PracticeRegistration.filter(id=reg.id).update(**values)
    elif app.kind == "military_transfer_out":
        await PracticeRegistration.filter(id=reg.id).update(status=RegistrationStatus.TRANSFERRED_OUT, updated_at=now)
        await _end_filings(reg.id, MultiSiteStatus.WITHDRAWN)
    elif app.kind in ("cancel", "institution_cancellation"):
        await PracticeRegistration.filter(id=reg.id).update(status=RegistrationStatus.CANCELLED, updated_at=now)
        await _end_filings(reg.id, MultiSiteStatus.WITHDRAWN)
    elif app.kind == "institution_filing":
        await PracticeRegistration.filter(id=reg.id).update(status=RegistrationStatus.FILED, updated_at=now)
        await _end_filings(reg.id, MultiSiteStatus.WITHDRAWN)
    elif app.kind == "multi_site_file":
        assert inst is not None
        await MultiSiteFiling.create(
            registration_id=reg.id,
            user_id=app.user_id,  # type: ignore[attr-defined]
            institution_id=inst.id,
            region_code=inst.region_code,
            status=MultiSiteStatus.FILED,
            filed_on=today(),
        )
    elif app.kind == "multi_site_unfile":
        await MultiSiteFiling.filter(id=int(data["filing_id"]), registration_id=reg.id).update(
            status=MultiSiteStatus.UNFILED, ended_on=today(), updated_at=now
        )
    elif app.kind == "multi_site_withdraw":
        await _end_filings(reg.id, MultiSiteStatus.WITHDRAWN)
