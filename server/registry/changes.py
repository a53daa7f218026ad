"""Info-change requests (education, school, major, title) and ID photos, reviewed by the main institution.

Approval replaces the practice-registration copy of the data; the original qualification record is never changed.
"""

from __future__ import annotations

from typing import Any

from server.common import audit
from server.common.auth import Principal
from server.common.enums import Role
from server.common.masking import mask_id_number, mask_name
from server.db import run_atomic
from server.directory.api import NothingToChange
from server.integrations import storage
from server.proctoring import api as proctoring_api
from server.registry import service as base
from server.registry.errors import AccountNotActivated, InfoChangeNotFound, InfoChangePending
from server.registry.models import InfoChangeKind, InfoChangeRequest, PracticeRegistration
from server.workflow import api as workflow_api

INFO_CHANGE_KIND = "registry_info_change"
PHOTO_KIND = "registry_photo"
SUBJECT_TYPE = "info_change_request"

CHANGEABLE = ("education", "school", "major", "title")
FIELD_LABELS = {"education": "学历", "school": "毕业学校", "major": "所学专业", "title": "任职资格"}


async def _my_registration(user_id: int) -> PracticeRegistration:
    account = await base.active_account(user_id)
    reg = await base.active_registration([q.id for q in await base.qualifications_of(account.qualification)])
    if reg is None:
        raise AccountNotActivated("您没有有效的执业注册，不能修改执业注册信息")
    return reg


async def _pending(user_id: int, kind: InfoChangeKind) -> tuple[InfoChangeRequest, workflow_api.ItemState] | None:
    for req in await InfoChangeRequest.filter(user_id=user_id, kind=kind).order_by("-id").limit(5):
        state = await workflow_api.item_state(req.review_item_id)
        if state is not None and state.status == "pending":
            return req, state
    return None


async def _payload(reg: PracticeRegistration, extra: dict[str, Any]) -> dict[str, Any]:
    q = await reg.qualification
    return {
        "physician": {
            "name": mask_name(q.name),
            "id_number": mask_id_number(base.decrypt_id(q.id_number_enc)),
            "qualification_cert_no": q.qualification_cert_no,
            "practice_cert_no": reg.practice_cert_no,
            "level": reg.level.value,
            "category": reg.category.value,
        },
        "current": {f: getattr(reg, f) for f in CHANGEABLE},
        "original_qualification": {f: getattr(q, f, None) for f in ("education", "school", "major")},
        **extra,
    }


async def _create(
    *,
    user_id: int,
    reg: PracticeRegistration,
    kind: InfoChangeKind,
    changes: dict[str, str],
    photo_key: str | None,
    extra: dict[str, Any],
    ip: str | None,
) -> InfoChangeRequest:
    inst = await base.get_institution(reg.main_institution_id)  # type: ignore[attr-defined]
    payload_base = await _payload(reg, extra)

    async def tx() -> InfoChangeRequest:
        req = await InfoChangeRequest.create(
            user_id=user_id, registration_id=reg.id, kind=kind, changes=changes, photo_key=photo_key
        )
        payload = {**payload_base, "request_id": req.id}
        if kind == InfoChangeKind.PHOTO:
            # Links the reviewer's pages open as images (each GET checks who asks), not a URL to print
            payload["files"] = [
                {
                    "role": "new_photo",
                    "label": "新相片",
                    "href": f"/api/v1/registry/info-changes/{req.id}/photo",
                    "media_type": _media_type(photo_key),
                }
            ]
            if reg.photo_key:
                payload["files"].append(
                    {
                        "role": "current_photo",
                        "label": "当前相片",
                        "href": f"/api/v1/registry/info-changes/{req.id}/current-photo",
                        "media_type": _media_type(reg.photo_key),
                    }
                )
        item = await workflow_api.submit_item(
            kind=PHOTO_KIND if kind == InfoChangeKind.PHOTO else INFO_CHANGE_KIND,
            subject_type=SUBJECT_TYPE,
            subject_id=str(req.id),
            applicant_id=user_id,
            institution_id=inst.id,
            region_code=inst.region_code,
            payload=payload,
            ip=ip,
        )
        req.review_item_id = item.id
        await req.save(update_fields=["review_item_id"])
        return req

    return await run_atomic(tx)


async def submit_info_change(*, user_id: int, changes: dict[str, str | None], ip: str | None = None) -> dict[str, Any]:
    """Ask to change education, school, major or title of my registration; the institution reviews it."""
    reg = await _my_registration(user_id)
    wanted = {
        k: v.strip() for k, v in changes.items() if k in CHANGEABLE and v and v.strip() != (getattr(reg, k) or "")
    }
    if not wanted:
        raise NothingToChange()
    if await _pending(user_id, InfoChangeKind.INFO) is not None:
        raise InfoChangePending()
    req = await _create(
        user_id=user_id,
        reg=reg,
        kind=InfoChangeKind.INFO,
        changes=wanted,
        photo_key=None,
        extra={"changes": wanted, "labels": {k: FIELD_LABELS[k] for k in wanted}},
        ip=ip,
    )
    return await _out(req)


async def upload_photo(*, user_id: int, data: bytes, ip: str | None = None) -> dict[str, Any]:
    """Upload my ID photo (rules checked one by one); a pending photo is replaced by the new one."""
    reg = await _my_registration(user_id)
    checked = await proctoring_api.check_id_photo(data)
    ext = "png" if checked.format == "png" else "jpg"
    stored = await storage.save(data, purpose="id_photo", ext=ext)
    pending = await _pending(user_id, InfoChangeKind.PHOTO)
    replaced_key = None
    if pending is not None:
        old, item = pending
        try:
            await workflow_api.withdraw_item(applicant_id=user_id, item_id=item.id, ip=ip)
            replaced_key = old.photo_key
        except workflow_api.NotWithdrawable:
            pass  # a reviewer decided meanwhile: the new photo becomes a new request
    try:
        req = await _create(
            user_id=user_id,
            reg=reg,
            kind=InfoChangeKind.PHOTO,
            changes={},
            photo_key=stored.key,
            extra={
                "photo": {
                    "width": checked.width,
                    "height": checked.height,
                    "size_bytes": checked.size_bytes,
                    "format": checked.format,
                }
            },
            ip=ip,
        )
    except Exception:
        await storage.delete(stored.key)
        raise
    if replaced_key:
        await storage.delete(replaced_key)
    out = await _out(req)
    out["replaced"] = replaced_key is not None
    return out


async def _out(req: InfoChangeRequest, state: workflow_api.ItemState | None = None) -> dict[str, Any]:
    if state is None and req.review_item_id:
        state = await workflow_api.item_state(req.review_item_id)
    return {
        "id": req.id,
        "kind": req.kind.value,
        "changes": req.changes,
        "status": state.status if state else "pending",
        "review_item_id": req.review_item_id,
        "created_at": req.created_at.isoformat(),
    }


async def list_info_changes(*, user_id: int) -> list[dict[str, Any]]:
    reqs = await InfoChangeRequest.filter(user_id=user_id).order_by("-id").limit(50)
    states = await workflow_api.item_states({r.review_item_id for r in reqs if r.review_item_id})
    return [await _out(r, states.get(r.review_item_id or 0)) for r in reqs]


def _media_type(key: str | None) -> str:
    return "image/png" if (key or "").endswith(".png") else "image/jpeg"


async def photo_bytes(
    *, principal: Principal, request_id: int, current: bool = False, ip: str | None = None
) -> tuple[bytes, str]:
    """The new photo of a request (or, ``current``, the registration's photo it would replace): for its physician,
    or a reviewer of the physician's main institution."""
    req = await InfoChangeRequest.get_or_none(id=request_id, kind=InfoChangeKind.PHOTO).prefetch_related("registration")
    if req is None or not req.photo_key:
        raise InfoChangeNotFound()
    key = req.registration.photo_key if current else req.photo_key
    if not key:
        raise InfoChangeNotFound("医师尚无已审核通过的相片")
    mine = req.user_id == principal.user_id  # type: ignore[attr-defined]
    reviewer = (
        principal.role == Role.INSTITUTION_REVIEWER
        and principal.institution_id is not None
        and principal.institution_id == req.registration.main_institution_id  # type: ignore[attr-defined]
    )
    if not (mine or reviewer):
        raise InfoChangeNotFound()
    data = await storage.load(key)
    if not mine:
        await run_atomic(
            audit.record,
            action="registry.photo.read",
            actor_id=principal.user_id,
            subject_type="info_change_request",
            subject_id=str(req.id),
            ip=ip,
            details={"which": "current" if current else "new"},
        )
    return data, _media_type(key)


async def my_photo(*, user_id: int) -> tuple[bytes, str]:
    """My current (approved) registration photo."""
    reg = await _my_registration(user_id)
    if not reg.photo_key:
        raise InfoChangeNotFound("尚未上传相片或相片未审核通过")
    return await storage.load(reg.photo_key), ("image/png" if reg.photo_key.endswith(".png") else "image/jpeg")


def is_change_kind(review_kind: str) -> bool:
    return review_kind in (INFO_CHANGE_KIND, PHOTO_KIND)


async def apply_decision(event: workflow_api.ReviewDecided) -> None:
    """The institution approved (inside the deciding transaction): replace the registration copy, never the
    qualification. A rejection or a return leaves the registration as it was."""
    if event.decision != "approved":
        return
    req = await InfoChangeRequest.get(id=int(event.subject_id))
    if req.kind == InfoChangeKind.PHOTO:
        now = base.now()
        await PracticeRegistration.filter(id=req.registration_id).update(  # type: ignore[attr-defined]
            photo_key=req.photo_key, updated_at=now
        )
        if req.photo_key:  # the approved photo becomes the reference of the physician's face comparisons
            await proctoring_api.set_reference_photo(user_id=req.user_id, storage_key=req.photo_key, approved_at=now)  # type: ignore[attr-defined]
        return
    values = {k: v for k, v in req.changes.items() if k in CHANGEABLE}
    if values:
        await PracticeRegistration.filter(id=req.registration_id).update(**values, updated_at=base.now())  # type: ignore[attr-defined]
