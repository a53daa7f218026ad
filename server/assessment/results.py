"""Results as the physician reads them: this cycle's result, the printable notice, and the public check."""

from __future__ import annotations

import asyncio
from typing import Any

from server.assessment import documents
from server.assessment.context import context_of, require_assessment
from server.assessment.cycles import CN_TZ, utcnow
from server.assessment.errors import (
    NoticeNotFound,
    ResultNotReady,
)
from server.assessment.models import (
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


async def result_notice_pdf(*, user_id: int) -> tuple[bytes, str]:
    assessment, cycle = await my_result(user_id=user_id)
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
