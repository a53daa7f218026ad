"""Typed errors of the assessment part (stable codes, Chinese messages)."""

from __future__ import annotations

from server.errors import AppError, Conflict, NotFound, TooManyRequests, ValidationFailed


class WindowClosed(AppError):
    code, status, message = "WINDOW_CLOSED", 409, "当前不在办理时间内"


class NoCurrentCycle(Conflict):
    code, message = "NO_CURRENT_CYCLE", "当前没有进行中的考核周期"


class UserNoticeRequired(AppError):
    code, status, message = "USER_NOTICE_REQUIRED", 403, "请先阅读并同意《用户告知书》"


class NoticeVersionOutdated(Conflict):
    code, message = "NOTICE_VERSION_OUTDATED", "用户告知书已更新，请阅读最新版本后再同意"


class NotBound(AppError):
    code, status, message = "ASSESSMENT_NOT_BOUND", 403, "请先绑定定考账号"


class AlreadyBound(Conflict):
    code, message = "ASSESSMENT_ALREADY_BOUND", "当前账号已绑定定考账号，请先解除绑定"


class BindingFailed(AppError):
    # One message for an unknown record, a wrong name and a wrong credential: nothing to enumerate with
    code, status, message = "BINDING_FAILED", 400, "证件号、姓名或初始密码不正确"


class CredentialExpired(AppError):
    code, status, message = "CREDENTIAL_EXPIRED", 400, "初始密码已过期或已使用，请联系单位或考核机构重新发放"


class AccountHidden(AppError):
    code, status, message = "ACCOUNT_HIDDEN", 403, "定考账号已被隐藏，请联系所在机构解除隐藏"


class RecordBoundElsewhere(Conflict):
    code, message = "RECORD_BOUND_ELSEWHERE", "该定考账号已绑定其他手机账号，请先在原账号解除绑定或联系所在机构"


class IdentityMismatch(AppError):
    code, status, message = "IDENTITY_MISMATCH", 400, "证件号或姓名与已绑定的定考账号不一致"


class RegistryDataMissing(Conflict):
    code, message = (
        "REGISTRY_DATA_MISSING",
        "未找到您的执业注册信息，请先在医师电子化注册中完成注册或提交信息修改申请",
    )


class WrongStep(Conflict):
    code, message = "WRONG_STEP", "当前考核进度不允许此操作"


class ProofNotFound(NotFound):
    code, message = "PROOF_NOT_FOUND", "证明材料不存在"


class ProofRequired(AppError):
    code, status, message = "PROOF_REQUIRED", 422, "请上传证明材料"


class AssessmentNotFound(NotFound):
    code, message = "ASSESSMENT_NOT_FOUND", "考核记录不存在"


class AccountNotFound(NotFound):
    code, message = "ASSESSMENT_ACCOUNT_NOT_FOUND", "定考账号不存在"


class InstitutionOutOfScope(NotFound):
    code, message = "INSTITUTION_NOT_FOUND", "机构不存在或不在您的管辖范围内"


class ResultNotReady(Conflict):
    code, message = "RESULT_NOT_READY", "考核结果尚未产生"


class NoticeNotFound(NotFound):
    code, message = "RESULT_NOTICE_NOT_FOUND", "验证码无效，未找到对应的考核结果通知书"


class ExamNotAllowed(AppError):
    code, status, message = "EXAM_NOT_ALLOWED", 409, "当前不能参加该测评"


class CycleNotFound(NotFound):
    code, message = "CYCLE_NOT_FOUND", "考核周期不存在"


class WindowInvalid(AppError):
    code, status, message = "WINDOW_INVALID", 422, "结束时间应晚于开始时间"


class WindowNotSet(AppError):
    code, status, message = "WINDOW_NOT_SET", 404, "本辖区未单独设置该时间"


class BindingRateLimited(TooManyRequests):
    code, message = "BINDING_RATE_LIMITED", "绑定尝试次数过多，请 1 小时后再试"


class CycleOverlaps(Conflict):
    code, message = "CYCLE_OVERLAPS", "考核周期与已有周期的时间重叠"


class SpecialtyUnknown(ValidationFailed):
    code, message = "SPECIALTY_UNKNOWN", "报考专业应为执业范围目录中的名称（见 /api/v1/lookups/specialties）"


class SpecialtyFixed(Conflict):
    code, message = "SPECIALTY_FIXED", "业务水平测评已开始，报考专业已固定，不能再更正"


class AppealNotFound(NotFound):
    code, message = "APPEAL_NOT_FOUND", "申诉不存在"


class AppealPeriodOver(Conflict):
    code, message = "APPEAL_PERIOD_OVER", "已超过成绩申诉期限，请联系所在区县的定期考核办公室"


class AppealAlreadyOpen(Conflict):
    code, message = "APPEAL_ALREADY_OPEN", "该考核结果已有正在处理的申诉，请等待处理结果"


class AppealNoteRequired(AppError):
    # Upholding an appeal changes nothing by itself: the office writes down what it will do (e.g. correct the result)
    code, status, message = "APPEAL_NOTE_REQUIRED", 422, "支持申诉时请在审核意见中写明后续处理（如更正考核结果）"


class RemindersLimited(AppError):
    code, status, message = "REMINDERS_LIMITED", 429, "催办提醒发送过于频繁，请稍后再试"


class StepNotRemindable(AppError):
    code, status, message = "STEP_NOT_REMINDABLE", 422, "该步骤无需催办"
