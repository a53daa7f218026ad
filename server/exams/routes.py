"""HTTP routes of the exams part: /api/v1/exams/* (physicians) and /api/v1/exams/admin/* (assessment office).

Starting an exam and the list of my exams are the assessment's (it decides who may sit which exam): see
``server/assessment/routes.py``.
"""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic_ext import openapi

from server.common import uploads
from server.common.apidoc import header, path_param, raises, upload_form
from server.common.auth import Principal, require
from server.common.enums import Role
from server.common.http import client_ip
from server.common.validation import body, parse_json, query
from server.common.web import JSON_FILE, XLSX, binary_content, file_out, json_content, out
from server.directory import api as directory_api
from server.errors import InvalidJson, ValidationFailed
from server.exams import attempts, bank, definitions, hot, practice
from server.exams import errors as exam_errors
from server.exams.errors import DeviceIdRequired
from server.exams.models import Attempt, ExamDefinition
from server.exams.schemas import (
    AdminAttemptOut,
    AttemptOut,
    CheckPracticeIn,
    DefinitionIn,
    DefinitionListOut,
    DefinitionOut,
    DefinitionQuery,
    ExamResultOut,
    ExportQuery,
    ImportOut,
    PracticeCheckOut,
    PracticeListOut,
    PracticeQuery,
    ResultListOut,
    SaveAnswerIn,
    SaveAnswerOut,
)

bp = Blueprint("exams", url_prefix="/api/v1/exams")

MAX_IMPORT_BYTES = 8 * 1024 * 1024
EXAM_KINDS = ("humanities", "professional")
SECTIONS = ("law", "humanities", "professional")


# The device an attempt is bound to: the value sent as ``device_id`` when it was started
DEVICE_HEADER = header(
    "X-Device-Id", "开始考试时使用的设备标识（与开始考试请求体的 device_id 相同）", minLength=1, maxLength=128
)


def _device(request: Request) -> str:
    device = request.headers.get("x-device-id", "").strip()
    if not device or len(device) > 128:
        raise DeviceIdRequired(field="X-Device-Id")
    return device


def _kind(exam_kind: str) -> str:
    if exam_kind not in EXAM_KINDS:
        raise ValidationFailed("考试类型应为 humanities 或 professional", field="exam_kind")
    return exam_kind


@bp.get("/attempts/<attempt_ref:str>")
@DEVICE_HEADER
@raises(
    exam_errors.AttemptNotFound,
    exam_errors.DeviceIdRequired,
    exam_errors.ExamDeviceMismatch,
    exam_errors.ExamTakeoverRequired,
)
@openapi.tag("exams")
@openapi.summary("继续考试：题目、已保存的答案、截止时间与服务器时间（请求头 X-Device-Id）")
@openapi.response(200, json_content(AttemptOut))
@require(Role.PHYSICIAN)
async def get_attempt(request: Request, attempt_ref: str, principal: Principal) -> HTTPResponse:
    view = await attempts.get_attempt(
        user_id=principal.user_id,
        attempt_ref=attempt_ref,
        device_id=_device(request),
        session_id=principal.session_id,
        ip=client_ip(request),
    )
    return out(AttemptOut(**view))


@bp.put("/attempts/<attempt_ref:str>/answers/<question_ref:str>")
@DEVICE_HEADER
@raises(
    exam_errors.AttemptNotFound,
    exam_errors.QuestionNotFound,
    exam_errors.OptionInvalid,
    exam_errors.DeviceIdRequired,
    exam_errors.ExamDeviceMismatch,
    exam_errors.ExamTakeoverRequired,
    exam_errors.AttemptClosed,
    exam_errors.SectionClosed,
    exam_errors.SectionLocked,
    InvalidJson,
    ValidationFailed,
)
@openapi.tag("exams")
@openapi.summary("保存一题答案（写入数据库后才确认；幂等，按 seq 排序）")
@openapi.body({"application/json": SaveAnswerIn}, required=True)
@openapi.response(200, json_content(SaveAnswerOut))
@require(Role.PHYSICIAN)
async def save_answer(request: Request, attempt_ref: str, question_ref: str, principal: Principal) -> HTTPResponse:
    device = _device(request)
    parsed = parse_json(request, SaveAnswerIn)
    ack = await hot.save_answer(
        user_id=principal.user_id,
        attempt_ref=attempt_ref,
        question_ref=question_ref,
        option_ids=parsed.option_ids,
        seq=parsed.seq,
        device_id=device,
        session_id=principal.session_id,
        ip=client_ip(request),
    )
    return out(SaveAnswerOut(**ack))


@bp.post("/attempts/<attempt_ref:str>/sections/<section:str>/finish")
@DEVICE_HEADER
@path_param("section", "当前部分", enum=list(SECTIONS))
@raises(
    exam_errors.AttemptNotFound,
    exam_errors.DeviceIdRequired,
    exam_errors.ExamDeviceMismatch,
    exam_errors.ExamTakeoverRequired,
    exam_errors.AttemptClosed,
    exam_errors.SectionNotCurrent,
)
@openapi.tag("exams")
@openapi.summary("结束当前部分（法律法规部分低于合格分则考试结束且不合格）")
@openapi.response(200, json_content(AttemptOut))
@require(Role.PHYSICIAN)
async def finish_section(request: Request, attempt_ref: str, section: str, principal: Principal) -> HTTPResponse:
    if section not in SECTIONS:
        raise ValidationFailed("部分名称不正确", field="section")
    view = await attempts.finish_section(
        user_id=principal.user_id,
        attempt_ref=attempt_ref,
        section=section,
        device_id=_device(request),
        session_id=principal.session_id,
        ip=client_ip(request),
    )
    return out(AttemptOut(**view))


@bp.post("/attempts/<attempt_ref:str>/submit")
@DEVICE_HEADER
@raises(
    exam_errors.AttemptNotFound,
    exam_errors.DeviceIdRequired,
    exam_errors.ExamDeviceMismatch,
    exam_errors.ExamTakeoverRequired,
)
@openapi.tag("exams")
@openapi.summary("交卷（重复交卷返回同一结果）")
@openapi.response(200, json_content(AttemptOut))
@require(Role.PHYSICIAN)
async def submit_attempt(request: Request, attempt_ref: str, principal: Principal) -> HTTPResponse:
    view = await attempts.submit_attempt(
        user_id=principal.user_id,
        attempt_ref=attempt_ref,
        device_id=_device(request),
        session_id=principal.session_id,
        ip=client_ip(request),
    )
    return out(AttemptOut(**view))


@bp.post("/attempts/<attempt_ref:str>/takeover")
@DEVICE_HEADER
@raises(
    exam_errors.AttemptNotFound,
    exam_errors.AttemptClosed,
    exam_errors.DeviceIdRequired,
    exam_errors.ExamDeviceMismatch,
)
@openapi.tag("exams")
@openapi.summary("在本次登录中接管进行中的考试（仅限开始考试的设备；原登录立即退出，记录审计，考核机构可见）")
@openapi.response(200, json_content(AttemptOut))
@require(Role.PHYSICIAN)
async def take_over(request: Request, attempt_ref: str, principal: Principal) -> HTTPResponse:
    view = await attempts.take_over(
        user_id=principal.user_id,
        attempt_ref=attempt_ref,
        device_id=_device(request),
        session_id=principal.session_id,
        ip=client_ip(request),
    )
    return out(AttemptOut(**view))


def _result(a: Attempt) -> ExamResultOut:
    return ExamResultOut.model_validate(
        {
            "attempt_ref": a.ref,
            "exam_kind": str(a.exam_kind),
            "title": a.title,
            "specialty": a.specialty,
            "specialty_name": directory_api.specialty_name(a.specialty),
            "status": str(a.status),
            "invalidation_reason": a.invalidation_reason,
            "is_make_up": a.is_make_up,
            "score": a.score,
            "passed": a.passed,
            "section_scores": a.section_scores,
            "end_reason": a.end_reason,
            "started_at": a.started_at.isoformat(),
            "ended_at": a.ended_at.isoformat() if a.ended_at else None,
        }
    )


@bp.get("/results")
@openapi.tag("exams")
@openapi.summary("已完成的考试及成绩")
@openapi.response(200, json_content(ResultListOut))
@require(Role.PHYSICIAN)
async def results(request: Request, principal: Principal) -> HTTPResponse:
    return out(ResultListOut(items=[_result(a) for a in await attempts.list_results(user_id=principal.user_id)]))


@bp.get("/practice/questions")
@openapi.tag("exams")
@openapi.summary("练习题（练习题库，与考试题库分开；不计时、不计分）")
@openapi.response(200, json_content(PracticeListOut))
@query(PracticeQuery)
@require(Role.PHYSICIAN)
async def practice_questions(request: Request, query: PracticeQuery, principal: Principal) -> HTTPResponse:
    items = [
        {
            "question_ref": q.ref,
            "type": str(q.type),
            "stem": q.stem,
            "options": [{"option_id": practice.practice_option_id(i), "text": t} for i, t in enumerate(q.options)],
        }
        for q in await practice.practice_questions(limit=query.limit)
    ]
    return out(PracticeListOut.model_validate({"items": items}))


@bp.post("/practice/questions/<question_ref:str>/check")
@raises(exam_errors.QuestionNotFound, exam_errors.OptionInvalid)
@openapi.tag("exams")
@openapi.summary("练习：提交一题，返回正确答案与解析（练习题不会出现在考试中）")
@openapi.response(200, json_content(PracticeCheckOut))
@body(CheckPracticeIn)
@require(Role.PHYSICIAN)
async def practice_check(
    request: Request, question_ref: str, body: CheckPracticeIn, principal: Principal
) -> HTTPResponse:
    return out(PracticeCheckOut(**await practice.check_practice(question_ref=question_ref, option_ids=body.option_ids)))


# ---------------------------------------------------------------------------------------------------------------
# Assessment office


def _definition(d: ExamDefinition) -> DefinitionOut:
    return DefinitionOut.model_validate(
        {
            "id": d.id,
            "cycle_id": d.cycle_id,
            "province_code": d.province_code,
            "exam_kind": str(d.exam_kind),
            "title": d.title,
            "duration_minutes": d.duration_s // 60,
            "sections": d.sections,
            "attempts_allowed": d.attempts_allowed,
            "make_up_allowed": d.make_up_allowed,
        }
    )


@bp.get("/admin/attempts/<attempt_ref:str>")
@raises(exam_errors.AttemptNotFound)
@openapi.tag("exams-admin")
@openapi.summary("一场考试的记录（本省考核机构）：设备、开始与截止时间、被接管的记录")
@openapi.response(200, json_content(AdminAttemptOut))
@require(Role.OFFICE_REVIEWER, Role.ADMIN)
async def admin_attempt(request: Request, attempt_ref: str, principal: Principal) -> HTTPResponse:
    a = await attempts.office_attempt(
        attempt_ref=attempt_ref, actor_region=principal.region_code, is_admin=principal.role == Role.ADMIN
    )
    return out(
        AdminAttemptOut.model_validate(
            {
                "attempt_ref": a.ref,
                "user_id": a.user_id,
                "exam_kind": str(a.exam_kind),
                "title": a.title,
                "specialty": a.specialty,
                "specialty_name": directory_api.specialty_name(a.specialty),
                "status": str(a.status),
                "is_make_up": a.is_make_up,
                "device_id": a.device_id,
                "started_at": a.started_at.isoformat(),
                "deadline_at": a.deadline_at.isoformat(),
                "ended_at": a.ended_at.isoformat() if a.ended_at else None,
                "score": a.score,
                "passed": a.passed,
                "takeovers": a.takeovers,
            }
        )
    )


@bp.put("/admin/definitions")
@raises(exam_errors.BankInsufficient, exam_errors.DefinitionInvalid, exam_errors.ProvinceOutOfScope)
@openapi.tag("exams-admin")
@openapi.summary("设置某周期某省的试卷规则（考核机构，仅本省）")
@openapi.response(200, json_content(DefinitionOut))
@body(DefinitionIn)
@require(Role.OFFICE_REVIEWER, Role.ADMIN)
async def save_definition(request: Request, body: DefinitionIn, principal: Principal) -> HTTPResponse:
    values = body.model_dump()
    found = await definitions.save_definition(
        actor_id=principal.user_id,
        actor_region=principal.region_code,
        is_admin=principal.role == Role.ADMIN,
        **values,
    )
    return out(_definition(found))


@bp.get("/admin/definitions")
@openapi.tag("exams-admin")
@openapi.summary("试卷规则列表（本省）")
@openapi.response(200, json_content(DefinitionListOut))
@query(DefinitionQuery)
@require(Role.OFFICE_REVIEWER, Role.ADMIN)
async def list_definitions(request: Request, query: DefinitionQuery, principal: Principal) -> HTTPResponse:
    found = await definitions.list_definitions(
        actor_region=principal.region_code, is_admin=principal.role == Role.ADMIN, cycle_id=query.cycle_id
    )
    return out(DefinitionListOut(items=[_definition(d) for d in found]))


@bp.post("/admin/questions/import")
@raises(exam_errors.ImportInvalid, *uploads.ERRORS)
@upload_form("file", bank.IMPORT_KINDS, MAX_IMPORT_BYTES, description="题库文件（xlsx 或 JSON，格式见接入指南）")
@openapi.tag("exams-admin")
@openapi.summary("导入题库（multipart 字段 file：xlsx 或 JSON，按内容判断；有错误时不导入并逐行报告）")
@openapi.response(200, json_content(ImportOut))
@require(Role.OFFICE_REVIEWER, Role.ADMIN)
async def import_questions(request: Request, principal: Principal) -> HTTPResponse:
    upload = uploads.read_file(request, field="file", allowed=bank.IMPORT_KINDS, max_bytes=MAX_IMPORT_BYTES)
    result = await bank.import_questions(kind=upload.kind, data=upload.data)
    return out(ImportOut(**result))


@bp.get("/admin/questions/export")
@openapi.tag("exams-admin")
@openapi.summary("导出题库（含答案与解析；json 或 xlsx）")
@openapi.response(200, binary_content(JSON_FILE, XLSX))
@query(ExportQuery)
@require(Role.OFFICE_REVIEWER, Role.ADMIN)
async def export_questions(request: Request, query: ExportQuery, principal: Principal) -> HTTPResponse:
    data = await bank.export_questions(fmt=query.format, section=query.section)
    return file_out(
        data, content_type=XLSX if query.format == "xlsx" else JSON_FILE, filename=f"question-bank.{query.format}"
    )
