"""Errors of the review engine (codes are stable, messages Chinese).

Hierarchy::

    NotFound        ReviewNotFound      404 NOT_FOUND          (absent, or outside the caller's scope)
    Conflict        AlreadyDecided      409 ALREADY_DECIDED    (someone decided this step first)
                    NotWithdrawable     409 NOT_WITHDRAWABLE   (a reviewer has already decided)
                    NotReturned         409 NOT_RETURNED       (only a returned item can be resubmitted)
                    StepNotReached      409 STEP_NOT_REACHED   (an earlier step is still pending)
                    ResubmitElsewhere   409 RESUBMIT_ELSEWHERE (the kind is corrected through its own page)
                    SubjectChanged      409 SUBJECT_CHANGED    (the owner could not apply the decision: undone)
    ValidationFailed ReasonRequired     422 REASON_REQUIRED
    AppError        UnknownKind         400 UNKNOWN_KIND
"""

from __future__ import annotations

from server.errors import AppError, Conflict, NotFound, ValidationFailed


class ReviewNotFound(NotFound):
    message = "审核事项不存在"


class AlreadyDecided(Conflict):
    code, message = "ALREADY_DECIDED", "该事项已被处理，请刷新后查看"


class NotWithdrawable(Conflict):
    code, message = "NOT_WITHDRAWABLE", "审核已开始或已结束，不能撤回"


class NotReturned(Conflict):
    code, message = "NOT_RETURNED", "只有被退回修改的申请才能重新提交"


class ReasonRequired(ValidationFailed):
    code, message = "REASON_REQUIRED", "请填写原因"


class UnknownKind(AppError):
    code, status, message = "UNKNOWN_KIND", 400, "不支持的审核事项类型"


class StepNotReached(Conflict):
    code, message = "STEP_NOT_REACHED", "该事项尚未流转到您的审核环节"


class ResubmitElsewhere(Conflict):
    code, message = "RESUBMIT_ELSEWHERE", "此类事项请在原业务页面修改后重新提交"


class SubjectChanged(Conflict):
    code, message = "SUBJECT_CHANGED", "该事项的业务状态已变化，本次审核未生效，请刷新后重试"
