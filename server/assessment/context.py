"""Where a physician stands in the assessment: the bound account, the user notice, the current cycle's record."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from server.assessment.cycles import current_cycle, utcnow
from server.assessment.errors import (
    AccountHidden,
    NotBound,
    NoticeVersionOutdated,
    UserNoticeRequired,
    WrongStep,
)
from server.assessment.models import (
    Assessment,
    AssessmentAccount,
    Cycle,
)
from server.common import audit
from server.db import run_atomic

NOTICE_VERSION = "2024.1"
NOTICE_TITLE = "医师定期考核用户告知书"
NOTICE_TEXT = (
    "一、本系统用于医师定期考核的报名、信息确认、考核程序申请、自评、测评与结果查询。\n"
    "二、您填报和确认的个人信息、执业信息须与医师电子化注册系统保持一致，并对其真实性负责；信息有误的，"
    "请在医师电子化注册中提交信息修改申请。\n"
    "三、您的信息将依法用于定期考核，由所在卫生机构审核、考核机构复核；身份证件号码加密保存，"
    "审核与查阅均留有记录。\n"
    "四、测评前将采集您的头像用于身份核验，测评过程中请独立作答，不得由他人代考。\n"
    "五、请在规定的报名、自评和测评时间内完成各项操作，逾期系统将不再受理。\n"
    "六、考核结果将通过站内消息告知，您可下载打印考核结果通知书，任何人可凭通知书上的验证码核验其真伪。"
)


@dataclass(frozen=True, slots=True)
class Context:
    account: AssessmentAccount
    cycle: Cycle


async def bound_account(*, user_id: int) -> AssessmentAccount:
    account = await AssessmentAccount.get_or_none(user_id=user_id)
    if account is None:
        raise NotBound()
    if account.is_hidden:
        raise AccountHidden()
    return account


async def physician_account(*, user_id: int) -> AssessmentAccount:
    """The bound account of a physician who has accepted the current user notice."""
    account = await bound_account(user_id=user_id)
    if account.notice_version != NOTICE_VERSION:
        raise UserNoticeRequired(details={"notice_version": NOTICE_VERSION})
    return account


async def context_of(user_id: int) -> Context:
    account = await physician_account(user_id=user_id)
    return Context(account=account, cycle=await current_cycle())


async def assessment_of(ctx: Context) -> Assessment | None:
    return await Assessment.get_or_none(account_id=ctx.account.id, cycle_id=ctx.cycle.id)


async def require_assessment(ctx: Context) -> Assessment:
    assessment = await assessment_of(ctx)
    if assessment is None:
        raise WrongStep("请先完成报名（信息确认）", details={"step": "enrolment"})
    return assessment


def step_error(assessment: Assessment, message: str) -> WrongStep:
    return WrongStep(message, details={"status": assessment.status.value})


async def notice_status(*, user_id: int) -> dict[str, Any]:
    account = await AssessmentAccount.get_or_none(user_id=user_id)
    accepted = account is not None and account.notice_version == NOTICE_VERSION
    return {
        "version": NOTICE_VERSION,
        "title": NOTICE_TITLE,
        "text": NOTICE_TEXT,
        "accepted": accepted,
        "accepted_at": account.notice_accepted_at if accepted and account else None,
    }


async def accept_notice(*, user_id: int, version: str, ip: str | None = None) -> dict[str, Any]:
    account = await bound_account(user_id=user_id)
    if version != NOTICE_VERSION:
        raise NoticeVersionOutdated(field="version", details={"current_version": NOTICE_VERSION})

    async def tx() -> None:
        now = utcnow()
        await AssessmentAccount.filter(id=account.id).update(
            notice_version=NOTICE_VERSION, notice_accepted_at=now, updated_at=now
        )
        await audit.record(
            action="assessment.notice_accepted",
            actor_id=user_id,
            subject_type="assessment_account",
            subject_id=str(account.id),
            ip=ip,
            details={"version": NOTICE_VERSION},
        )

    await run_atomic(tx)
    return await notice_status(user_id=user_id)
