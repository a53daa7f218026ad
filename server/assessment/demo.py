"""Demo seeding of the assessment part: a bound-ready physician with a fresh initial credential, windows open now.

Runs after the registry demo (``server/demo.py``), which creates the regions, institutions and physicians.
The credential is random and shown only in the banner lines returned here (development only).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from server.accounts.models import User
from server.accounts.passwords import hash_password
from server.assessment.models import AssessmentAccount, Cycle, CycleWindow, WindowKind
from server.assessment.service import CN_TZ, CREDENTIAL_TTL, new_credential
from server.common import crypto
from server.db import run_atomic

DEMO_PHONE = "13800000001"  # 张明, 北京市东城区示范医院 (registry demo)


async def seed_demo() -> list[str]:
    """Make sure a current cycle with open windows exists and issue a new credential for the demo physician."""
    user = await User.get_or_none(phone=DEMO_PHONE)
    if user is None or not user.id_number_enc or not user.real_name:
        return ["定期考核演示：未找到演示医师（请先运行注册部分的演示数据）"]
    from server.registry.models import PracticeRegistration

    registration = await PracticeRegistration.filter(user_id=user.id).prefetch_related("main_institution").first()
    if registration is None or registration.main_institution is None:
        return ["定期考核演示：演示医师没有执业注册信息"]
    institution = registration.main_institution
    id_number = crypto.decrypt(user.id_number_enc, context="id_number")
    credential = new_credential()
    credential_hash = await hash_password(credential)
    now = datetime.now(CN_TZ)

    async def tx() -> tuple[Cycle, bool]:
        today = now.date()
        cycle = await Cycle.filter(starts_on__lte=today, ends_on__gte=today).first()
        if cycle is None:
            start = date(today.year - (today.year - 2024) % 3, 1, 1)
            cycle = await Cycle.create(
                name=f"{start.year}—{start.year + 2}年度", starts_on=start, ends_on=date(start.year + 2, 12, 31)
            )
        for kind in WindowKind:
            window = await CycleWindow.get_or_none(
                cycle_id=cycle.id, province_code=institution.province_code, kind=kind
            )
            if window is None or window.closes_at <= now:
                await CycleWindow.filter(cycle_id=cycle.id, province_code=institution.province_code, kind=kind).delete()
                await CycleWindow.create(
                    cycle=cycle,
                    province_code=institution.province_code,
                    kind=kind,
                    opens_at=now - timedelta(days=30),
                    closes_at=now + timedelta(days=60),
                )
        account, created = await AssessmentAccount.get_or_create(
            province_code=institution.province_code,
            id_number_index=crypto.blind_index(id_number),
            defaults={
                "name": user.real_name,
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
    if not issued:
        return [f"定期考核演示：{user.real_name}（{DEMO_PHONE}）已绑定定考账号，周期 {cycle.name} 各时间窗口已开放"]
    return [
        f"定期考核演示（{cycle.name}，报名/自评/考试/补考窗口已开放）：",
        f"  医师 {user.real_name} 用 {DEMO_PHONE} 登录后绑定定考账号：省份 {institution.province_code}，"
        f"证件号 {id_number}，姓名 {user.real_name}，一次性初始密码 {credential}（7 天内有效，首次使用须设置新密码）",
    ]
