"""Demo seeding of the assessment part: a bound-ready physician with a fresh initial credential, windows open now.

Runs after the directory's, the accounts' and the registry's demo data (the manifest's order).
The credential is random and shown only in the banner lines returned here (development only).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from server.accounts import api as accounts_api
from server.assessment.binding import CREDENTIAL_TTL, new_credential
from server.assessment.cycles import CN_TZ
from server.assessment.models import AssessmentAccount, Cycle, CycleWindow, WindowKind
from server.common import crypto
from server.db import run_atomic
from server.directory import api as directory_api
from server.exams import api as exams_api
from server.registry import api as registry_api

DEMO_PHONE = "13800000001"
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

    async def tx() -> tuple[Cycle, bool]:
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
        if account.user_id is not None:  # type: ignore[attr-defined]
            return cycle, False
        await AssessmentAccount.filter(id=account.id).update(
            credential_hash=credential_hash,
            credential_expires_at=now + CREDENTIAL_TTL,
            credential_used_at=None,
        )
        return cycle, True

    cycle, issued = await run_atomic(tx)
    await _demo_exam_rules(cycle.id, institution.province_code)
    if not issued:
        return [f"定期考核演示：{person.name}（{DEMO_PHONE}）已绑定定考账号，周期 {cycle.name} 各时间窗口已开放"]
    return [
        f"定期考核演示（{cycle.name}，报名/自评/考试/补考窗口已开放）：",
        f"  医师 {person.name} 用 {DEMO_PHONE} 登录后绑定定考账号：省份 {institution.province_code}，"
        f"证件号 {id_number}，姓名 {person.name}，一次性初始密码 {credential}（7 天内有效，首次使用须设置新密码）",
    ]
