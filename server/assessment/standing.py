"""Where an assessment stands: the exams it has behind it (from its exam records) and the step it is at."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from server.assessment.models import Assessment, AssessmentStatus, ExemptionStatus, Procedure
from server.directory import api as directory_api

RESULT_STATES = (AssessmentStatus.PASSED, AssessmentStatus.FAILED)


@dataclass(frozen=True, slots=True)
class Tally:
    """The exam records of one assessment, counted. An invalidated attempt was sat, and failed."""

    professional_sat: bool
    professional_passed: bool
    professional_make_up_sat: bool
    professional_score: float | None  # the best score that counts
    humanities_sat: bool
    humanities_passed: bool
    humanities_score: float | None

    @property
    def professional_failed_for_good(self) -> bool:
        return self.professional_make_up_sat and not self.professional_passed


def tally(records: list[dict[str, Any]]) -> Tally:
    def of(kind: str) -> list[dict[str, Any]]:
        return [r for r in records if r.get("exam_kind") == kind]

    def counting(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [r for r in rows if not r.get("invalidated")]

    prof, hum = of("professional"), of("humanities")
    prof_scores = [float(r["score"]) for r in counting(prof) if r.get("score") is not None]
    hum_counting = counting(hum)
    return Tally(
        professional_sat=bool(prof),
        professional_passed=any(r.get("passed") for r in counting(prof)),
        professional_make_up_sat=any(r.get("is_make_up") for r in prof),
        professional_score=max(prof_scores) if prof_scores else None,
        humanities_sat=bool(hum),
        humanities_passed=bool(hum_counting) and bool(hum_counting[-1].get("passed")),
        humanities_score=float(hum_counting[-1]["score"]) if hum_counting else None,
    )


def needs_professional(assessment: Assessment) -> bool:
    return assessment.procedure == Procedure.GENERAL and assessment.exemption_status != ExemptionStatus.APPROVED


_STEPS: dict[AssessmentStatus, tuple[str, str]] = {
    AssessmentStatus.DRAFT: ("enrolment", "确认个人信息并提交报名"),
    AssessmentStatus.ENROLMENT_SUBMITTED: ("enrolment_review", "报名信息审核中，请等待卫生机构审核、考核机构复核"),
    AssessmentStatus.ENROLMENT_RETURNED: ("enrolment", "报名信息已退回或撤回，请核对后重新提交"),
    AssessmentStatus.ENROLMENT_REJECTED: ("enrolment", "报名信息未通过审核，请核对后重新提交"),
    AssessmentStatus.ENROLLED: ("procedure", "选择考核程序（简易程序或一般程序）"),
    AssessmentStatus.PROCEDURE_CHOSEN: ("self_evaluation", "填写执业行为记录、工作成绩、职业道德自评并提交"),
    AssessmentStatus.SELF_EVALUATION_SUBMITTED: ("self_evaluation_review", "自评审核中，请等待审核结果"),
    AssessmentStatus.SELF_EVALUATION_RETURNED: ("self_evaluation", "自评已退回或撤回，请修改后重新提交"),
    AssessmentStatus.PASSED: ("result", "考核合格，可下载考核结果通知书"),
    AssessmentStatus.FAILED: ("result", "考核不合格，可下载考核结果通知书"),
}


def current_step(assessment: Assessment | None) -> tuple[str, str]:
    """The step code and what to do next, in words."""
    if assessment is None:
        return _STEPS[AssessmentStatus.DRAFT]
    if assessment.status != AssessmentStatus.SELF_EVALUATED:
        return _STEPS[assessment.status]
    t = tally(assessment.exam_records)
    if assessment.procedure == Procedure.GENERAL and not t.professional_passed:
        if assessment.exemption_status == ExemptionStatus.PENDING:
            return ("exemption_review", "免考申请审核中，请等待审核结果")
        if assessment.exemption_status != ExemptionStatus.APPROVED:
            if t.professional_sat:
                return ("professional_make_up", "业务水平测评未通过，请参加补考")
            return ("professional_exam", "参加业务水平测评，或符合条件的提交免考申请")
    return ("humanities_exam", "参加人文医学测评")


def exam_specialty_of(a: Assessment) -> str | None:
    """The exam specialty of an assessment: the one its professional paper was drawn from, else its scope's."""
    sat = [r.get("specialty") for r in a.exam_records if r.get("exam_kind") == "professional" and r.get("specialty")]
    return str(sat[0]) if sat else directory_api.specialty_of(a.specialty)
