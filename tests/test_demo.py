"""Demo data: every role, physicians in each registration status, an open cycle; created once."""

from __future__ import annotations

from server import demo
from server.accounts.models import User
from server.accounts.passwords import verify_password
from server.assessment.models import Cycle, CycleWindow
from server.common import crypto, idcard
from server.common.enums import Role
from server.directory import demo as directory_demo
from server.directory.models import Department, Institution
from server.registry.models import PracticeRegistration, Qualification, RegistrationStatus


async def test_seed_creates_every_role_and_status_once(db: None) -> None:
    accounts, _ = await demo.seed_demo()
    again, _ = await demo.seed_demo()
    assert accounts == again
    assert await User.filter(username="admin").count() == 1
    roles = set(await User.all().values_list("role", flat=True))
    assert roles == set(Role)
    statuses = set(await PracticeRegistration.all().values_list("status", flat=True))
    assert statuses == set(RegistrationStatus)
    # Someone qualified but never registered, for the self-activation path.
    assert await Qualification.filter(registrations=None).exists()
    assert await Institution.all().count() == 3
    assert await Department.all().count() == 3 * len(directory_demo.DEPARTMENTS)
    # the current cycle with its windows, and two past cycles with the demo physician's results
    assert await Cycle.all().count() == 3 and await CycleWindow.all().count() == 8


async def test_demo_personal_data_is_encrypted_and_valid(db: None) -> None:
    await demo.seed_demo()
    for q in await Qualification.all():
        number = crypto.decrypt(q.id_number_enc, context="id_number")
        assert idcard.is_valid(number)
        assert q.id_number_index == crypto.blind_index(number)
        assert number not in q.id_number_enc


async def test_every_listed_demo_login_works_with_the_demo_password(db: None) -> None:
    accounts, _ = await demo.seed_demo()
    for account in accounts:
        user = await User.get_or_none(username=account.login) or await User.get(phone=account.login)
        assert user.role == account.role
        assert user.password_hash and await verify_password(user.password_hash, demo.DEMO_PASSWORD)
