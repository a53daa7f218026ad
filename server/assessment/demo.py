"""Demo seeding of the assessment part: a bound-ready physician with a fresh initial credential, windows open now,
and the results of the physician's two past cycles (one with a multi-site institution) to see on the results page.

Runs after the directory's, the accounts' and the registry's demo data (the manifest's order).
The credential is random and shown only in the banner lines returned here (development only).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from server.accounts import api as accounts_api
from server.assessment.binding import CREDENTIAL_TTL, new_credential
from server.assessment.cycles import CN_TZ
from server.assessment.models import Assessment, AssessmentAccount, AssessmentStatus, Cycle, CycleWindow, WindowKind
from server.assessment.outcome import new_verification_code
from server.common import crypto
from server.db import run_atomic
from server.directory import api as directory_api
from server.exams import api as exams_api
from server.registry import api as registry_api

DEMO_PHONE = "13800000001"
DEMO_MULTI_SITE_PHONE = "13800000002"  # 李华's main institution stands in as 张明's past multi-site institution
DEMO_PROVINCES = ("110000", "130000")  # 张明, 北京市东城区示范医院 (registry demo)


# The demo bank holds 77–90 questions per specialty: the demo papers draw 60 of them (a deployment's office sets its
# own counts; the built-in 80 need a bank of a real size)
DEMO_PROFESSIONAL_COUNTS = {"single": 40, "multiple": 12, "true_false": 8}


async def _demo_exam_rules(cycle_id: int, province_code: str) -> None:
    current = await exams_api.rules_for("professional", cycle_id, province_code)
    if current.definition_id is not None:
        return
    sections = [
        {**s, "counts": DEMO_PROFESSIONAL_COUNTS} if s["section"] == "professional" else s
        for s in current.rules["sections"]
    ]
    try:
        await _save(cycle_id, province_code, current, sections)
    except exams_api.errors.BankInsufficient:
        return  # no demo bank loaded (the exams demo runs first in `seed-demo`)


async def _save(cycle_id: int, province_code: str, current: exams_api.Rules, sections: list[dict[str, object]]) -> None:
    await exams_api.save_definition(
        actor_id=0,
        actor_region=None,
        is_admin=True,
        cycle_id=cycle_id,
        province_code=province_code,
        exam_kind="professional",
        title=current.title,
        duration_minutes=int(current.rules["duration_s"]) // 60,
        sections=sections,
        attempts_allowed=int(current.rules["attempts_allowed"]),
        make_up_allowed=bool(current.rules["make_up_allowed"]),
    )


async def _past_results(
    *, account: AssessmentAccount, user_id: int, cycle: Cycle, practice: dict[str, Any]
) -> list[str]:
    """The two cycles before ``cycle``, each with a result (passed, then failed), once."""
    other_id = await accounts_api.user_id_by_phone(DEMO_MULTI_SITE_PHONE)
    other = await registry_api.registration_summary(user_id=other_id) if other_id else None
    other_practice = (other or {}).get("practice") or {}
    multi_sites = (
        [
            {
                "institution_id": other_practice["institution_id"],
                "institution_name": other_practice.get("institution_name"),
                "region_name": other_practice.get("practice_region_name"),
            }
        ]
        if other_practice.get("institution_id") and other_practice["institution_id"] != practice.get("institution_id")
        else []
    )
    names = []
    for back, passed, sites in ((1, True, multi_sites), (2, False, [])):
        start = date(cycle.starts_on.year - 3 * back, 1, 1)
        name = f"{start.year}—{start.year + 2}年度"
        past, _ = await Cycle.get_or_create(
            name=name, defaults={"starts_on": start, "ends_on": date(start.year + 2, 12, 31)}
        )
        decided = datetime(start.year + 2, 11, 20, 10, 0, tzinfo=CN_TZ)
        await Assessment.get_or_create(
            account_id=account.id,
            cycle_id=past.id,
            defaults={
                "user_id": user_id,
                "institution_id": account.institution_id,  # type: ignore[attr-defined]
                "region_code": account.region_code,
                "status": AssessmentStatus.PASSED if passed else AssessmentStatus.FAILED,
                "specialty": (practice.get("practice_scopes") or ["内科专业"])[0],
                "procedure": "general",
                "enrolment": {"registry": {"practice": practice, "multi_sites": sites}},
                "professional_score": 78.0,
                "humanities_score": 81.0 if passed else 52.0,
                "result_decided_at": decided,
                "verification_code": new_verification_code(),
            },
        )
        names.append(f"{name}{'合格' if passed else '不合格'}")
    return names


async def seed_demo() -> list[str]:
    """Make sure a current cycle with open windows exists and issue a new credential for the demo physician."""
    user_id = await accounts_api.user_id_by_phone(DEMO_PHONE)
    person = await accounts_api.person(user_id) if user_id else None
    id_number = await accounts_api.id_number_of(user_id) if user_id else None
    if user_id is None or person is None or not id_number or not person.name:
        return ["定期考核演示：未找到演示医师（请先运行注册部分的演示数据）"]
    summary = await registry_api.registration_summary(user_id=user_id)
    practice = (summary or {}).get("practice") or {}
    institution = (
        await directory_api.institution(practice["institution_id"]) if practice.get("institution_id") else None
    )
    if institution is None:
        return ["定期考核演示：演示医师没有执业注册信息"]
    credential = new_credential()
    credential_hash = await accounts_api.hash_password(credential)
    now = datetime.now(CN_TZ)

    async def tx() -> tuple[Cycle, bool, list[str]]:
        today = now.date()
        cycle = await Cycle.filter(starts_on__lte=today, ends_on__gte=today).first()
        if cycle is None:
            start = date(today.year - (today.year - 2024) % 3, 1, 1)
            cycle = await Cycle.create(
                name=f"{start.year}—{start.year + 2}年度", starts_on=start, ends_on=date(start.year + 2, 12, 31)
            )
        # every window open now in both demo provinces (the make-up closing last)
        for province in DEMO_PROVINCES:
            for kind in WindowKind:
                window = await CycleWindow.get_or_none(cycle_id=cycle.id, province_code=province, kind=kind)
                if window is None or window.closes_at <= now:
                    await CycleWindow.filter(cycle_id=cycle.id, province_code=province, kind=kind).delete()
                    await CycleWindow.create(
                        cycle=cycle,
                        province_code=province,
                        kind=kind,
                        opens_at=now - timedelta(days=30),
                        closes_at=now + timedelta(days=90 if kind == WindowKind.MAKE_UP else 60),
                    )
        account, created = await AssessmentAccount.get_or_create(
            province_code=institution.province_code,
            id_number_index=crypto.blind_index(id_number),
            defaults={
                "name": person.name,
                "id_number_enc": crypto.encrypt(id_number, context="id_number"),
                "institution_id": institution.id,
                "region_code": institution.region_code,
            },
        )
        past = await _past_results(account=account, user_id=user_id, cycle=cycle, practice=practice)
        if account.user_id is not None:  # type: ignore[attr-defined]
            return cycle, False, past
        await AssessmentAccount.filter(id=account.id).update(
            credential_hash=credential_hash,
            credential_expires_at=now + CREDENTIAL_TTL,
            credential_used_at=None,
        )
        return cycle, True, past

    cycle, issued, past = await run_atomic(tx)
    await _demo_exam_rules(cycle.id, institution.province_code)
    history = f"  往届结果（“考核结果”页）：{'、'.join(past)}"
    if not issued:
        return [
            f"定期考核演示：{person.name}（{DEMO_PHONE}）已绑定定考账号，周期 {cycle.name} 各时间窗口已开放",
            history,
        ]
    return [
        f"定期考核演示（{cycle.name}，报名/自评/考试/补考窗口已开放）：",
        f"  医师 {person.name} 用 {DEMO_PHONE} 登录后绑定定考账号：省份 {institution.province_code}，"
        f"证件号 {id_number}，姓名 {person.name}，一次性初始密码 {credential}（7 天内有效，首次使用须设置新密码）",
        history,
    ]
