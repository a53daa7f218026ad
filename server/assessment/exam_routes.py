"""The exam start and the list of my exams, at /api/v1/exams: served by the assessment, which decides who may sit which
exam (step, procedure, exemption, make-up, window, specialty) and hands the exams part an ``Eligibility``."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic_ext import openapi

from server.assessment import errors as assessment_errors
from server.assessment import exam_access
from server.common.apidoc import path_param, raises
from server.common.auth import Principal, require
from server.common.enums import Role
from server.common.http import client_ip
from server.common.validation import body
from server.common.web import json_content, out
from server.errors import ValidationFailed
from server.exams import api as exams_api
from server.exams.api import AttemptOut, MyExamListOut, StartAttemptIn
from server.proctoring.api import FaceCaptureRequired

bp = Blueprint("assessment_exams", url_prefix="/api/v1/exams")
PHYSICIAN = Role.PHYSICIAN


# ---------------------------------------------------------------- exams: who may sit which (the assessment decides)


def _exam_kind(exam_kind: str) -> str:
    if exam_kind not in exam_access.EXAM_KINDS:
        raise ValidationFailed("考试类型应为 humanities 或 professional", field="exam_kind")
    return exam_kind


@bp.get("/")
@openapi.tag("exams")
@openapi.summary("我的考试（可参加、进行中、已合格等；各部分合格分与报考专业）")
@openapi.response(200, json_content(MyExamListOut))
@require(PHYSICIAN)
async def my_exams(request: Request, principal: Principal) -> HTTPResponse:
    return out(MyExamListOut.model_validate({"items": await exam_access.my_exams(user_id=principal.user_id)}))


@bp.post("/<exam_kind:str>/attempts")
@path_param("exam_kind", "考试类型：humanities 人文医学 / professional 业务水平", enum=["humanities", "professional"])
@raises(
    assessment_errors.ExamNotAllowed,
    assessment_errors.WindowClosed,
    assessment_errors.WrongStep,
    assessment_errors.NotBound,
    assessment_errors.UserNoticeRequired,
    exams_api.errors.ExamNotAvailable,
    exams_api.errors.ExamAlreadyPassed,
    exams_api.errors.ExamAttemptsExhausted,
    exams_api.errors.MakeUpNotAllowed,
    exams_api.errors.MakeUpUsed,
    exams_api.errors.ExamDeviceMismatch,
    exams_api.errors.ExamTakeoverRequired,
    exams_api.errors.BankInsufficient,
    exams_api.errors.SpecialtyNotExaminable,
    FaceCaptureRequired,
)
@openapi.tag("exams")
@openapi.summary("开始考试（需先通过头像采集）；同一设备重复请求返回进行中的考试")
@openapi.response(201, json_content(AttemptOut), "已开始一场新的考试")
@openapi.response(200, json_content(AttemptOut), "这台设备上已有进行中的考试（例如重发的开考请求）：返回这场考试")
@body(StartAttemptIn)
@require(PHYSICIAN)
async def start_attempt(request: Request, exam_kind: str, body: StartAttemptIn, principal: Principal) -> HTTPResponse:
    view, created = await exam_access.start_exam(
        user_id=principal.user_id,
        exam_kind=_exam_kind(exam_kind),
        capture_id=body.capture_id,
        device_id=body.device_id,
        session_id=principal.session_id,
        ip=client_ip(request),
    )
    return out(AttemptOut(**view), status=201 if created else 200)
