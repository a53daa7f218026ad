"""Request and response models of the exams API (the Out models are the public contract)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

ExamKindName = Literal["humanities", "professional"]
SectionName = Literal["law", "humanities", "professional"]


class StartAttemptIn(BaseModel):
    capture_id: str = Field(
        default="",
        max_length=128,
        description="已通过的人脸采集编号；经考核机构人工核验身份（identity_checks 已通过且未过期）时可为空",
    )
    device_id: str = Field(min_length=1, max_length=128, description="本设备的稳定标识，一场考试只能在一台设备上进行")


class SaveAnswerIn(BaseModel):
    option_ids: list[str] = Field(max_length=6, description="所选选项编号（空列表表示清除作答）")
    seq: int = Field(ge=0, le=2**62, description="客户端递增序号；较小序号的迟到保存不会覆盖较新的答案")


class CheckPracticeIn(BaseModel):
    option_ids: list[str] = Field(min_length=1, max_length=6, description="所选选项编号")


class PracticeQuery(BaseModel):
    limit: int = Field(default=10, ge=1, le=50)


class ExamOptionOut(BaseModel):
    option_id: str = Field(description="本场考试内随机生成的选项编号，不包含正误信息", examples=["Zk3x9Q2a"])
    text: str = Field(description="选项内容")


class QuestionOut(BaseModel):
    question_ref: str = Field(description="本场考试内的题目编号（不透明）")
    section: SectionName
    type: Literal["single", "multiple", "true_false"]
    stem: str = Field(description="题干")
    options: list[ExamOptionOut]


class AnswerOut(BaseModel):
    question_ref: str
    option_ids: list[str]
    seq: int


class SectionOut(BaseModel):
    section: SectionName
    title: str = Field(examples=["法律法规"])
    question_count: int
    pass_mark: float = Field(description="本部分合格分（百分制）")
    status: Literal["open", "locked", "finished"]
    score: float | None = Field(default=None, description="本部分得分（离开该部分后给出）")


class TakeoverOut(BaseModel):
    at: str = Field(description="接管时间")
    device_id: str = Field(description="接管时的设备标识（须与开始考试的设备相同）")


class AttemptOut(BaseModel):
    attempt_ref: str = Field(description="考试记录编号")
    exam_kind: ExamKindName
    title: str = Field(examples=["业务水平测评"])
    specialty: str | None = Field(
        default=None,
        description="考核专业编码（业务水平测评的专业知识部分只从该专业题库出题，开考后固定）",
        examples=["internal_medicine"],
    )
    specialty_name: str | None = Field(default=None, description="考核专业名称", examples=["内科"])
    status: Literal["in_progress", "scored", "invalidated"] = Field(
        description="in_progress 进行中 / scored 已评分 / invalidated 成绩已被考核机构作废"
    )
    is_make_up: bool
    started_at: str
    deadline_at: str = Field(description="交卷截止时间（以服务器时间为准）")
    server_time: str = Field(description="服务器当前时间，客户端据此计算剩余时间")
    current_section: SectionName | None
    sections: list[SectionOut]
    questions: list[QuestionOut] = Field(description="已开放部分的题目（不含答案）")
    answers: list[AnswerOut] = Field(description="已确认保存的答案")
    score: float | None = None
    passed: bool | None = None
    end_reason: Literal["submitted", "deadline", "law_gate"] | None = None
    invalidation_reason: str | None = Field(default=None, description="成绩作废的原因")
    takeovers: list[TakeoverOut] = Field(
        default_factory=list, description="本场考试被新的登录接管的记录（原登录随即退出）"
    )


class AdminAttemptOut(BaseModel):
    attempt_ref: str
    user_id: int
    exam_kind: ExamKindName
    title: str
    specialty: str | None
    specialty_name: str | None
    status: Literal["in_progress", "scored", "invalidated"]
    is_make_up: bool
    device_id: str = Field(description="开始考试的设备标识")
    started_at: str
    deadline_at: str
    ended_at: str | None
    score: float | None
    passed: bool | None
    takeovers: list[TakeoverOut] = Field(description="被新的登录接管的记录（原登录随即退出）")


class SaveAnswerOut(BaseModel):
    question_ref: str
    seq: int
    applied: bool = Field(description="false 表示已有相同或更新序号的答案，本次保存未覆盖")
    saved_at: str
    server_time: str
    deadline_at: str


class MyExamOut(BaseModel):
    exam_kind: ExamKindName
    title: str
    status: Literal["not_available", "available", "make_up_available", "in_progress", "passed", "failed"]
    reason: str | None = Field(default=None, description="不能参加时的原因")
    duration_minutes: int
    question_count: int
    pass_marks: dict[str, float] = Field(description='各部分合格分，如 {"law": 60, "professional": 65}')
    specialty: str | None = Field(default=None, description="考核专业编码（业务水平测评；按报考专业确定）")
    specialty_name: str | None = Field(default=None, description="考核专业名称", examples=["儿科"])
    window_closes_at: str | None
    is_make_up: bool
    best_score: float | None
    attempt_ref: str | None = Field(default=None, description="进行中的考试记录编号")


class MyExamListOut(BaseModel):
    items: list[MyExamOut]


class ExamResultOut(BaseModel):
    attempt_ref: str
    exam_kind: ExamKindName
    title: str
    specialty: str | None = Field(default=None, description="考核专业编码（业务水平测评）")
    specialty_name: str | None = Field(default=None, description="考核专业名称")
    status: Literal["scored", "invalidated"]
    is_make_up: bool
    score: float | None
    passed: bool | None
    invalidation_reason: str | None = None
    section_scores: dict[str, float]
    end_reason: str | None
    started_at: str
    ended_at: str | None


class ResultListOut(BaseModel):
    items: list[ExamResultOut]


class PracticeOptionOut(BaseModel):
    option_id: str = Field(examples=["a"])
    text: str


class PracticeQuestionOut(BaseModel):
    question_ref: str
    type: Literal["single", "multiple", "true_false"]
    stem: str
    options: list[PracticeOptionOut]


class PracticeListOut(BaseModel):
    items: list[PracticeQuestionOut]


class PracticeCheckOut(BaseModel):
    question_ref: str
    correct: bool
    correct_option_ids: list[str]
    explanation: str


QuestionTypeName = Literal["single", "multiple", "true_false"]


class SpecialtyRuleIn(BaseModel):
    counts: dict[QuestionTypeName, int] | None = Field(
        default=None, description="本专业试卷的各题型题量（缺省用本部分的题量）"
    )
    pass_mark: float | None = Field(default=None, ge=0, le=100, description="本专业的合格分（缺省用本部分的合格分）")


class SectionRuleIn(BaseModel):
    section: SectionName
    specialty: str | None = Field(
        default=None, max_length=64, description="已停用，须为 null：专业知识部分按每位考生的考核专业出题"
    )
    counts: dict[QuestionTypeName, int] = Field(description="各题型题量")
    pass_mark: float = Field(ge=0, le=100, description="合格分（百分制）")
    by_specialty: dict[str, SpecialtyRuleIn] | None = Field(
        default=None,
        description="仅专业知识部分：按考核专业编码（见 /api/v1/lookups/specialties）设置的题量与合格分",
        examples=[{"pediatrics": {"counts": {"single": 50, "multiple": 20, "true_false": 10}, "pass_mark": 65}}],
    )


class DefinitionIn(BaseModel):
    cycle_id: int = Field(ge=1)
    province_code: str = Field(pattern=r"^\d{2}0000$")
    exam_kind: ExamKindName
    title: str | None = Field(default=None, max_length=64)
    duration_minutes: int = Field(ge=1, le=600)
    sections: list[SectionRuleIn] = Field(min_length=1, max_length=3)
    attempts_allowed: int = Field(default=1, ge=1, le=5)
    make_up_allowed: bool = True


class DefinitionOut(BaseModel):
    id: int
    cycle_id: int
    province_code: str
    exam_kind: ExamKindName
    title: str
    duration_minutes: int
    sections: list[SectionRuleIn]
    attempts_allowed: int
    make_up_allowed: bool


class DefinitionListOut(BaseModel):
    items: list[DefinitionOut]


class DefinitionQuery(BaseModel):
    cycle_id: int | None = None


class ImportOut(BaseModel):
    created: int
    updated: int


class ExportQuery(BaseModel):
    format: Literal["json", "xlsx"] = "json"
    section: Literal["law", "humanities", "professional", "practice"] | None = Field(
        default=None, description="只导出某一题库；practice 为练习题库（与考试题库分开）"
    )
