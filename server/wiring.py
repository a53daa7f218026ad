"""Where the parts meet through hooks: the exams part asks the assessment whether a physician may sit an exam,
the proctoring part for the face capture, and reports each score back to both.

Called once per process (the app at start-up, the worker at start-up), after every part is imported.
"""

from __future__ import annotations

from typing import Any


async def _on_exam_result(**result: Any) -> bool | None:
    """Inside the scoring transaction: proctoring closes the attempt, the assessment records the score and, when
    that decided the assessment, the face images' retention starts counting from the result.

    Returns the assessment's pass decision, which the exams part stores on the attempt and in its notice."""
    from server.assessment import service as assessment_service
    from server.assessment.models import Assessment
    from server.proctoring import service as proctoring_service

    await proctoring_service.close_attempt(attempt_ref=result["attempt_ref"])
    passed = await assessment_service.record_exam_result(**result)
    assessment_id = result.get("assessment_id")
    if assessment_id is None:
        return passed
    assessment = await Assessment.get_or_none(id=assessment_id)
    if assessment is not None and assessment.result_decided_at is not None:
        await proctoring_service.record_result_date(user_id=result["user_id"], result_at=assessment.result_decided_at)
    return passed


def wire_parts() -> None:
    from server.assessment import service as assessment_service
    from server.exams import hooks as exam_hooks
    from server.proctoring import service as proctoring_service

    exam_hooks.set_hooks(
        check_eligibility=assessment_service.exam_eligibility,
        claim_capture=proctoring_service.claim_capture,
        on_result=_on_exam_result,
    )
    exam_hooks.install_from_env()  # the load benchmark's permissive hooks (refused in production)
