"""Business applications (业务申请): drafts, submission, what reviewers see, and applying the approved ones.

States: ``draft`` (ours only) → ``submitted`` → ``institution_confirmed`` → ``approved`` (or ``rejected`` /
``returned`` / ``withdrawn``). Everything after the draft is the review engine's item; the status shown is read
from it, so there is one truth. What each kind takes, checks and changes is its object in ``application_kinds``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from server.common import audit
from server.common.auth import Principal
from server.common.enums import Role
from server.common.masking import mask_id_number, mask_name
from server.common.uploads import Upload
from server.db import run_atomic
from server.directory import api as directory_api
from server.directory.api import InstitutionInfo
from server.integrations import storage
from server.registry import pdf
from server.registry import service as base
from server.registry.application_kinds import (
    ALL_KINDS,
    ATTACHMENT_PURPOSES,
    FIELD_LABELS,
    INSTITUTION_KINDS,
    SHANGHAI,
    Approval,
    Draft,
    Person,
    by_review_kind,
    kind_of,
    person_of,
)
from server.registry.errors import (
    ApplicationAlreadyOpen,
    ApplicationIncomplete,
    ApplicationNotAllowed,
    ApplicationNotEditable,
    ApplicationNotFound,
    NoRegistrationHere,
)
from server.registry.models import (
    AccountStatus,
    BusinessApplication,
    MultiSiteFiling,
    PhysicianAccount,
    PracticeRegistration,
    Qualification,
    RegistrationStatus,
)
from server.workflow import api as workflow_api

MAX_ATTACHMENTS = 5
ATTACHMENT_KINDS = ("pdf", "jpg", "png")
ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024  # per file: a scanned certificate or a photographed page
OPEN_STATUSES = frozenset({"draft", "submitted", "institution_confirmed", "returned"})
STATUS_LABELS = {
    "draft": "草稿",
    "submitted": "待机构确认",
    "institution_confirmed": "待卫生健康行政部门审批",
    "approved": "已批准",
    "rejected": "未通过",
    "returned": "退回修改",
    "withdrawn": "已撤回",
}
SUBJECT_TYPE = "business_application"
__all__ = ["ATTACHMENT_PURPOSES", "FIELD_LABELS", "MAX_ATTACHMENTS", "STATUS_LABELS"]


def status_of(app: BusinessApplication, state: workflow_api.ItemState | None) -> str:
    """The application's status as the physician (or the initiating institution) reads it."""
    if state is None:
        return "draft"
    if state.status != "pending":
        return state.status
    if kind_of(app.kind).initiated_by_institution:
        return "submitted"  # an institution's case waits at the commission, its only step
    return "institution_confirmed" if state.current_step > 0 else "submitted"


def status_label(app: BusinessApplication, state: workflow_api.ItemState | None) -> str:
    status = status_of(app, state)
    if status == "submitted" and state is not None and state.waiting_for:
        return state.waiting_for  # who has it now, in the engine's words
    return STATUS_LABELS[status]


async def _states(apps: list[BusinessApplication]) -> dict[int, workflow_api.ItemState]:
    return await workflow_api.item_states({a.review_item_id for a in apps if a.review_item_id})


async def _status(app: BusinessApplication) -> str:
    return status_of(app, await workflow_api.item_state(app.review_item_id))


async def _open_of_kind(user_id: int, kind: str, exclude_id: int | None = None) -> bool:
    apps = await BusinessApplication.filter(user_id=user_id, kind=kind).exclude(id=exclude_id or 0)
    states = await _states(apps)
    return any(status_of(a, states.get(a.review_item_id or 0)) in OPEN_STATUSES for a in apps)


async def _check(kind: str, data: dict[str, Any], person: Person, *, final: bool, attachments: list[Any]) -> None:
    await kind_of(kind).check(Draft(data=data, person=person, attachments=attachments, final=final))


# ---------------------------------------------------------------- physician: drafts and submission


async def create_application(*, user_id: int, kind: str, data: dict[str, Any], ip: str | None = None) -> dict[str, Any]:
    """Save a new application as a draft (the rules that can already be checked are checked)."""
    person = await person_of(user_id)
    data = kind_of(kind).clean(data)
    await _check(kind, data, person, final=False, attachments=[])

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
            subject_type=SUBJECT_TYPE,
            subject_id=str(app.id),
            ip=ip,
            details={"kind": kind},
        )
        return app

    return await application_out(await run_atomic(tx))


async def _own(user_id: int, application_id: int) -> BusinessApplication:
    app = await BusinessApplication.get_or_none(id=application_id, user_id=user_id, initiator_id=user_id)
    if app is None:
        raise ApplicationNotFound()
    return app


async def get_application(*, user_id: int, application_id: int) -> dict[str, Any]:
    return await application_out(await _own(user_id, application_id))


async def list_applications(*, user_id: int) -> list[dict[str, Any]]:
    apps = await BusinessApplication.filter(user_id=user_id, initiator_id=user_id).order_by("-id").limit(100)
    states = await _states(apps)
    return [await application_out(a, states.get(a.review_item_id or 0)) for a in apps]


async def update_application(
    *, user_id: int, application_id: int, data: dict[str, Any], ip: str | None = None
) -> dict[str, Any]:
    """Change a draft or a returned application (replaces the fields sent)."""
    app = await _own(user_id, application_id)
    if await _status(app) not in ("draft", "returned"):
        raise ApplicationNotEditable()
    person = await person_of(user_id)
    merged = kind_of(app.kind).clean({**app.data, **data})
    await _check(app.kind, merged, person, final=False, attachments=app.attachments)
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
    if purpose not in kind_of(app.kind).attachment_purposes:
        allowed = "、".join(ATTACHMENT_PURPOSES[p] for p in kind_of(app.kind).attachment_purposes)
        raise ApplicationIncomplete(f"此项业务可上传的材料：{allowed}", field="purpose")
    if len(app.attachments) >= MAX_ATTACHMENTS:
        raise ApplicationNotAllowed(f"每项申请最多上传 {MAX_ATTACHMENTS} 个附件", field="file")
    stored = await storage.save(upload.data, purpose="application", ext=upload.kind)
    app.attachments = [
        *app.attachments,
        {"key": stored.key, "purpose": purpose, "name": upload.filename, "kind": upload.kind, "size": stored.size},
    ]
    await app.save(update_fields=["attachments", "updated_at"])
    return await application_out(app)


async def submit_application(*, user_id: int, application_id: int, ip: str | None = None) -> dict[str, Any]:
    """Submit a draft (or resubmit a returned application) to the institution, then the commission."""
    app = await _own(user_id, application_id)
    status = await _status(app)
    if status not in ("draft", "returned"):
        raise ApplicationNotEditable()
    kind = kind_of(app.kind)
    person = await person_of(user_id)
    await _check(app.kind, app.data, person, final=True, attachments=app.attachments)
    inst = await kind.confirming(app, person.registration)
    payload = await review_payload(app, person.registration, inst)

    if status == "draft":

        async def tx() -> None:
            await PhysicianAccount.filter(id=person.account.id).select_for_update().first()
            if await _open_of_kind(user_id, app.kind, exclude_id=app.id):
                raise ApplicationAlreadyOpen()
            item = await workflow_api.submit_item(
                kind=kind.review_kind,
                subject_type=SUBJECT_TYPE,
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
        await workflow_api.resubmit_item(
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
    case = INSTITUTION_KINDS.get(app.kind)
    if "reason" in data and case is not None:
        data["reason_label"] = case.reasons.get(str(data["reason"]))
    if case is not None and app.registration_id:  # type: ignore[attr-defined]
        # the institution's list says whom each case is for (its own physician, named as in its roll)
        reg = await PracticeRegistration.get_or_none(id=app.registration_id).prefetch_related("qualification")  # type: ignore[attr-defined]
        data["physician_name"] = reg.qualification.name if reg else None
    return data


async def _qualification(app: BusinessApplication, reg: PracticeRegistration | None) -> Qualification | None:
    if reg is not None:
        return await reg.qualification
    if app.user_id is None:  # type: ignore[attr-defined]
        return None
    account = await PhysicianAccount.get_or_none(user_id=app.user_id).prefetch_related("qualification")  # type: ignore[attr-defined]
    return account.qualification if account else None


async def review_payload(
    app: BusinessApplication, reg: PracticeRegistration | None, inst: InstitutionInfo
) -> dict[str, Any]:
    """Everything a reviewer needs to decide, personal data masked."""
    qual = await _qualification(app, reg)
    return {
        "application_id": app.id,
        "kind": app.kind,
        "kind_title": workflow_api.kind_title(kind_of(app.kind).review_kind),
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
                "purpose_label": ATTACHMENT_PURPOSES.get(str(a.get("purpose")), "其他材料"),
                "kind": a.get("kind"),
                "url": f"/api/v1/registry/applications/{app.id}/attachments/{i}",
            }
            for i, a in enumerate(app.attachments)
        ],
        "form_url": f"/api/v1/registry/applications/{app.id}/form.pdf",
        # What the reviewer's detail offers to open: the printable form and each attachment
        "files": [
            {
                "role": "form",
                "label": "申请表",
                "href": f"/api/v1/registry/applications/{app.id}/form.pdf",
                "media_type": "application/pdf",
            },
            *(
                {
                    "role": "attachment",
                    "label": ATTACHMENT_PURPOSES.get(str(a.get("purpose")), "其他材料"),
                    "href": f"/api/v1/registry/applications/{app.id}/attachments/{i}",
                    "media_type": {"pdf": "application/pdf", "png": "image/png"}.get(str(a.get("kind")), "image/jpeg"),
                }
                for i, a in enumerate(app.attachments)
            ),
        ],
    }


async def application_out(app: BusinessApplication, state: workflow_api.ItemState | None = None) -> dict[str, Any]:
    if state is None and app.review_item_id:
        state = await workflow_api.item_state(app.review_item_id)
    return {
        "id": app.id,
        "kind": app.kind,
        "kind_title": workflow_api.kind_title(kind_of(app.kind).review_kind),
        "status": status_of(app, state),
        "status_label": status_label(app, state),
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
        and kind_of(app.kind).initiated_by_institution
        and principal.institution_id == app.institution_id  # type: ignore[attr-defined]
    ):
        return app
    if app.review_item_id and principal.is_reviewer and await workflow_api.visible_to(principal, app.review_item_id):
        return app
    raise ApplicationNotFound()


async def attachment(
    *, principal: Principal, application_id: int, index: int, ip: str | None = None
) -> tuple[bytes, str, str]:
    app = await _visible(principal, application_id)
    if not 0 <= index < len(app.attachments):
        raise ApplicationNotFound("附件不存在")
    meta = app.attachments[index]
    data = await storage.load(str(meta["key"]))
    if app.user_id != principal.user_id:  # type: ignore[attr-defined]
        await run_atomic(
            audit.record,
            action="registry.application.attachment.read",
            actor_id=principal.user_id,
            subject_type=SUBJECT_TYPE,
            subject_id=str(app.id),
            ip=ip,
        )
    kind = str(meta.get("kind", "pdf"))
    return data, {"pdf": "application/pdf", "png": "image/png"}.get(kind, "image/jpeg"), f"attachment-{index}.{kind}"


async def form_pdf(*, principal: Principal, application_id: int) -> bytes:
    """The printable application form (rendered off the event loop)."""
    app = await _visible(principal, application_id)
    reg = await PracticeRegistration.get_or_none(id=app.registration_id) if app.registration_id else None  # type: ignore[attr-defined]
    if app.review_item_id is None:
        inst = await kind_of(app.kind).confirming(app, reg)
    else:
        inst = await directory_api.require_institution(app.institution_id)  # type: ignore[attr-defined]
    payload = await review_payload(app, reg, inst)
    state = await workflow_api.item_state(app.review_item_id)
    payload["status_label"] = status_label(app, state)
    payload["submitted_at"] = (
        app.submitted_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if app.submitted_at else None
    )
    qual = await _qualification(app, reg)
    if qual is not None:
        payload["physician"]["name"] = qual.name  # the form is signed by the person: full name
    return await asyncio.get_running_loop().run_in_executor(None, pdf.render_application, payload)


# ---------------------------------------------------------------- institution-initiated filing and cancellation


async def start_institution_case(
    *, principal: Principal, registration_id: int, kind: str, reason: str, note: str | None, ip: str | None = None
) -> dict[str, Any]:
    """注册备案 / 注销注册 for one of our physicians; the commission approves."""
    assert principal.institution_id is not None
    case = INSTITUTION_KINDS[kind]
    if reason not in case.reasons:
        raise ApplicationIncomplete("申请原因不在允许范围内", field="reason", details={"allowed": list(case.reasons)})
    reg = await PracticeRegistration.get_or_none(
        id=registration_id, main_institution_id=principal.institution_id, status=RegistrationStatus.ACTIVE
    )
    if reg is None:
        raise NoRegistrationHere()
    inst = await directory_api.require_institution(principal.institution_id)
    account = await PhysicianAccount.get_or_none(registration_id=reg.id, status=AccountStatus.ACTIVE)
    physician_id = account.user_id if account else reg.user_id  # type: ignore[attr-defined]

    async def tx() -> BusinessApplication:
        open_apps = await BusinessApplication.filter(registration_id=reg.id, kind__in=list(INSTITUTION_KINDS))
        states = await _states(open_apps)
        if any(status_of(a, states.get(a.review_item_id or 0)) in OPEN_STATUSES for a in open_apps):
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
        item = await workflow_api.submit_item(
            kind=case.review_kind,
            subject_type=SUBJECT_TYPE,
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
    states = await _states(apps)
    return [await application_out(a, states.get(a.review_item_id or 0)) for a in apps]


# ---------------------------------------------------------------- approval: the registers change


async def apply_decision(event: workflow_api.ReviewDecided) -> None:
    """The review engine decided an application (inside its transaction): an approval changes the registers."""
    kind = by_review_kind(event.kind)
    if kind is None or event.decision != "approved":
        return  # rejected or returned: the registers stay as they were, the status is read from the item
    app = await BusinessApplication.get(id=int(event.subject_id))
    reg = await PracticeRegistration.get_or_none(id=app.registration_id) if app.registration_id else None  # type: ignore[attr-defined]
    inst = await directory_api.institution(int(app.data["institution_id"])) if app.data.get("institution_id") else None
    await kind.apply(Approval(app=app, registration=reg, institution=inst, now=base.now()))
    await base.sync_affiliation(app.user_id)  # type: ignore[attr-defined]


def is_application_kind(review_kind: str) -> bool:
    return by_review_kind(review_kind) is not None


KIND_NAMES = tuple(ALL_KINDS)
