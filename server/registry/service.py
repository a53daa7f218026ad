"""Registry: what a physician and an institution read and maintain in the registers.

Business applications live in ``applications.py``, activation in ``activation.py``, info changes and photos in
``changes.py``, imports in ``imports.py``; this module holds the shared look-ups and the read-only summary other
parts use (``registration_summary``) so that they never query the registry tables themselves.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from server.accounts import audit
from server.accounts.models import User
from server.common import crypto
from server.common.masking import mask_id_number, mask_name, mask_phone
from server.common.models import Category
from server.db import run_atomic
from server.registry import review_kinds  # noqa: F401 - registers the reviewed kinds at import
from server.registry.errors import (
    AccountNotActivated,
    DepartmentInUse,
    DepartmentNotFound,
    InstitutionNotFound,
    NothingToChange,
    PhysicianNotFound,
)
from server.registry.models import (
    AccountStatus,
    Department,
    Institution,
    MultiSiteFiling,
    MultiSiteStatus,
    PhysicianAccount,
    PracticeRegistration,
    Qualification,
    Region,
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
        .prefetch_related("main_institution", "department")
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


async def get_institution(institution_id: int) -> Institution:
    inst = await Institution.get_or_none(id=institution_id)
    if inst is None:
        raise InstitutionNotFound(field="institution_id")
    return inst


async def region_name(code: str | None) -> str | None:
    if not code:
        return None
    region = await Region.get_or_none(code=code)
    return region.name if region else None


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
    inst = await Institution.get_or_none(id=r.main_institution_id)  # type: ignore[attr-defined]
    dept = await Department.get_or_none(id=r.department_id) if r.department_id else None  # type: ignore[attr-defined]
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
    inst = await f.institution
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
    user = await User.get(id=user_id)
    result: dict[str, Any] = {
        "account_status": account.status.value if account else "unverified",
        "activated_via": account.activated_via.value if account and account.activated_via else None,
        "name": mask_name(user.real_name),
        "phone": mask_phone(user.phone),
        "qualifications": [],
        "registration": None,
        "registrations": [],
        "multi_site_filings": [],
        "assessments": [],
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
    result["assessments"] = await _assessments(user_id)
    await audit.record(action="registry.me.read", actor_id=user_id, subject_type="user", subject_id=str(user_id), ip=ip)
    return result


async def _assessments(user_id: int) -> list[dict[str, Any]]:
    """考核信息, as the assessment part summarises it."""
    from server.assessment import service as assessment_service  # read through its service, never its tables

    return await assessment_service.assessment_summaries(user_id=user_id)


async def choose_department(*, user_id: int, department_id: int, ip: str | None = None) -> dict[str, Any]:
    """Choose my department from my main institution's dictionary."""
    account = await active_account(user_id)
    reg = await active_registration([q.id for q in await qualifications_of(account.qualification)])
    if reg is None:
        raise AccountNotActivated("您没有有效的执业注册，不能设置科室")
    dept = await Department.get_or_none(id=department_id, institution_id=reg.main_institution_id)  # type: ignore[attr-defined]
    if dept is None:
        raise DepartmentNotFound(field="department_id")

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


async def my_departments(*, user_id: int) -> list[Department]:
    account = await active_account(user_id)
    reg = await active_registration([q.id for q in await qualifications_of(account.qualification)])
    if reg is None:
        return []
    return await Department.filter(institution_id=reg.main_institution_id).order_by("sort_order", "id")  # type: ignore[attr-defined]


# ---------------------------------------------------------------- institution: departments and authorities


async def list_departments(*, institution_id: int) -> list[Department]:
    return await Department.filter(institution_id=institution_id).order_by("sort_order", "id")


async def add_department(*, institution_id: int, actor_id: int, name: str, sort_order: int = 0) -> Department:
    from server.errors import Conflict

    async def tx() -> Department:
        if await Department.filter(institution_id=institution_id, name=name).exists():
            raise Conflict("科室名称已存在", field="name")
        dept = await Department.create(institution_id=institution_id, name=name, sort_order=sort_order)
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
) -> Department:
    from server.errors import Conflict

    dept = await Department.get_or_none(id=department_id, institution_id=institution_id)
    if dept is None:
        raise DepartmentNotFound()
    if name is None and sort_order is None:
        raise NothingToChange()

    async def tx() -> Department:
        if name is not None and name != dept.name:
            if await Department.filter(institution_id=institution_id, name=name).exists():
                raise Conflict("科室名称已存在", field="name")
            dept.name = name
        if sort_order is not None:
            dept.sort_order = sort_order
        await dept.save()
        await audit.record(
            action="registry.department.updated", actor_id=actor_id, subject_type="department", subject_id=str(dept.id)
        )
        return dept

    return await run_atomic(tx)


async def delete_department(*, institution_id: int, actor_id: int, department_id: int) -> None:
    dept = await Department.get_or_none(id=department_id, institution_id=institution_id)
    if dept is None:
        raise DepartmentNotFound()

    async def tx() -> None:
        if await PracticeRegistration.filter(department_id=dept.id, status=RegistrationStatus.ACTIVE).exists():
            raise DepartmentInUse()
        await dept.delete()
        await audit.record(
            action="registry.department.deleted", actor_id=actor_id, subject_type="department", subject_id=str(dept.id)
        )

    await run_atomic(tx)


async def approval_authorities(*, institution_id: int) -> dict[str, str]:
    inst = await get_institution(institution_id)
    return {c.value: inst.approval_authorities.get(c.value, "") for c in Category}


async def set_approval_authorities(
    *, institution_id: int, actor_id: int, authorities: dict[str, str]
) -> dict[str, str]:
    """设置本院医师审批机关: one approving authority per physician category."""
    inst = await get_institution(institution_id)

    async def tx() -> None:
        merged = {**inst.approval_authorities, **{k: v for k, v in authorities.items() if v}}
        await Institution.filter(id=inst.id).update(approval_authorities=merged, updated_at=now())
        await audit.record(
            action="registry.approval_authorities.set",
            actor_id=actor_id,
            subject_type="institution",
            subject_id=str(inst.id),
            details={"authorities": authorities},
        )

    await run_atomic(tx)
    return await approval_authorities(institution_id=institution_id)


# ---------------------------------------------------------------- institution: lists and checks


async def _physician_row(reg: PracticeRegistration) -> dict[str, Any]:
    q = await reg.qualification
    account = await PhysicianAccount.filter(qualification_id=q.id).exclude(status=AccountStatus.REVOKED).first()
    user = await User.get_or_none(id=account.user_id) if account else None  # type: ignore[attr-defined]
    dept = await Department.get_or_none(id=reg.department_id) if reg.department_id else None  # type: ignore[attr-defined]
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
        "phone": mask_phone(user.phone) if user else None,
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
    for f in await qs.order_by("id").prefetch_related("registration", "institution"):
        row = await _physician_row(f.registration)
        main = await Institution.get_or_none(id=f.registration.main_institution_id)  # type: ignore[attr-defined]
        row.update(
            filing_id=f.id,
            filed_institution_id=f.institution.id,
            filed_institution_name=f.institution.name,
            main_institution_name=main.name if main else None,
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


async def registration_summary(*, user_id: int) -> dict[str, Any]:
    """Qualification, main registration, multi-site filings and the region an activated physician belongs to.

    Empty values (``None`` / ``[]``) when the user has no activated account; never raises for that.
    """
    summary: dict[str, Any] = {
        "activated": False,
        "qualification": None,
        "registration": None,
        "multi_site_filings": [],
        "institution_id": None,
        "institution_name": None,
        "region_code": None,
        "province_code": None,
        "level": None,
        "category": None,
    }
    account = await account_of(user_id)
    if account is None or account.status != AccountStatus.ACTIVE:
        return summary
    quals = await qualifications_of(account.qualification)
    summary["activated"] = True
    summary["qualification"] = qualification_dict(quals[-1])
    reg = await active_registration([q.id for q in quals])
    if reg is None:
        return summary
    inst = reg.main_institution
    summary["registration"] = await registration_dict(reg)
    summary["multi_site_filings"] = [
        await filing_dict(f) for f in await MultiSiteFiling.filter(registration_id=reg.id, status=MultiSiteStatus.FILED)
    ]
    summary.update(
        level=reg.level.value,
        category=reg.category.value,
        institution_id=inst.id if inst else None,
        institution_name=inst.name if inst else None,
        region_code=inst.region_code if inst else reg.practice_region_code,
        province_code=inst.province_code if inst else reg.practice_region_code[:2] + "0000",
    )
    return summary
