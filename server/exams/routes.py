"""HTTP routes of the exams part: /api/v1/exams/* (physicians) and /api/v1/exams/admin/* (assessment office)."""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Any

import jwt
import orjson
from sanic import Blueprint, Request
from sanic.response import HTTPResponse, raw
from sanic_ext import openapi

from server.common.apidoc import raises
from server.common.auth import (
    SESSION_KEY,
    PasswordChangeRequired,
    Principal,
    RoleForbidden,
    SessionEnded,
    authenticate,
    require,
)
from server.common.enums import Role
from server.common.http import client_ip
from server.common.validation import body, parse_json, query
from server.errors import PayloadTooLarge, ValidationFailed
from server.exams import bank, hooks, service
from server.exams import errors as exam_errors
from server.exams.answers import session_probe
from server.exams.errors import DeviceIdRequired
from server.exams.models import Attempt, ExamDefinition
from server.exams.schemas import (
    AttemptOut,
    CheckPracticeIn,
    DefinitionIn,
    DefinitionListOut,
    DefinitionOut,
    DefinitionQuery,
    ExportQuery,
    ImportOut,
    MyExamListOut,
    PracticeCheckOut,
    PracticeListOut,
    PracticeQuery,
    ResultListOut,
    SaveAnswerIn,
    SaveAnswerOut,
    StartAttemptIn,
)

bp = Blueprint("exams", url_prefix="/api/v1/exams")
hooks.install_from_env()

MAX_IMPORT_BYTES = 8 * 1024 * 1024
EXAM_KINDS = ("humanities", "professional")
SECTIONS = ("law", "humanities", "professional")


def _json(data: Any, status: int = 200) -> HTTPResponse:
    return raw(orjson.dumps(data), status=status, content_type="application/json")


def _ok(model: type) -> dict:
    return {"application/json": model}


def _device(request: Request) -> str:
    device = request.headers.get("x-device-id", "").strip()
    if not device or len(device) > 128:
        raise DeviceIdRequired(field="X-Device-Id")
    return device


# Verified tokens of the answer-save hot path: a JWT signature check costs about as much as the rest of a save, and
# a candidate sends one token a hundred times an exam. The session is still checked in Redis on every save, so a
# log-out or a disabled account ends saving at once (checks of concurrent saves share one MGET); only the
# signature check is reused until the token expires.
_verified: OrderedDict[str, tuple[Principal, float]] = OrderedDict()
_VERIFIED_MAX = 50000


async def _physician(request: Request) -> Principal:
    token = request.headers.get("authorization", "").partition(" ")[2].strip()
    hit = _verified.get(token) if token else None
    if hit is not None and hit[1] > time.time():
        principal = hit[0]
        if not await session_probe().alive(SESSION_KEY.format(sid=principal.session_id)):
            raise SessionEnded()
        request.ctx.principal = principal
    else:
        principal = await authenticate(request)
        expires = float(jwt.decode(token, options={"verify_signature": False}).get("exp", 0))
        _verified[token] = (principal, expires)
        while len(_verified) > _VERIFIED_MAX:
            _verified.popitem(last=False)
    if principal.must_change_password:
        raise PasswordChangeRequired()
    if principal.role != Role.PHYSICIAN:
        raise RoleForbidden()
    return principal


def _kind(exam_kind: str) -> str:
    if exam_kind not in EXAM_KINDS:
        raise ValidationFailed("考试类型应为 humanities 或 professional", field="exam_kind")
    return exam_kind


@bp.get("/")
@openapi.tag("exams")
@openapi.summary("我的考试（可参加、进行中、已合格等）")
@openapi.response(200, _ok(MyExamListOut))
@require(Role.PHYSICIAN)
async def my_exams(request: Request, principal: Principal) -> HTTPResponse:
    return _json({"items": await service.list_my_exams(user_id=principal.user_id)})


@bp.post("/<exam_kind:str>/attempts")
@raises(
    exam_errors.ExamNotAvailable,
    exam_errors.ExamAlreadyPassed,
    exam_errors.ExamAttemptsExhausted,
    exam_errors.MakeUpNotAllowed,
    exam_errors.MakeUpUsed,
    exam_errors.FaceCaptureRequired,
    exam_errors.ExamDeviceMismatch,
    exam_errors.BankInsufficient,
)
@openapi.tag("exams")
@openapi.summary("开始考试（需先通过头像采集）；同一设备重复请求返回进行中的考试")
@openapi.response(201, _ok(AttemptOut))
@body(StartAttemptIn)
@require(Role.PHYSICIAN)
async def start_attempt(request: Request, exam_kind: str, body: StartAttemptIn, principal: Principal) -> HTTPResponse:
    attempt, created = await service.start_attempt(
        user_id=principal.user_id,
        exam_kind=_kind(exam_kind),
        capture_id=body.capture_id,
        device_id=body.device_id,
        ip=client_ip(request),
    )
    return _json(await service.attempt_view(attempt), status=201 if created else 200)


@bp.get("/attempts/<attempt_ref:str>")
@raises(exam_errors.AttemptNotFound, exam_errors.DeviceIdRequired, exam_errors.ExamDeviceMismatch)
@openapi.tag("exams")
@openapi.summary("继续考试：题目、已保存的答案、截止时间与服务器时间（请求头 X-Device-Id）")
@openapi.response(200, _ok(AttemptOut))
@require(Role.PHYSICIAN)
async def get_attempt(request: Request, attempt_ref: str, principal: Principal) -> HTTPResponse:
    view = await service.get_attempt(
        user_id=principal.user_id, attempt_ref=attempt_ref, device_id=_device(request), ip=client_ip(request)
    )
    return _json(view)


@bp.put("/attempts/<attempt_ref:str>/answers/<question_ref:str>")
@raises(
    exam_errors.AttemptNotFound,
    exam_errors.QuestionNotFound,
    exam_errors.OptionInvalid,
    exam_errors.DeviceIdRequired,
    exam_errors.ExamDeviceMismatch,
    exam_errors.AttemptClosed,
    exam_errors.SectionClosed,
    exam_errors.SectionLocked,
)
@openapi.tag("exams")
@openapi.summary("保存一题答案（写入数据库后才确认；幂等，按 seq 排序）")
@openapi.body({"application/json": SaveAnswerIn}, required=True)
@openapi.response(200, _ok(SaveAnswerOut))
@openapi.secured("bearer")
async def save_answer(request: Request, attempt_ref: str, question_ref: str) -> HTTPResponse:
    principal = await _physician(request)
    device = _device(request)
    parsed = parse_json(request, SaveAnswerIn)
    ack = await service.save_answer(
        user_id=principal.user_id,
        attempt_ref=attempt_ref,
        question_ref=question_ref,
        option_ids=parsed.option_ids,
        seq=parsed.seq,
        device_id=device,
        ip=client_ip(request),
    )
    return _json(ack)


@bp.post("/attempts/<attempt_ref:str>/sections/<section:str>/finish")
@raises(
    exam_errors.AttemptNotFound,
    exam_errors.DeviceIdRequired,
    exam_errors.ExamDeviceMismatch,
    exam_errors.AttemptClosed,
    exam_errors.SectionNotCurrent,
)
@openapi.tag("exams")
@openapi.summary("结束当前部分（法律法规部分低于合格分则考试结束且不合格）")
@openapi.response(200, _ok(AttemptOut))
@require(Role.PHYSICIAN)
async def finish_section(request: Request, attempt_ref: str, section: str, principal: Principal) -> HTTPResponse:
    if section not in SECTIONS:
        raise ValidationFailed("部分名称不正确", field="section")
    view = await service.finish_section(
        user_id=principal.user_id,
        attempt_ref=attempt_ref,
        section=section,
        device_id=_device(request),
        ip=client_ip(request),
    )
    return _json(view)


@bp.post("/attempts/<attempt_ref:str>/submit")
@raises(exam_errors.AttemptNotFound, exam_errors.DeviceIdRequired, exam_errors.ExamDeviceMismatch)
@openapi.tag("exams")
@openapi.summary("交卷（重复交卷返回同一结果）")
@openapi.response(200, _ok(AttemptOut))
@require(Role.PHYSICIAN)
async def submit_attempt(request: Request, attempt_ref: str, principal: Principal) -> HTTPResponse:
    view = await service.submit_attempt(
        user_id=principal.user_id, attempt_ref=attempt_ref, device_id=_device(request), ip=client_ip(request)
    )
    return _json(view)


def _result(a: Attempt) -> dict[str, Any]:
    return {
        "attempt_ref": a.ref,
        "exam_kind": str(a.exam_kind),
        "title": a.title,
        "is_make_up": a.is_make_up,
        "score": a.score,
        "passed": a.passed,
        "section_scores": a.section_scores,
        "end_reason": a.end_reason,
        "started_at": a.started_at.isoformat(),
        "ended_at": a.ended_at.isoformat() if a.ended_at else None,
    }


@bp.get("/results")
@openapi.tag("exams")
@openapi.summary("已完成的考试及成绩")
@openapi.response(200, _ok(ResultListOut))
@require(Role.PHYSICIAN)
async def results(request: Request, principal: Principal) -> HTTPResponse:
    return _json({"items": [_result(a) for a in await service.list_results(user_id=principal.user_id)]})


@bp.get("/practice/questions")
@openapi.tag("exams")
@openapi.summary("法律法规练习题（不计时、不计分）")
@openapi.response(200, _ok(PracticeListOut))
@query(PracticeQuery)
@require(Role.PHYSICIAN)
async def practice_questions(request: Request, query: PracticeQuery, principal: Principal) -> HTTPResponse:
    items = [
        {
            "question_ref": q.ref,
            "type": str(q.type),
            "stem": q.stem,
            "options": [{"option_id": service.practice_option_id(i), "text": t} for i, t in enumerate(q.options)],
        }
        for q in await service.practice_questions(limit=query.limit)
    ]
    return _json({"items": items})


@bp.post("/practice/questions/<question_ref:str>/check")
@raises(exam_errors.QuestionNotFound, exam_errors.OptionInvalid)
@openapi.tag("exams")
@openapi.summary("练习：提交一题，返回正确答案与解析")
@openapi.response(200, _ok(PracticeCheckOut))
@body(CheckPracticeIn)
@require(Role.PHYSICIAN)
async def practice_check(
    request: Request, question_ref: str, body: CheckPracticeIn, principal: Principal
) -> HTTPResponse:
    return _json(await service.check_practice(question_ref=question_ref, option_ids=body.option_ids))


# ---------------------------------------------------------------------------------------------------------------
# Assessment office


def _definition(d: ExamDefinition) -> dict[str, Any]:
    return {
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


@bp.put("/admin/definitions")
@openapi.tag("exams-admin")
@openapi.summary("设置某周期某省的试卷规则（考核机构，仅本省）")
@openapi.response(200, _ok(DefinitionOut))
@body(DefinitionIn)
@require(Role.OFFICE_REVIEWER, Role.ADMIN)
async def save_definition(request: Request, body: DefinitionIn, principal: Principal) -> HTTPResponse:
    values = body.model_dump()
    found = await service.save_definition(
        actor_id=principal.user_id,
        actor_region=principal.region_code,
        is_admin=principal.role == Role.ADMIN,
        **values,
    )
    return _json(_definition(found))


@bp.get("/admin/definitions")
@openapi.tag("exams-admin")
@openapi.summary("试卷规则列表（本省）")
@openapi.response(200, _ok(DefinitionListOut))
@query(DefinitionQuery)
@require(Role.OFFICE_REVIEWER, Role.ADMIN)
async def list_definitions(request: Request, query: DefinitionQuery, principal: Principal) -> HTTPResponse:
    found = await service.list_definitions(
        actor_region=principal.region_code, is_admin=principal.role == Role.ADMIN, cycle_id=query.cycle_id
    )
    return _json({"items": [_definition(d) for d in found]})


@bp.post("/admin/questions/import")
@openapi.tag("exams-admin")
@openapi.summary("导入题库（multipart 字段 file：.xlsx 或 .json；有错误时不导入并逐行报告）")
@openapi.response(200, _ok(ImportOut))
@require(Role.OFFICE_REVIEWER, Role.ADMIN)
async def import_questions(request: Request, principal: Principal) -> HTTPResponse:
    upload = request.files.get("file") if request.files else None
    if upload is None:
        raise ValidationFailed("请上传题库文件", field="file")
    if len(upload.body) > MAX_IMPORT_BYTES:
        raise PayloadTooLarge(field="file")
    result = await bank.import_questions(filename=upload.name or "", data=upload.body)
    return _json(result)


@bp.get("/admin/questions/export")
@openapi.tag("exams-admin")
@openapi.summary("导出题库（含答案与解析；json 或 xlsx）")
@query(ExportQuery)
@require(Role.OFFICE_REVIEWER, Role.ADMIN)
async def export_questions(request: Request, query: ExportQuery, principal: Principal) -> HTTPResponse:
    data = await bank.export_questions(fmt=query.format, section=query.section)
    if query.format == "xlsx":
        ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        ctype = "application/json"
    return raw(
        data,
        content_type=ctype,
        headers={"Content-Disposition": f'attachment; filename="question-bank.{query.format}"'},
    )
