"""Typed errors of the exams part (stable codes, Chinese messages)."""

from __future__ import annotations

from server.errors import Conflict, NotFound, ValidationFailed


class ExamNotAvailable(Conflict):
    code, message = "EXAM_NOT_AVAILABLE", "当前不能参加该考试"


class ExamNotConfigured(Conflict):
    code, message = "EXAM_NOT_CONFIGURED", "该考试尚未设置试卷规则"


class ExamAlreadyPassed(Conflict):
    code, message = "EXAM_ALREADY_PASSED", "该考试已合格，无需再次参加"


class ExamAttemptsExhausted(Conflict):
    code, message = "EXAM_ATTEMPTS_EXHAUSTED", "考试次数已用完"


class MakeUpNotAllowed(Conflict):
    code, message = "MAKE_UP_NOT_ALLOWED", "只有首次考试不合格后才能补考"


class MakeUpUsed(Conflict):
    code, message = "MAKE_UP_USED", "补考机会已使用"


class ExamDeviceMismatch(Conflict):
    code, message = "EXAM_DEVICE_MISMATCH", "该考试已在其他设备上进行，不能在本设备继续"


class ExamTakeoverRequired(Conflict):
    code, message = (
        "EXAM_TAKEOVER_REQUIRED",
        "该考试是在另一次登录中开始的。如需在本次登录继续作答，请确认接管，原登录将被退出",
    )


class DeviceIdRequired(ValidationFailed):
    code, message = "DEVICE_ID_REQUIRED", "缺少设备标识"


class AttemptNotFound(NotFound):
    code, message = "ATTEMPT_NOT_FOUND", "考试记录不存在"


class QuestionNotFound(NotFound):
    code, message = "QUESTION_NOT_FOUND", "题目不存在"


class AttemptClosed(Conflict):
    code, message = "ATTEMPT_CLOSED", "考试已结束，不能再作答"


class SectionLocked(Conflict):
    code, message = "SECTION_LOCKED", "请先完成并通过法律法规部分"


class SectionClosed(Conflict):
    code, message = "SECTION_CLOSED", "该部分已结束，不能再修改答案"


class SectionNotCurrent(Conflict):
    code, message = "SECTION_NOT_CURRENT", "只能结束当前正在作答的部分"


class OptionInvalid(ValidationFailed):
    code, message = "OPTION_INVALID", "所选选项不属于该题或数量不符合题型"


class DefinitionInvalid(ValidationFailed):
    code, message = "DEFINITION_INVALID", "试卷规则不正确"


class BankInsufficient(Conflict):
    code, message = "BANK_INSUFFICIENT", "题库中的题目数量不足以按规则组卷"


class ImportInvalid(ValidationFailed):
    code, message = "BANK_IMPORT_INVALID", "导入文件中有错误，未导入任何题目"


class DefinitionNotFound(NotFound):
    code, message = "DEFINITION_NOT_FOUND", "试卷规则不存在"


class ProvinceOutOfScope(NotFound):
    code, message = "PROVINCE_OUT_OF_SCOPE", "无权管理该省份的考试"


class SpecialtyNotExaminable(Conflict):
    code, message = (
        "SPECIALTY_NOT_EXAMINABLE",
        "你的报考专业暂时无法组卷，不能参加业务水平测评；考核机构已收到通知，请稍后再试或联系所在机构核对报考专业",
    )
