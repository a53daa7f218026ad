"""Registry test data: people in the registers, activated physicians, and the calls that get them there."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date

import httpx

from server.accounts.models import User
from server.common import crypto, idcard
from server.common.enums import Category, Level
from server.directory.models import Institution
from server.registry import activation
from server.registry.models import (
    PhysicianAccount,
    PracticeRegistration,
    Qualification,
    RegistrationStatus,
)
from tests.support import factories as wf

_seq = itertools.count(1)


@dataclass
class Person:
    name: str
    id_number: str
    qualification: Qualification
    registration: PracticeRegistration | None


async def person(
    *,
    name: str = "张明",
    institution: Institution | None = None,
    level: Level = Level.PRACTITIONER,
    category: Category = Category.CLINICAL,
    status: RegistrationStatus | None = RegistrationStatus.ACTIVE,
    obtained_on: date | None = None,
    residency_training: bool = False,
    scopes: list[str] | None = None,
    id_number: str | None = None,
) -> Person:
    """Someone in the qualification register, and in the practice register when ``institution`` is given."""
    n = next(_seq)
    number = id_number or idcard.make("110101", date(1985, 3, 1), n % 1000)
    qual = await Qualification.create(
        qualification_cert_no=f"Q2010{n:09d}",
        name=name,
        id_number_enc=crypto.encrypt(number, context="id_number"),
        id_number_index=crypto.blind_index(number),
        category=category,
        level=level,
        obtained_on=obtained_on or date.today().replace(year=date.today().year - 1),
        education="本科",
        school="北京大学医学部",
        major="临床医学",
        residency_training=residency_training,
    )
    reg = None
    if institution is not None and status is not None:
        reg = await PracticeRegistration.create(
            practice_cert_no=f"P{n:012d}",
            qualification=qual,
            main_institution=institution,
            practice_region_code=institution.province_code if level == Level.PRACTITIONER else institution.region_code,
            category=category,
            level=level,
            practice_scopes=scopes or ["内科专业"],
            status=status,
            approval_authority="北京市东城区卫生健康委员会",
            approved_on=date(2015, 3, 1),
            title="主治医师",
            education="本科",
            school="北京大学医学部",
            major="临床医学",
        )
    return Person(name=name, id_number=number, qualification=qual, registration=reg)


async def account(phone: str | None = None) -> User:
    """A fresh physician account, not yet verified (no real name or ID on it)."""
    return await wf.physician(real_name=None, id_number=None, phone=phone)  # type: ignore[arg-type]


async def verify(client: httpx.AsyncClient, user: User, who: Person) -> httpx.Response:
    return await client.post(
        "/api/v1/identity/real-name-check",
        json={"name": who.name, "id_number": who.id_number},
        headers=await wf.auth_headers(user),
    )


async def activated(who: Person, user: User | None = None) -> User:
    """A physician account verified and activated for ``who`` (through the service, not HTTP)."""
    from server.db import run_atomic
    from server.registry.models import AccountStatus, ActivationMethod

    user = user or await account()
    acc = await PhysicianAccount.create(
        user=user, qualification=who.qualification, registration=who.registration, status=AccountStatus.VERIFIED
    )
    await acc.fetch_related("qualification")
    await run_atomic(
        activation.activate,
        account=acc,
        registration=who.registration,
        method=ActivationMethod.SELF,
        actor_id=user.id,
        ip=None,
    )
    return await User.get(id=user.id)
