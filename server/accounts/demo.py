"""Demo log-ins: staff, one per role and scope, and the demo physicians (development only; refused in production)."""

from __future__ import annotations

from server.accounts.models import User
from server.accounts.passwords import hash_password
from server.common.enums import Role
from server.config import DEMO_PASSWORD
from server.directory import api as directory_api

# username, role, institution code (institution staff) or region code (offices and commissions)
STAFF: tuple[tuple[str, Role, str | None, str | None], ...] = (
    ("admin", Role.ADMIN, None, None),
    ("dc_hospital", Role.INSTITUTION_REVIEWER, "DEMO-110101-001", None),
    ("cy_hospital", Role.INSTITUTION_REVIEWER, "DEMO-110105-001", None),
    ("sjz_center", Role.INSTITUTION_REVIEWER, "DEMO-130102-001", None),
    ("bj_office", Role.OFFICE_REVIEWER, None, "110000"),
    ("cy_office", Role.OFFICE_REVIEWER, None, "110105"),
    ("bj_commission", Role.COMMISSION_REVIEWER, None, "110000"),
    ("dc_commission", Role.COMMISSION_REVIEWER, None, "110101"),
)
# The demo physicians' log-ins (the registry's demo data links them to their registers)
PHYSICIAN_PHONES = tuple(f"1380000000{n}" for n in range(1, 9))


async def seed_demo() -> list[str]:
    if await User.filter(username="admin").exists():
        return []
    password_hash = await hash_password(DEMO_PASSWORD)
    for username, role, institution_code, region in STAFF:
        institution = await directory_api.institution_by_code(institution_code) if institution_code else None
        await User.create(
            username=username,
            role=role,
            institution_id=institution.id if institution else None,
            region_code=institution.region_code if institution else region,
            password_hash=password_hash,
        )
    for phone in PHYSICIAN_PHONES:
        await User.create(phone=phone, role=Role.PHYSICIAN, password_hash=password_hash)
    return []
