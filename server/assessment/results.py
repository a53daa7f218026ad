"""Results as the physician reads them: this cycle's and the past two cycles' results per practice site, the
printable notice, and the public check."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from server.assessment import appeals, documents
from server.assessment.context import context_of, physician_account, require_assessment
from server.assessment.cycles import CN_TZ, today, utcnow
from server.assessment.errors import (
    AssessmentNotFound,
    NoticeNotFound,
    ResultNotReady,
)
from server.assessment.models import (
    Appeal,
    AppealStatus,
    Assessment,
    AssessmentAccount,
    AssessmentStatus,
    Cycle,
    Procedure,
)
from server.assessment.standing import RESULT_STATES, current_step, exam_specialty_of
from server.common import crypto
from server.common.masking import mask_id_number, mask_name
from server.directory import api as directory_api


async def my_result(*, user_id: int) -> tuple[Assessment, Cycle]:
    """The current cycle's assessment with its result (or RESULT_NOT_READY)."""
    ctx = await context_of(user_id)
    assessment = await require_assessment(ctx)
    if assessment.status not in RESULT_STATES:
        raise ResultNotReady(details={"step": current_step(assessment)[0]})
    return assessment, ctx.cycle


def _specialty_line(assessment: Assessment) -> str:
    """报考专业, and the exam specialty the professional exam examined (none under the simplified procedure)."""
    scope = assessment.specialty or ""
    if assessment.procedure == Procedure.SIMPLIFIED:
        return scope
    name = directory_api.specialty_name(exam_specialty_of(assessment))
    return f"{scope}（业务水平测评专业：{name}）" if name else scope


async def result_notice_pdf(*, user_id: int, assessment_id: int | None = None) -> tuple[bytes, str]:
    """The result notice of this cycle, or of the physician's own assessment ``assessment_id`` (a past cycle)."""
    if assessment_id is None:
        assessment, cycle = await my_result(user_id=user_id)
    else:
        account = await physician_account(user_id=user_id)
        found = await Assessment.get_or_none(id=assessment_id, account_id=account.id).prefetch_related("cycle")
        if found is None:
            raise AssessmentNotFound()
        if found.status not in RESULT_STATES:
            raise ResultNotReady()
        assessment, cycle = found, found.cycle
    return await _render_notice(assessment, cycle)


async def _render_notice(assessment: Assessment, cycle: Cycle) -> tuple[bytes, str]:
    account = await AssessmentAccount.get(id=assessment.account_id)  # type: ignore[attr-defined]
    names = await directory_api.institution_names({assessment.institution_id})
    data = await asyncio.get_running_loop().run_in_executor(
        None,
        documents.render_result_notice,
        documents.NoticeData(
            name=account.name,
            id_number=mask_id_number(crypto.decrypt(account.id_number_enc, context="id_number")) or "",
            institution_name=names.get(assessment.institution_id, ""),
            cycle_name=cycle.name,
            specialty=_specialty_line(assessment),
            procedure="简易程序" if assessment.procedure == Procedure.SIMPLIFIED else "一般程序",
            passed=assessment.status == AssessmentStatus.PASSED,
            decided_on=(assessment.result_decided_at or utcnow()).astimezone(CN_TZ).date(),
            verification_code=assessment.verification_code or "",
        ),
    )
    return data, f"result-notice-{assessment.verification_code}.pdf"


async def verify_result_notice(*, verification_code: str) -> dict[str, Any]:
    """Public check of a notice: valid or not, the masked name, the result and the cycle, nothing else."""
    code = verification_code.strip().upper()
    assessment = (
        await Assessment.get_or_none(verification_code=code).prefetch_related("account", "cycle") if code else None
    )
    if assessment is None or assessment.status not in RESULT_STATES:
        raise NoticeNotFound()
    return {
        "valid": True,
        "name": mask_name(assessment.account.name),
        "result": assessment.status.value,
        "cycle_name": assessment.cycle.name,
    }


PREVIOUS_CYCLES = 2
RESULT_LABELS = appeals.RESULT_LABELS
NOTICE_URL = "/api/v1/assessment/results/{assessment_id}/notice.pdf"


@dataclass(frozen=True, slots=True)
class Site:
    """A practice site (执业地点) and how the cycle stands there."""

    institution_id: int | None
    institution_name: str
    region_name: str | None
    is_main: bool
    status_label: str


@dataclass(frozen=True, slots=True)
class CycleResult:
    cycle: Cycle
    is_current: bool
    assessment: Assessment
    step: str
    status_label: str
    sites: list[Site]
    appeal_deadline: Any  # datetime | None
    may_appeal: bool
    appeals: list[Appeal]


def _status_label(assessment: Assessment) -> str:
    if assessment.status in RESULT_STATES:
        return f"考核{RESULT_LABELS[assessment.status.value]}"
    return current_step(assessment)[1]


async def _sites(assessment: Assessment, status_label: str) -> list[Site]:
    """The main institution the assessment was reviewed at, then the multi-site institutions the physician had
    filed when enrolling (the enrolment as approved); one result stands for every site."""
    registry = (assessment.enrolment or {}).get("registry") or {}
    practice = registry.get("practice") or {}
    names = await directory_api.institution_names({assessment.institution_id})
    sites = [
        Site(
            institution_id=assessment.institution_id,
            institution_name=names.get(assessment.institution_id, "") or str(practice.get("institution_name") or ""),
            region_name=practice.get("practice_region_name"),
            is_main=True,
            status_label=status_label,
        )
    ]
    for s in registry.get("multi_sites") or []:
        if s.get("institution_id") == assessment.institution_id:
            continue
        sites.append(
            Site(
                institution_id=s.get("institution_id"),
                institution_name=str(s.get("institution_name") or ""),
                region_name=s.get("region_name"),
                is_main=False,
                status_label=f"{status_label}（随主执业机构考核）",
            )
        )
    return sites


async def my_results(*, user_id: int) -> list[CycleResult]:
    """This cycle's assessment (whatever its step) and the past two cycles' results, newest first."""
    account = await physician_account(user_id=user_id)
    rows = await Assessment.filter(account_id=account.id).prefetch_related("cycle")
    rows.sort(key=lambda a: a.cycle.starts_on, reverse=True)
    now = today()
    current = [a for a in rows if a.cycle.starts_on <= now <= a.cycle.ends_on]
    newest_current = current[0].cycle.starts_on if current else now
    previous = [a for a in rows if a.cycle.starts_on < newest_current and a.status in RESULT_STATES]
    chosen = current[:1] + previous[:PREVIOUS_CYCLES]
    filed = await appeals.my_appeals(user_id=user_id, assessment_ids=[a.id for a in chosen])
    items = []
    for a in chosen:
        label = _status_label(a)
        mine = [x for x in filed if x.assessment_id == a.id]  # type: ignore[attr-defined]
        is_open = any(x.status == AppealStatus.PENDING for x in mine)
        items.append(
            CycleResult(
                cycle=a.cycle,
                is_current=bool(current) and a.id == current[0].id,
                assessment=a,
                step=current_step(a)[0],
                status_label=label,
                sites=await _sites(a, label),
                appeal_deadline=appeals.deadline_of(a),
                may_appeal=appeals.may_appeal(a, open_appeal=is_open),
                appeals=mine,
            )
        )
    return items
