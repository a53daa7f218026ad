"""The institution's and the office's tools: initial credentials, accounts, specialty, pass marks, progress."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.expressions import Q

from server.accounts import api as accounts_api
from server.assessment.binding import CREDENTIAL_TTL, new_credential
from server.assessment.context import step_error
from server.assessment.cycles import cycle_or_current, office_province, utcnow
from server.assessment.errors import (
    AccountNotFound,
    AssessmentNotFound,
    IdentityMismatch,
    InstitutionOutOfScope,
    SpecialtyFixed,
    SpecialtyUnknown,
)
from server.assessment.models import (
    Assessment,
    AssessmentAccount,
    AssessmentStatus,
    Cycle,
    ExemptionStatus,
    Procedure,
)
from server.assessment.standing import RESULT_STATES
from server.common import audit, crypto, scope
from server.common.auth import Principal
from server.common.enums import Role
from server.common.masking import mask_id_number
from server.db import run_atomic
from server.directory import api as directory_api
from server.directory.api import InstitutionInfo as Institution
from server.errors import Forbidden, ValidationFailed
from server.exams import api as exams_api

REVIEWERS = (Role.INSTITUTION_REVIEWER, Role.OFFICE_REVIEWER)


def reviewer_covers(principal: Principal, *, institution_id: int | None, region_code: str | None) -> bool:
    """An institution reviewer of the institution, or an office whose region covers it (the scope policy)."""
    subject = scope.Subject(institution_id=institution_id, region_code=region_code)
    return principal.role in REVIEWERS and scope.covers(principal, subject)


async def _institution_in_scope(principal: Principal, institution_id: int | None) -> Institution:
    if principal.role == Role.INSTITUTION_REVIEWER:
        institution_id = principal.institution_id
    if institution_id is None:
        raise ValidationFailed("institution_id：不能为空", field="institution_id")
    institution = await directory_api.institution(institution_id)
    if institution is None or not reviewer_covers(
        principal, institution_id=institution.id, region_code=institution.region_code
    ):
        raise InstitutionOutOfScope(field="institution_id")
    return institution


@dataclass(frozen=True, slots=True)
class IssuedCredential:
    account_id: int
    credential: str
    expires_at: datetime
    reset: bool
    name: str
    id_number_masked: str


async def issue_credential(
    *,
    principal: Principal,
    id_number: str,
    name: str,
    institution_id: int | None,
    document_type: str = "resident_id",
    ip: str | None = None,
) -> IssuedCredential:
    """Issue (or reset) a physician's random, single-use, expiring initial credential; shown once, stored hashed."""
    institution = await _institution_in_scope(principal, institution_id)
    id_number = crypto.normalise_id_number(id_number)
    index = crypto.blind_index(id_number)
    account = await AssessmentAccount.get_or_none(province_code=institution.province_code, id_number_index=index)
    if account is not None:
        if not reviewer_covers(principal, institution_id=account.institution_id, region_code=account.region_code):  # type: ignore[attr-defined]
            raise AccountNotFound()
        if account.name != name.strip():
            raise IdentityMismatch("姓名与定考账号登记的姓名不一致", field="name")
        if account.document_type != str(document_type):
            raise IdentityMismatch("证件类型与定考账号登记的证件类型不一致", field="document_type")
    credential = new_credential()
    credential_hash = await accounts_api.hash_password(credential)
    expires_at = utcnow() + CREDENTIAL_TTL

    async def tx() -> AssessmentAccount:
        values: dict[str, Any] = {
            "credential_hash": credential_hash,
            "credential_expires_at": expires_at,
            "credential_used_at": None,
            "credential_issued_by_id": principal.user_id,
        }
        if account is None:
            created = await AssessmentAccount.create(
                province_code=institution.province_code,
                name=name.strip(),
                document_type=str(document_type),
                id_number_enc=crypto.encrypt(id_number, context="id_number"),
                id_number_index=index,
                institution_id=institution.id,
                region_code=institution.region_code,
                **values,
            )
        else:
            await AssessmentAccount.filter(id=account.id).update(**values, updated_at=utcnow())
            created = account
        await audit.record(
            action="assessment.credential_issued",
            actor_id=principal.user_id,
            subject_type="assessment_account",
            subject_id=str(created.id),
            ip=ip,
            details={"reset": account is not None, "expires_at": expires_at.isoformat()},
        )
        return created

    saved = await run_atomic(tx)
    return IssuedCredential(
        account_id=saved.id,
        credential=credential,
        expires_at=expires_at,
        reset=account is not None,
        name=saved.name,
        id_number_masked=mask_id_number(id_number) or "",
    )


async def _account_in_scope(principal: Principal, account_id: int) -> AssessmentAccount:
    account = await AssessmentAccount.get_or_none(id=account_id)
    if account is None or not reviewer_covers(
        principal,
        institution_id=account.institution_id,  # type: ignore[attr-defined]
        region_code=account.region_code,
    ):
        raise AccountNotFound()
    return account


async def find_accounts(
    *, principal: Principal, id_number: str, document_type: str = "resident_id", ip: str | None = None
) -> list[AssessmentAccount]:
    """Assessment accounts of one document within the reviewer's scope (to reset, un-hide or correct)."""
    rows = await AssessmentAccount.filter(
        id_number_index=crypto.blind_index(id_number), document_type=str(document_type)
    )
    found = [
        a
        for a in rows
        if reviewer_covers(principal, institution_id=a.institution_id, region_code=a.region_code)  # type: ignore[attr-defined]
    ]
    await run_atomic(
        audit.record,
        action="assessment.account_lookup",
        actor_id=principal.user_id,
        subject_type="assessment_account",
        subject_id=",".join(str(a.id) for a in found)[:64] or None,
        ip=ip,
    )
    return found


async def set_hidden(
    *, principal: Principal, account_id: int, hidden: bool, reason: str | None = None, ip: str | None = None
) -> AssessmentAccount:
    """Hide an account (the physician can no longer bind or act: no longer practising here, a duplicate), or
    un-hide one hidden by mistake."""
    account = await _account_in_scope(principal, account_id)

    async def tx() -> None:
        await AssessmentAccount.filter(id=account.id).update(is_hidden=hidden, updated_at=utcnow())
        await audit.record(
            action="assessment.account_hidden" if hidden else "assessment.account_unhidden",
            actor_id=principal.user_id,
            subject_type="assessment_account",
            subject_id=str(account.id),
            ip=ip,
            details={"reason": reason} if reason else None,
        )

    await run_atomic(tx)
    return await AssessmentAccount.get(id=account.id)


async def correct_specialty(
    *, principal: Principal, assessment_id: int, specialty: str, reason: str, ip: str | None = None
) -> Assessment:
    """Correct the enrolled specialty (报考专业) before the result, with an audit entry of old and new."""
    assessment = await Assessment.get_or_none(id=assessment_id)
    if assessment is None or not reviewer_covers(
        principal, institution_id=assessment.institution_id, region_code=assessment.region_code
    ):
        raise AssessmentNotFound()
    if assessment.status in RESULT_STATES:
        raise step_error(assessment, "考核结果已产生，不能再修改报考专业")
    if specialty not in directory_api.PRACTICE_SCOPES:
        raise SpecialtyUnknown(field="specialty")
    fixed = await exams_api.fixed_specialty(user_id=assessment.user_id, cycle_id=assessment.cycle_id)  # type: ignore[attr-defined]
    if fixed is not None:
        # The paper was drawn from this specialty's pool; the make-up must be drawn from the same one.
        raise SpecialtyFixed(details={"specialty": fixed})
    old = assessment.specialty

    async def tx() -> None:
        await Assessment.filter(id=assessment.id).update(specialty=specialty, updated_at=utcnow())
        await audit.record(
            action="assessment.specialty_corrected",
            actor_id=principal.user_id,
            subject_type="assessment",
            subject_id=str(assessment.id),
            ip=ip,
            details={"old": old, "new": specialty, "reason": reason},
        )

    await run_atomic(tx)
    return await Assessment.get(id=assessment.id)


async def get_rules(*, principal: Principal, cycle_id: int | None) -> tuple[Cycle, exams_api.PassMarks]:
    """The pass marks of the reviewer's province: the exams' own, the ones candidates see and are scored by."""
    cycle = await cycle_or_current(cycle_id)
    province = scope.province_of(principal.region_code or "")
    return cycle, await exams_api.pass_marks(cycle_id=cycle.id, province_code=province)


async def set_rules(
    *,
    principal: Principal,
    cycle_id: int | None,
    professional_pass_mark: float,
    humanities_pass_mark: float,
    professional_pass_marks_by_specialty: dict[str, float] | None = None,
    ip: str | None = None,
) -> tuple[Cycle, exams_api.PassMarks]:
    """The provincial office sets the pass marks; the exams part keeps them (the one place they live)."""
    province = office_province(principal)
    cycle = await cycle_or_current(cycle_id)

    async def tx() -> exams_api.PassMarks:
        marks = await exams_api.set_pass_marks(
            actor_id=principal.user_id,
            cycle_id=cycle.id,
            province_code=province,
            professional=professional_pass_mark,
            humanities=humanities_pass_mark,
            professional_by_specialty=professional_pass_marks_by_specialty,
        )
        await audit.record(
            action="assessment.rules_set",
            actor_id=principal.user_id,
            subject_type="cycle",
            subject_id=str(cycle.id),
            ip=ip,
            details={
                "province": province,
                "professional": professional_pass_mark,
                "humanities": humanities_pass_mark,
                "professional_by_specialty": professional_pass_marks_by_specialty,
            },
        )
        return marks

    return cycle, await run_atomic(tx)


# Enrolled and not yet through the professional exam: the candidates a professional paper must be drawn for
_AWAITING_PROFESSIONAL = (
    AssessmentStatus.ENROLLED,
    AssessmentStatus.PROCEDURE_CHOSEN,
    AssessmentStatus.SELF_EVALUATION_SUBMITTED,
    AssessmentStatus.SELF_EVALUATION_RETURNED,
    AssessmentStatus.SELF_EVALUATED,
)


async def exam_readiness(*, principal: Principal, cycle_id: int | None) -> tuple[Cycle, str, list[dict[str, Any]]]:
    """Before a window opens: per specialty that the office's candidates enrolled in, whether the bank can fill
    their professional papers, and which candidates a shortage would stop (those whose scope maps to no exam
    specialty are one row of their own)."""
    if principal.role != Role.OFFICE_REVIEWER or not principal.region_code:
        raise Forbidden()
    cycle = await cycle_or_current(cycle_id)
    province = scope.province_of(principal.region_code)
    found = (
        await Assessment.filter(
            scope.region_q(principal.region_code),
            Q(procedure__isnull=True) | Q(procedure=Procedure.GENERAL),  # NULL-safe: not chosen yet counts
            Q(professional_passed__isnull=True) | Q(professional_passed=False),
            cycle_id=cycle.id,
            status__in=list(_AWAITING_PROFESSIONAL),
        )
        .exclude(exemption_status=ExemptionStatus.APPROVED)
        .order_by("institution_id", "id")
        .prefetch_related("account")
    )
    names = await directory_api.institution_names({a.institution_id for a in found})
    groups: dict[str | None, list[dict[str, Any]]] = {}
    for a in found:
        groups.setdefault(directory_api.specialty_of(a.specialty), []).append(
            {
                "assessment_id": a.id,
                "name": a.account.name,
                "institution_id": a.institution_id,
                "institution_name": names.get(a.institution_id, ""),
                "practice_scope": a.specialty,
            }
        )
    checked = await exams_api.readiness(
        cycle_id=cycle.id, province_code=province, specialties=[c for c in groups if c is not None]
    )
    items: list[dict[str, Any]] = [
        {
            "specialty": r.specialty,
            "specialty_name": r.name,
            "ready": r.ready,
            "needed": r.needed,
            "available": r.available,
            "short": r.short,
            "pass_mark": r.pass_mark,
            "candidate_count": len(groups[r.specialty]),
            "candidates": groups[r.specialty],
        }
        for r in checked
    ]
    if None in groups:
        items.append(
            {
                "specialty": None,
                "specialty_name": None,
                "ready": False,
                "needed": {},
                "available": {},
                "short": {},
                "pass_mark": None,
                "candidate_count": len(groups[None]),
                "candidates": groups[None],
            }
        )
    return cycle, province, items


PROGRESS_STEPS = (
    "enrolment",
    "enrolment_review",
    "procedure",
    "self_evaluation",
    "self_evaluation_review",
    "exams",
    "passed",
    "failed",
)


_PROGRESS_OF_STATUS = {
    AssessmentStatus.DRAFT: "enrolment",
    AssessmentStatus.ENROLMENT_RETURNED: "enrolment",
    AssessmentStatus.ENROLMENT_REJECTED: "enrolment",
    AssessmentStatus.ENROLMENT_SUBMITTED: "enrolment_review",
    AssessmentStatus.ENROLLED: "procedure",
    AssessmentStatus.PROCEDURE_CHOSEN: "self_evaluation",
    AssessmentStatus.SELF_EVALUATION_RETURNED: "self_evaluation",
    AssessmentStatus.SELF_EVALUATION_SUBMITTED: "self_evaluation_review",
    AssessmentStatus.SELF_EVALUATED: "exams",
    AssessmentStatus.PASSED: "passed",
    AssessmentStatus.FAILED: "failed",
}
