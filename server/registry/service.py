"""Registry: what a physician and an institution read and maintain in the registers.

Business applications live in ``applications.py``, activation in ``activation.py``, info changes and photos in
``changes.py``, imports in ``imports.py``; this module holds the shared look-ups and the read-only summary other
parts use (``registration_summary``) so that they never query the registry tables themselves.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from server.accounts import api as accounts_api
from server.common import audit, crypto, scope
from server.common.masking import mask_id_number, mask_name
from server.db import run_atomic
from server.directory import api as directory_api
from server.registry.errors import (
    AccountNotActivated,
    DepartmentInUse,
    PhysicianNotFound,
)
from server.registry.models import (
    AccountStatus,
    MultiSiteFiling,
    MultiSiteStatus,
    PhysicianAccount,
    PracticeRegistration,
    Qualification,
    RegistrationStatus,
)


def now() -> datetime:
    return datetime.now(UTC)


def decrypt_id(token: str | None) -> str | None:
    return crypto.decrypt(token, context="id_number") if token else None


# ---------------------------------------------------------------- shared look-ups


async def account_of(user_id: int) -> PhysicianAccount | None:
    return await PhysicianAccount.get_or_none(user_id=user_id).prefetch_related("qualification", "registration")


async def active_account(user_id: int) -> PhysicianAccount:
    """The caller's activated account, or ACCOUNT_NOT_ACTIVATED."""
    account = await account_of(user_id)
    if account is None or account.status != AccountStatus.ACTIVE:
        raise AccountNotActivated()
    return account


async def active_registration(qualification_ids: list[int]) -> PracticeRegistration | None:
    """The one active practice registration of these qualifications (an upgraded assistant has two)."""
    return (
        await PracticeRegistration.filter(qualification_id__in=qualification_ids, status=RegistrationStatus.ACTIVE)
        .order_by("-id")
        .first()
    )


async def qualifications_of(qualification: Qualification) -> list[Qualification]:
    """Every qualification of the same person (same ID number), e.g. assistant then practitioner."""
    return await Qualification.filter(id_number_index=qualification.id_number_index).order_by("obtained_on")


async def main_registration_of(user_id: int) -> PracticeRegistration | None:
    account = await account_of(user_id)
    if account is None:
        return None
    quals = await qualifications_of(account.qualification)
    return await active_registration([q.id for q in quals])


async def get_institution(institution_id: int) -> directory_api.InstitutionInfo:
    return await directory_api.require_institution(institution_id)


async def region_name(code: str | None) -> str | None:
    return await directory_api.region_name(code)


def qualification_dict(q: Qualification, *, masked: bool = True) -> dict[str, Any]:
    number = decrypt_id(q.id_number_enc)
    return {
        "id": q.id,
        "qualification_cert_no": q.qualification_cert_no,
        "name": mask_name(q.name) if masked else q.name,
        "id_type": q.id_type,
        "id_number": mask_id_number(number) if masked else number,
        "category": q.category.value,
        "level": q.level.value,
        "obtained_on": q.obtained_on.isoformat(),
        "education": q.education,
        "school": q.school,
        "major": q.major,
        "residency_training": q.residency_training,
    }


async def registration_dict(r: PracticeRegistration) -> dict[str, Any]:
    inst = await directory_api.institution(r.main_institution_id) if r.main_institution_id else None  # type: ignore[attr-defined]
    dept = await directory_api.department(r.department_id) if r.department_id else None  # type: ignore[attr-defined]
    return {
        "id": r.id,
        "practice_cert_no": r.practice_cert_no,
        "status": r.status.value,
        "level": r.level.value,
        "category": r.category.value,
        "practice_region_code": r.practice_region_code,
        "practice_region_name": await region_name(r.practice_region_code),
        "practice_scopes": list(r.practice_scopes or []),
        "main_institution_id": inst.id if inst else None,
        "main_institution_name": inst.name if inst else None,
        "department_id": dept.id if dept else None,
        "department_name": dept.name if dept else None,
        "approval_authority": r.approval_authority,
        "approved_on": r.approved_on.isoformat() if r.approved_on else None,
        "title": r.title,
        "education": r.education,
        "school": r.school,
        "major": r.major,
        "has_photo": bool(r.photo_key),
    }


async def filing_dict(f: MultiSiteFiling) -> dict[str, Any]:
    inst = await directory_api.require_institution(f.institution_id, field=None)  # type: ignore[attr-defined]
    return {
        "id": f.id,
        "institution_id": inst.id,
        "institution_name": inst.name,
        "region_code": f.region_code,
        "status": f.status.value,
        "filed_on": f.filed_on.isoformat(),
        "ended_on": f.ended_on.isoformat() if f.ended_on else None,
    }


# ---------------------------------------------------------------- physician: my data


async def my_data(*, user_id: int, ip: str | None = None) -> dict[str, Any]:
    """My qualification, practice registration, multi-site filings and account state (personal data masked)."""
    account = await account_of(user_id)
    person = await accounts_api.person(user_id)
    result: dict[str, Any] = {
        "account_status": account.status.value if account else "unverified",
        "activated_via": account.activated_via.value if account and account.activated_via else None,
        "name": person.name_masked if person else None,
        "phone": person.phone_masked if person else None,
        "qualifications": [],
        "registration": None,
        "registrations": [],
        "multi_site_filings": [],
    }
    if account is None or account.status == AccountStatus.REVOKED:
        return result
    quals = await qualifications_of(account.qualification)
    result["qualifications"] = [qualification_dict(q) for q in quals]
    if account.status != AccountStatus.ACTIVE:
        return result
    regs = await PracticeRegistration.filter(qualification_id__in=[q.id for q in quals]).order_by("-id")
    result["registrations"] = [await registration_dict(r) for r in regs]
    active = next((r for r in regs if r.status == RegistrationStatus.ACTIVE), None)
    if active is not None:
        result["registration"] = await registration_dict(active)
        filings = await MultiSiteFiling.filter(registration_id=active.id).order_by("id")
        result["multi_site_filings"] = [await filing_dict(f) for f in filings]
    await audit.record(action="registry.me.read", actor_id=user_id, subject_type="user", subject_id=str(user_id), ip=ip)
    return result


async def choose_department(*, user_id: int, department_id: int, ip: str | None = None) -> dict[str, Any]:
    """Choose my department from my main institution's dictionary."""
    account = await active_account(user_id)
    reg = await active_registration([q.id for q in await qualifications_of(account.qualification)])
    if reg is None:
        raise AccountNotActivated("您没有有效的执业注册，不能设置科室")
    dept = await directory_api.department(department_id, institution_id=reg.main_institution_id)  # type: ignore[attr-defined]
    if dept is None:
        raise directory_api.DepartmentNotFound(field="department_id")

    async def tx() -> None:
        await PracticeRegistration.filter(id=reg.id).update(department_id=dept.id, updated_at=now())
        await audit.record(
            action="registry.department.chosen",
            actor_id=user_id,
            subject_type="practice_registration",
            subject_id=str(reg.id),
            ip=ip,
            details={"department_id": dept.id},
        )

    await run_atomic(tx)
    return {"department_id": dept.id, "department_name": dept.name}


async def my_departments(*, user_id: int) -> list[directory_api.DepartmentInfo]:
    account = await active_account(user_id)
    reg = await active_registration([q.id for q in await qualifications_of(account.qualification)])
    if reg is None or reg.main_institution_id is None:  # type: ignore[attr-defined]
        return []
    return await directory_api.departments(reg.main_institution_id)  # type: ignore[attr-defined]


# ---------------------------------------------------------------- institution: departments and authorities


async def list_departments(*, institution_id: int) -> list[directory_api.DepartmentInfo]:
    return await directory_api.departments(institution_id)


async def add_department(
    *, institution_id: int, actor_id: int, name: str, sort_order: int = 0
) -> directory_api.DepartmentInfo:
    async def tx() -> directory_api.DepartmentInfo:
        dept = await directory_api.add_department(institution_id=institution_id, name=name, sort_order=sort_order)
        await audit.record(
            action="registry.department.added",
            actor_id=actor_id,
            subject_type="department",
            subject_id=str(dept.id),
            details={"name": name},
        )
        return dept

    return await run_atomic(tx)


async def update_department(
    *, institution_id: int, actor_id: int, department_id: int, name: str | None, sort_order: int | None
) -> directory_api.DepartmentInfo:
    async def tx() -> directory_api.DepartmentInfo:
        dept = await directory_api.update_department(
            institution_id=institution_id, department_id=department_id, name=name, sort_order=sort_order
        )
        await audit.record(
            action="registry.department.updated", actor_id=actor_id, subject_type="department", subject_id=str(dept.id)
        )
        return dept

    return await run_atomic(tx)


async def delete_department(*, institution_id: int, actor_id: int, department_id: int) -> None:
    if await directory_api.department(department_id, institution_id=institution_id) is None:
        raise directory_api.DepartmentNotFound()

    async def tx() -> None:
        if await PracticeRegistration.filter(department_id=department_id, status=RegistrationStatus.ACTIVE).exists():
            raise DepartmentInUse()
        await directory_api.delete_department(institution_id=institution_id, department_id=department_id)
        await audit.record(
            action="registry.department.deleted",
            actor_id=actor_id,
            subject_type="department",
            subject_id=str(department_id),
        )

    await run_atomic(tx)


async def approval_authorities(*, institution_id: int) -> dict[str, str]:
    return await directory_api.approval_authorities(institution_id=institution_id)


async def set_approval_authorities(
    *, institution_id: int, actor_id: int, authorities: dict[str, str]
) -> dict[str, str]:
    """设置本院医师审批机关: one approving authority per physician category."""

    async def tx() -> dict[str, str]:
        result = await directory_api.set_approval_authorities(institution_id=institution_id, authorities=authorities)
        await audit.record(
            action="registry.approval_authorities.set",
            actor_id=actor_id,
            subject_type="institution",
            subject_id=str(institution_id),
            details={"authorities": authorities},
        )
        return result

    return await run_atomic(tx)


# ---------------------------------------------------------------- institution: lists and checks


async def _physician_row(reg: PracticeRegistration) -> dict[str, Any]:
    q = await reg.qualification
    account = await PhysicianAccount.filter(qualification_id=q.id).exclude(status=AccountStatus.REVOKED).first()
    user = await accounts_api.person(account.user_id) if account else None  # type: ignore[attr-defined]
    dept = await directory_api.department(reg.department_id) if reg.department_id else None  # type: ignore[attr-defined]
    return {
        "registration_id": reg.id,
        "name": q.name,
        "id_number": mask_id_number(decrypt_id(q.id_number_enc)),
        "qualification_cert_no": q.qualification_cert_no,
        "practice_cert_no": reg.practice_cert_no,
        "level": reg.level.value,
        "category": reg.category.value,
        "practice_scopes": list(reg.practice_scopes or []),
        "status": reg.status.value,
        "department_name": dept.name if dept else None,
        "account_status": account.status.value if account else "none",
        "user_id": user.id if user else None,
        "phone": user.phone_masked if user else None,
    }


async def institution_physicians(
    *, institution_id: int, actor_id: int, name: str | None = None, cursor: int | None = None, limit: int = 20
) -> list[dict[str, Any]]:
    """主执业机构在本院的医师 (active registrations), oldest first, after ``cursor``."""
    qs = PracticeRegistration.filter(main_institution_id=institution_id, status=RegistrationStatus.ACTIVE)
    if name:
        qs = qs.filter(qualification__name__contains=name)
    if cursor:
        qs = qs.filter(id__gt=cursor)
    rows = await qs.order_by("id").limit(limit)
    await audit.record(
        action="registry.institution.physicians.read",
        actor_id=actor_id,
        subject_type="institution",
        subject_id=str(institution_id),
    )
    return [await _physician_row(r) for r in rows]


async def institution_multi_site(*, institution_id: int, direction: str) -> list[dict[str, Any]]:
    """``here``: physicians of other institutions filed here; ``elsewhere``: ours filed at other institutions."""
    qs = MultiSiteFiling.filter(status=MultiSiteStatus.FILED)
    if direction == "here":
        qs = qs.filter(institution_id=institution_id)
    else:
        qs = qs.filter(registration__main_institution_id=institution_id, registration__status=RegistrationStatus.ACTIVE)
    out = []
    filings = await qs.order_by("id").prefetch_related("registration")
    names = await directory_api.institution_names(
        {f.institution_id for f in filings} | {f.registration.main_institution_id for f in filings}  # type: ignore[attr-defined]
    )
    for f in filings:
        row = await _physician_row(f.registration)
        main_id = f.registration.main_institution_id  # type: ignore[attr-defined]
        row.update(
            filing_id=f.id,
            filed_institution_id=f.institution_id,  # type: ignore[attr-defined]
            filed_institution_name=names.get(f.institution_id),  # type: ignore[attr-defined]
            main_institution_name=names.get(main_id) if main_id else None,
            filed_on=f.filed_on.isoformat(),
        )
        out.append(row)
    return out


async def lookup(
    *, actor_id: int, institution_id: int, name: str, id_number: str, ip: str | None = None
) -> dict[str, Any]:
    """资格信息验证 / 注册信息验证: a given person's qualification and registrations, for an institution."""
    quals = await Qualification.filter(id_number_index=crypto.blind_index(id_number), name=name).order_by("obtained_on")
    await audit.record(
        action="registry.lookup",
        actor_id=actor_id,
        subject_type="institution",
        subject_id=str(institution_id),
        ip=ip,
        details={"found": bool(quals)},
    )
    if not quals:
        raise PhysicianNotFound("未查询到该医师的资格信息，请核对姓名和证件号码")
    regs = await PracticeRegistration.filter(qualification_id__in=[q.id for q in quals]).order_by("-id")
    return {
        "qualifications": [qualification_dict(q) for q in quals],
        "registrations": [await registration_dict(r) for r in regs],
    }


# ---------------------------------------------------------------- for other parts (read-only)


async def registration_summary(*, user_id: int, id_number_index: str | None = None) -> dict[str, Any] | None:
    """A physician's qualification, active practice registration and filed multi-site institutions, as plain data.

    Found by the account's qualification, else (a physician known to the assessment before activating here) by the
    blind index of the ID number; None when the registers know nobody.
    """
    qualification = await Qualification.filter(user_id=user_id).order_by("-obtained_on").first()
    if qualification is None and id_number_index:
        qualification = await Qualification.filter(id_number_index=id_number_index).order_by("-obtained_on").first()
    if qualification is None:
        return None
    quals = await qualifications_of(qualification)
    latest = quals[-1]
    reg = await active_registration([q.id for q in quals])
    practice: dict[str, Any] | None = None
    sites: list[dict[str, Any]] = []
    if reg is not None:
        inst = await directory_api.institution(reg.main_institution_id) if reg.main_institution_id else None  # type: ignore[attr-defined]
        dept = await directory_api.department(reg.department_id) if reg.department_id else None  # type: ignore[attr-defined]
        practice = {
            "practice_cert_no": reg.practice_cert_no,
            "institution_id": inst.id if inst else None,
            "institution_name": inst.name if inst else None,
            "institution_region_code": inst.region_code if inst else None,
            "department": dept.name if dept else None,
            "practice_region_code": reg.practice_region_code,
            "practice_region_name": await region_name(reg.practice_region_code),
            "category": reg.category.value,
            "level": reg.level.value,
            "practice_scopes": list(reg.practice_scopes or []),
            "title": reg.title,
        }
        filings = await MultiSiteFiling.filter(registration_id=reg.id, status=MultiSiteStatus.FILED).order_by("id")
        names = await directory_api.institution_names({f.institution_id for f in filings})  # type: ignore[attr-defined]
        regions = await directory_api.regions({f.region_code for f in filings})
        sites = [
            {
                "institution_id": f.institution_id,  # type: ignore[attr-defined]
                "institution_name": names.get(f.institution_id, ""),  # type: ignore[attr-defined]
                "region_code": f.region_code,
                "region_name": regions[f.region_code].name if f.region_code in regions else None,
                "filed_on": f.filed_on.isoformat(),
            }
            for f in filings
        ]
    return {
        "qualification": {
            "qualification_cert_no": latest.qualification_cert_no,
            "name": latest.name,
            "category": latest.category.value,
            "level": latest.level.value,
            "obtained_on": latest.obtained_on.isoformat(),
        },
        "practice": practice,
        "multi_sites": sites,
    }


async def sync_affiliation(user_id: int | None) -> None:
    """Record where the physician now belongs (their active main institution), in the caller's transaction."""
    if user_id is None:
        return
    reg = await main_registration_of(user_id)
    if reg is None or reg.main_institution_id is None:  # type: ignore[attr-defined]
        await scope.clear_affiliation(user_id=user_id)
        return
    inst = await directory_api.require_institution(reg.main_institution_id, field=None)  # type: ignore[attr-defined]
    await scope.set_affiliation(
        user_id=user_id, institution_id=inst.id, region_code=inst.region_code, source=scope.REGISTRY
    )
