"""HTTP routes of the assessment for institutions and offices: credentials, accounts, specialty corrections, cycles
and windows, pass marks, progress."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic_ext import openapi

from server.assessment import cycles, office
from server.assessment import errors as assessment_errors
from server.assessment import progress as progress_service
from server.assessment.schemas import (
    AccountListOut,
    AccountOut,
    AccountQuery,
    AssessmentOut,
    CredentialIn,
    CredentialOut,
    CycleIn,
    CycleListOut,
    CycleOut,
    CycleQuery,
    HideIn,
    PeopleFilter,
    PeoplePageOut,
    PeopleQuery,
    PersonProgressOut,
    ProgressOut,
    ProgressRowOut,
    ReadinessOut,
    ReminderIn,
    ReminderOut,
    RulesIn,
    RulesOut,
    SpecialtyIn,
    SpecialtyReadinessOut,
    WindowClearedOut,
    WindowClearQuery,
    WindowIn,
    WindowListOut,
    WindowOut,
)
from server.common import scope
from server.common.apidoc import raises
from server.common.auth import Principal, require
from server.common.enums import Role
from server.common.http import client_ip
from server.common.validation import body, query
from server.common.web import XLSX, binary_content, file_out, json_content, out
from server.errors import Forbidden
from server.exams import api as exams_api

bp = Blueprint("assessment_office", url_prefix="/api/v1")
P = "/assessment"
REVIEWERS = (Role.INSTITUTION_REVIEWER, Role.OFFICE_REVIEWER)


# ---------------------------------------------------------------- institution and office


@bp.post(f"{P}/credentials")
@raises(assessment_errors.AccountNotFound, assessment_errors.IdentityMismatch, assessment_errors.InstitutionOutOfScope)
@openapi.tag("assessment-admin")
@openapi.summary("发放或重置定考账号一次性初始密码")
@openapi.response(201, json_content(CredentialOut))
@body(CredentialIn)
@require(*REVIEWERS)
async def issue_credential(request: Request, principal: Principal, body: CredentialIn) -> HTTPResponse:
    issued = await office.issue_credential(principal=principal, ip=client_ip(request), **body.model_dump())
    return out(CredentialOut.of(issued), status=201)


@bp.get(f"{P}/accounts")
@openapi.tag("assessment-admin")
@openapi.summary("按证件号查找本机构/本辖区的定考账号")
@openapi.response(200, json_content(AccountListOut))
@query(AccountQuery)
@require(*REVIEWERS)
async def find_accounts(request: Request, principal: Principal, query: AccountQuery) -> HTTPResponse:
    accounts = await office.find_accounts(
        principal=principal, id_number=query.id_number, document_type=query.document_type, ip=client_ip(request)
    )
    return out(AccountListOut(items=[AccountOut.of(a) for a in accounts]))


@bp.post(f"{P}/accounts/<account_id:int>/hide")
@raises(assessment_errors.AccountNotFound)
@openapi.tag("assessment-admin")
@openapi.summary("隐藏定考账号（如医师已不在本机构执业、重复账号）；被隐藏的医师无法绑定和办理定考")
@openapi.response(200, json_content(AccountOut))
@body(HideIn)
@require(*REVIEWERS)
async def hide(request: Request, account_id: int, principal: Principal, body: HideIn) -> HTTPResponse:
    account = await office.set_hidden(
        principal=principal, account_id=account_id, hidden=True, reason=body.reason, ip=client_ip(request)
    )
    return out(AccountOut.of(account))


@bp.post(f"{P}/accounts/<account_id:int>/unhide")
@raises(assessment_errors.AccountNotFound)
@openapi.tag("assessment-admin")
@openapi.summary("解除误隐藏的定考账号")
@openapi.response(200, json_content(AccountOut))
@require(*REVIEWERS)
async def unhide(request: Request, account_id: int, principal: Principal) -> HTTPResponse:
    account = await office.set_hidden(principal=principal, account_id=account_id, hidden=False, ip=client_ip(request))
    return out(AccountOut.of(account))


@bp.put(f"{P}/enrolments/<assessment_id:int>/specialty")
@raises(
    assessment_errors.AssessmentNotFound,
    assessment_errors.WrongStep,
    assessment_errors.SpecialtyUnknown,
    assessment_errors.SpecialtyFixed,
)
@openapi.tag("assessment-admin")
@openapi.summary("更正医师报考专业（业务水平测评开始前；留审计记录）")
@openapi.response(200, json_content(AssessmentOut))
@body(SpecialtyIn)
@require(*REVIEWERS)
async def correct_specialty(
    request: Request, assessment_id: int, principal: Principal, body: SpecialtyIn
) -> HTTPResponse:
    assessment = await office.correct_specialty(
        principal=principal, assessment_id=assessment_id, ip=client_ip(request), **body.model_dump()
    )
    return out(AssessmentOut.of(assessment))


@bp.get(f"{P}/cycles")
@openapi.tag("assessment-admin")
@openapi.summary("考核周期列表")
@openapi.response(200, json_content(CycleListOut))
@require(*REVIEWERS, Role.ADMIN)
async def list_cycles(request: Request, principal: Principal) -> HTTPResponse:
    return out(CycleListOut(items=[CycleOut.of(c) for c in await cycles.list_cycles()]))


@bp.post(f"{P}/cycles")
@raises(assessment_errors.CycleOverlaps, assessment_errors.WindowInvalid)
@openapi.tag("assessment-admin")
@openapi.summary("新建考核周期（平台管理员）")
@openapi.response(201, json_content(CycleOut))
@body(CycleIn)
@require(Role.ADMIN)
async def create_cycle(request: Request, principal: Principal, body: CycleIn) -> HTTPResponse:
    cycle = await cycles.create_cycle(principal=principal, ip=client_ip(request), **body.model_dump())
    return out(CycleOut.of(cycle), status=201)


@bp.get(f"{P}/windows")
@openapi.tag("assessment-admin")
@openapi.summary("考核时间窗口：上级设置的（约束本辖区）与本辖区及下级辖区单独设置的")
@openapi.response(200, json_content(WindowListOut))
@query(CycleQuery)
@require(Role.OFFICE_REVIEWER)
async def list_windows(request: Request, principal: Principal, query: CycleQuery) -> HTTPResponse:
    cycle, windows = await cycles.list_windows(principal=principal, cycle_id=query.cycle_id)
    region = principal.region_code or ""
    return out(
        WindowListOut(
            cycle=CycleOut.of(cycle),
            province_code=scope.province_of(region),
            region_code=region,
            items=[WindowOut.of(w) for w in windows],
        )
    )


@bp.put(f"{P}/windows")
@raises(assessment_errors.CycleNotFound, Forbidden, assessment_errors.WindowInvalid)
@openapi.tag("assessment-admin")
@openapi.summary(
    "设置考核时间窗口（报名/自评/考试/补考）：省级考核机构设本省时间，市、区县考核机构可在其内设本辖区时间"
)
@openapi.response(200, json_content(WindowOut))
@body(WindowIn)
@require(Role.OFFICE_REVIEWER)
async def set_window(request: Request, principal: Principal, body: WindowIn) -> HTTPResponse:
    window = await cycles.set_window(principal=principal, ip=client_ip(request), **body.model_dump())
    return out(WindowOut.of(window))


@bp.delete(f"{P}/windows")
@raises(assessment_errors.CycleNotFound, Forbidden, assessment_errors.WindowInvalid, assessment_errors.WindowNotSet)
@openapi.tag("assessment-admin")
@openapi.summary("删除本辖区单独设置的时间（恢复适用上级时间）")
@openapi.response(200, json_content(WindowClearedOut))
@query(WindowClearQuery)
@require(Role.OFFICE_REVIEWER)
async def clear_window(request: Request, principal: Principal, query: WindowClearQuery) -> HTTPResponse:
    applies = await cycles.clear_window(principal=principal, ip=client_ip(request), **query.model_dump())
    region = query.region_code or principal.region_code or ""
    return out(
        WindowClearedOut(region_code=region, kind=query.kind, applies=WindowOut.of(applies) if applies else None)
    )


@bp.get(f"{P}/rules")
@openapi.tag("assessment-admin")
@openapi.summary("本省分数线（考生看到并据以评分的分数线，由测评规则保存）")
@openapi.response(200, json_content(RulesOut))
@query(CycleQuery)
@require(Role.OFFICE_REVIEWER)
async def get_rules(request: Request, principal: Principal, query: CycleQuery) -> HTTPResponse:
    cycle, marks = await office.get_rules(principal=principal, cycle_id=query.cycle_id)
    return out(RulesOut.of(cycle, marks))


@bp.put(f"{P}/rules")
@raises(exams_api.errors.DefinitionInvalid)
@openapi.tag("assessment-admin")
@openapi.summary("设置分数线（可按考核专业设置业务水平测评分数线）")
@openapi.response(200, json_content(RulesOut))
@body(RulesIn)
@require(Role.OFFICE_REVIEWER)
async def set_rules(request: Request, principal: Principal, body: RulesIn) -> HTTPResponse:
    cycle, marks = await office.set_rules(principal=principal, ip=client_ip(request), **body.model_dump())
    return out(RulesOut.of(cycle, marks))


@bp.get(f"{P}/exam-readiness")
@openapi.tag("assessment-admin")
@openapi.summary("考试准备情况：各考核专业题库能否按试卷规则组卷，及受影响的考生（考试窗口开放前核对）")
@openapi.response(200, json_content(ReadinessOut))
@query(CycleQuery)
@require(Role.OFFICE_REVIEWER)
async def exam_readiness(request: Request, principal: Principal, query: CycleQuery) -> HTTPResponse:
    cycle, province, items = await office.exam_readiness(principal=principal, cycle_id=query.cycle_id)
    return out(
        ReadinessOut(
            cycle=CycleOut.of(cycle),
            province_code=province,
            ready=all(i["ready"] for i in items),
            items=[SpecialtyReadinessOut(**i) for i in items],
        )
    )


@bp.get(f"{P}/progress")
@openapi.tag("assessment-admin")
@openapi.summary("各机构考核进度（各步骤人数，含在册未绑定、未报名的医师）")
@openapi.response(200, json_content(ProgressOut))
@query(CycleQuery)
@require(Role.OFFICE_REVIEWER)
async def progress(request: Request, principal: Principal, query: CycleQuery) -> HTTPResponse:
    cycle, rows = await progress_service.institution_counts(principal=principal, cycle_id=query.cycle_id)
    return out(ProgressOut(cycle=CycleOut.of(cycle), items=[ProgressRowOut(**r) for r in rows]))


@bp.get(f"{P}/progress.xlsx")
@openapi.tag("assessment-admin")
@openapi.summary("导出各机构考核进度（Excel）")
@openapi.response(200, binary_content(XLSX), "Excel 工作簿")
@query(CycleQuery)
@require(Role.OFFICE_REVIEWER)
async def progress_xlsx(request: Request, principal: Principal, query: CycleQuery) -> HTTPResponse:
    data, filename = await progress_service.institution_counts_xlsx(
        principal=principal, cycle_id=query.cycle_id, ip=client_ip(request)
    )
    return file_out(data, content_type=XLSX, filename=filename)


@bp.get(f"{P}/progress/people")
@raises(assessment_errors.InstitutionOutOfScope, Forbidden, assessment_errors.CycleNotFound)
@openapi.tag("assessment-admin")
@openapi.summary("考核进度明细：本机构/本辖区每位医师的当前步骤（含在册未绑定、未报名、未测评），可筛选、分页")
@openapi.response(200, json_content(PeoplePageOut))
@query(PeopleQuery)
@require(*REVIEWERS)
async def progress_people(request: Request, principal: Principal, query: PeopleQuery) -> HTTPResponse:
    offset = query.cursor or 0
    cycle, rows, total = await progress_service.read_people(
        principal=principal,
        cycle_id=query.cycle_id,
        region_code=query.region_code,
        institution_id=query.institution_id,
        step=query.step,
        name=query.name,
        offset=offset,
        limit=query.limit,
        ip=client_ip(request),
    )
    next_cursor = offset + len(rows) if offset + len(rows) < total else None
    return out(
        PeoplePageOut(
            cycle=CycleOut.of(cycle),
            total=total,
            items=[PersonProgressOut.of(p) for p in rows],
            next_cursor=next_cursor,
        )
    )


@bp.get(f"{P}/progress/people.xlsx")
@raises(assessment_errors.InstitutionOutOfScope, Forbidden, assessment_errors.CycleNotFound)
@openapi.tag("assessment-admin")
@openapi.summary("导出考核进度明细（Excel，筛选条件同明细列表）")
@openapi.response(200, binary_content(XLSX), "Excel 工作簿")
@query(PeopleFilter)
@require(*REVIEWERS)
async def progress_people_xlsx(request: Request, principal: Principal, query: PeopleFilter) -> HTTPResponse:
    data, filename = await progress_service.people_xlsx(
        principal=principal, ip=client_ip(request), **query.model_dump()
    )
    return file_out(data, content_type=XLSX, filename=filename)


@bp.post(f"{P}/progress/reminders")
@raises(
    assessment_errors.InstitutionOutOfScope,
    Forbidden,
    assessment_errors.CycleNotFound,
    assessment_errors.RemindersLimited,
)
@openapi.tag("assessment-admin")
@openapi.summary("催办提醒：向筛选出的某一步骤的医师发送提醒（站内消息、微信、推送；每人每天至多一次）")
@openapi.response(200, json_content(ReminderOut))
@body(ReminderIn)
@require(*REVIEWERS)
async def send_reminders(request: Request, principal: Principal, body: ReminderIn) -> HTTPResponse:
    report = await progress_service.send_reminders(principal=principal, ip=client_ip(request), **body.model_dump())
    return out(
        ReminderOut(
            matched=report.matched, sent=report.sent, already_today=report.already_today, no_account=report.no_account
        )
    )
