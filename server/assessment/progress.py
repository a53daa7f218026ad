"""Progress per physician (考核进度明细) and reminders (催办提醒) for offices and institutions.

The population is everyone the assessment concerns in the reviewer's scope: every physician the registry holds on
the active roll at an institution in scope (bound or not), and every assessment account issued there (registered
or not). Each gets one step, from "has not bound" to the result, so an office sees per person who has not bound,
enrolled or been examined, and can remind exactly that group. A list is built in memory per request: one query per
table, fine for a city's or a province's tens of thousands of rows; a nation-wide list would need a stored view.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.assessment import documents
from server.assessment.cycles import CN_TZ, cycle_or_current
from server.assessment.errors import InstitutionOutOfScope, RemindersLimited, StepNotRemindable
from server.assessment.models import Assessment, AssessmentAccount, AssessmentStatus, Cycle
from server.assessment.office import _PROGRESS_OF_STATUS, REVIEWERS
from server.common import audit, crypto, outbox, scope
from server.common.auth import Principal
from server.common.enums import Role
from server.common.masking import mask_id_number
from server.db import run_atomic
from server.directory import api as directory_api
from server.errors import Forbidden
from server.redis import get_redis
from server.registry import api as registry_api

STEP_LABELS = {"not_bound": "未绑定定考账号", "not_enrolled": "未报名", **documents.PROGRESS_LABELS}
STEPS = tuple(STEP_LABELS)
REMINDABLE = frozenset(STEPS) - {"enrolment_review", "self_evaluation_review", "passed", "failed"}
# What a reminded physician is asked to do, per step
REMINDER_ACTIONS = {
    "not_bound": "绑定定考账号",
    "not_enrolled": "确认信息并报名",
    "enrolment": "确认信息并报名",
    "procedure": "选择考核程序",
    "self_evaluation": "填写并提交自评",
    "exams": "参加测评",
}
# A reviewer sends at most this many reminder batches an hour (each person is reminded at most once a day anyway)
REMINDER_BATCHES_PER_HOUR = 10
_BATCH_KEY = "assessment:reminders:{user_id}"
MAX_INSTITUTIONS = 50_000


@dataclass(frozen=True, slots=True)
class PersonProgress:
    name: str
    id_number_masked: str
    institution_id: int
    institution_name: str
    region_code: str
    step: str
    registered: bool
    account_id: int | None
    assessment_id: int | None
    hidden: bool
    user_id: int | None  # the app account a reminder goes to (never shown)

    @property
    def step_label(self) -> str:
        return STEP_LABELS[self.step]


async def _institutions_in_scope(
    principal: Principal, *, region_code: str | None, institution_id: int | None
) -> dict[int, directory_api.InstitutionInfo]:
    """The institutions the reviewer covers, narrowed by the filters (a filter outside the scope is refused)."""
    if principal.role not in REVIEWERS:
        raise Forbidden()
    if principal.role == Role.INSTITUTION_REVIEWER:
        if institution_id is not None and institution_id != principal.institution_id:
            raise InstitutionOutOfScope(field="institution_id")
        own = await directory_api.institution(principal.institution_id) if principal.institution_id else None
        if own is None:
            raise Forbidden()
        if region_code and not scope.region_covers(region_code, own.region_code):
            return {}
        return {own.id: own}
    if not principal.region_code:
        raise Forbidden()
    if region_code and not scope.region_covers(principal.region_code, region_code):
        raise Forbidden("只能查看本辖区的考核进度", field="region_code")
    if institution_id is not None:
        found = await directory_api.institution(institution_id)
        if found is None or not scope.region_covers(principal.region_code, found.region_code):
            raise InstitutionOutOfScope(field="institution_id")
        if region_code and not scope.region_covers(region_code, found.region_code):
            return {}
        return {found.id: found}
    region = region_code or principal.region_code
    rows = await directory_api.search_institutions(region_code=region, limit=MAX_INSTITUTIONS)
    return {i.id: i for i in rows}


async def people(
    *,
    principal: Principal,
    cycle_id: int | None,
    region_code: str | None = None,
    institution_id: int | None = None,
    step: str | None = None,
    name: str | None = None,
) -> tuple[Cycle, list[PersonProgress]]:
    """Everyone in scope with their step this cycle (``name``: whose name contains it), by institution then name."""
    cycle = await cycle_or_current(cycle_id)
    institutions = await _institutions_in_scope(principal, region_code=region_code, institution_id=institution_id)
    if not institutions:
        return cycle, []
    ids = list(institutions)
    registered = await registry_api.registered_physicians(ids)
    accounts = await AssessmentAccount.filter(institution_id__in=ids)
    # An account belongs to one province; a physician is matched to the account of their institution's province
    by_index = {(a.province_code, a.id_number_index): a for a in accounts}
    assessments = {
        a.account_id: a  # type: ignore[attr-defined]
        for a in await Assessment.filter(cycle_id=cycle.id, account_id__in=[a.id for a in accounts])
    }
    result: list[PersonProgress] = []
    matched: set[int] = set()

    def person(
        *, name: str, masked: str, inst_id: int, account: AssessmentAccount | None, user_id: int | None, reg: bool
    ) -> PersonProgress:
        inst = institutions[inst_id]
        assessment = assessments.get(account.id) if account else None
        if account is None or account.user_id is None:  # type: ignore[attr-defined]
            current = "not_bound"
        elif assessment is None:
            current = "not_enrolled"
        else:
            current = _PROGRESS_OF_STATUS[AssessmentStatus(assessment.status)]
        return PersonProgress(
            name=name,
            id_number_masked=masked,
            institution_id=inst_id,
            institution_name=inst.name,
            region_code=inst.region_code,
            step=current,
            registered=reg,
            account_id=account.id if account else None,
            assessment_id=assessment.id if assessment else None,
            hidden=bool(account and account.is_hidden),
            user_id=(account.user_id if account else None) or user_id,  # type: ignore[attr-defined]
        )

    for r in registered:
        account = by_index.get((institutions[r.institution_id].province_code, r.id_number_index))
        if account is not None:
            matched.add(account.id)
        result.append(
            person(
                name=r.name,
                masked=r.id_number_masked,
                inst_id=r.institution_id,
                account=account,
                user_id=r.user_id,
                reg=True,
            )
        )
    for a in accounts:
        if a.id in matched:
            continue
        result.append(
            person(
                name=a.name,
                masked=_masked_of(a),
                inst_id=a.institution_id,  # type: ignore[attr-defined]
                account=a,
                user_id=None,
                reg=False,
            )
        )
    if step:
        result = [p for p in result if p.step == step]
    if name and name.strip():
        result = [p for p in result if name.strip() in p.name]
    result.sort(key=lambda p: (p.institution_id, p.name, p.id_number_masked, p.account_id or 0))
    return cycle, result


def _masked_of(account: AssessmentAccount) -> str:
    try:
        return mask_id_number(crypto.decrypt(account.id_number_enc, context="id_number")) or ""
    except Exception:  # an undecryptable number still counts the person; it only cannot be shown
        return ""


async def read_people(
    *,
    principal: Principal,
    cycle_id: int | None,
    region_code: str | None,
    institution_id: int | None,
    step: str | None,
    offset: int,
    limit: int,
    name: str | None = None,
    ip: str | None = None,
) -> tuple[Cycle, list[PersonProgress], int]:
    """One page of the per-physician progress, and how many there are in all (the read is audited)."""
    cycle, rows = await people(
        principal=principal,
        cycle_id=cycle_id,
        region_code=region_code,
        institution_id=institution_id,
        step=step,
        name=name,
    )
    await run_atomic(
        audit.record,
        action="assessment.progress_people_read",
        actor_id=principal.user_id,
        subject_type="cycle",
        subject_id=str(cycle.id),
        ip=ip,
        details={
            "region_code": region_code,
            "institution_id": institution_id,
            "step": step,
            "name": name,
            "offset": offset,
        },
    )
    return cycle, rows[offset : offset + limit], len(rows)


async def people_xlsx(
    *,
    principal: Principal,
    cycle_id: int | None,
    region_code: str | None,
    institution_id: int | None,
    step: str | None,
    name: str | None = None,
    ip: str | None = None,
) -> tuple[bytes, str]:
    cycle, rows = await people(
        principal=principal,
        cycle_id=cycle_id,
        region_code=region_code,
        institution_id=institution_id,
        step=step,
        name=name,
    )
    table = [
        [p.institution_name, p.name, p.id_number_masked, p.step_label, "是" if p.registered else "否"] for p in rows
    ]
    data = await asyncio.get_running_loop().run_in_executor(None, documents.render_people_xlsx, cycle.name, table)
    await run_atomic(
        audit.record,
        action="assessment.progress_people_exported",
        actor_id=principal.user_id,
        subject_type="cycle",
        subject_id=str(cycle.id),
        ip=ip,
        details={
            "region_code": region_code,
            "institution_id": institution_id,
            "step": step,
            "name": name,
            "rows": len(rows),
        },
    )
    return data, f"assessment-people-{cycle.id}.xlsx"


async def institution_counts(*, principal: Principal, cycle_id: int | None) -> tuple[Cycle, list[dict[str, Any]]]:
    """Counts at each step per institution in the office's region; everyone counts, registered but not bound too."""
    if principal.role != Role.OFFICE_REVIEWER or not principal.region_code:
        raise Forbidden()
    cycle, rows = await people(principal=principal, cycle_id=cycle_id)
    per: dict[int, dict[str, int]] = {}
    names: dict[int, str] = {}
    for p in rows:
        counts = per.setdefault(p.institution_id, dict.fromkeys(STEPS, 0))
        counts[p.step] += 1
        names[p.institution_id] = p.institution_name
    return cycle, [
        {"institution_id": i, "institution_name": names[i], "total": sum(c.values()), "counts": c}
        for i, c in sorted(per.items())
    ]


async def institution_counts_xlsx(
    *, principal: Principal, cycle_id: int | None, ip: str | None = None
) -> tuple[bytes, str]:
    cycle, rows = await institution_counts(principal=principal, cycle_id=cycle_id)
    data = await asyncio.get_running_loop().run_in_executor(
        None, documents.render_progress_xlsx, cycle.name, rows, STEP_LABELS
    )
    await run_atomic(
        audit.record,
        action="assessment.progress_exported",
        actor_id=principal.user_id,
        subject_type="cycle",
        subject_id=str(cycle.id),
        ip=ip,
    )
    return data, f"assessment-progress-{cycle.id}.xlsx"


@dataclass(frozen=True, slots=True)
class ReminderReport:
    matched: int
    sent: int
    already_today: int
    no_account: int


async def _take_batch(user_id: int) -> None:
    key = _BATCH_KEY.format(user_id=user_id)
    redis = get_redis()
    count = int(await redis.incr(key))
    if count == 1:
        await redis.expire(key, 3600)
    if count > REMINDER_BATCHES_PER_HOUR:
        wait = max(1, int(await redis.ttl(key)))
        raise RemindersLimited(details={"retry_after_s": wait}, headers={"Retry-After": str(wait)})


async def send_reminders(
    *,
    principal: Principal,
    cycle_id: int | None,
    step: str,
    region_code: str | None = None,
    institution_id: int | None = None,
    name: str | None = None,
    ip: str | None = None,
) -> ReminderReport:
    """Remind everyone of the filtered group at ``step`` through their notification channels; each person at most
    once a (Beijing) day, however many offices or batches ask; batches per reviewer are limited per hour."""
    if step not in REMINDABLE:
        raise StepNotRemindable(field="step")
    cycle, rows = await people(
        principal=principal,
        cycle_id=cycle_id,
        region_code=region_code,
        institution_id=institution_id,
        step=step,
        name=name,
    )
    await _take_batch(principal.user_id)
    day = datetime.now(CN_TZ).date().isoformat()
    reachable = [p for p in rows if p.user_id is not None]

    async def tx() -> int:
        sent = 0
        for p in reachable:
            assert p.user_id is not None
            fresh = await outbox.emit(
                kind="assessment.reminder",
                user_id=p.user_id,
                payload={
                    "cycle_name": cycle.name,
                    "step": p.step,
                    "action": REMINDER_ACTIONS.get(p.step, "办理定期考核"),
                    "institution_name": p.institution_name,
                },
                dedupe_key=f"assessment.reminder:{p.user_id}:{day}",
            )
            sent += int(fresh)
        await audit.record(
            action="assessment.reminders_sent",
            actor_id=principal.user_id,
            subject_type="cycle",
            subject_id=str(cycle.id),
            ip=ip,
            details={
                "step": step,
                "region_code": region_code,
                "institution_id": institution_id,
                "name": name,
                "matched": len(rows),
                "sent": sent,
            },
        )
        return sent

    sent = await run_atomic(tx)
    return ReminderReport(
        matched=len(rows), sent=sent, already_today=len(reachable) - sent, no_account=len(rows) - len(reachable)
    )
