"""Account activation, three ways, and revocation of a wrongly registered account.

(a) a registered physician enters the code their main institution generated (sent by SMS through the outbox);
(b) the institution activates its physician directly;
(c) a physician with a qualification but no active registration (or in residency training) self-activates with the
    qualification certificate number.
Activation links the user to every register row of the person and sets the user's real name and encrypted ID.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from server.accounts import api as accounts_api
from server.common import audit, scope
from server.common.outbox import emit
from server.config import get_settings
from server.db import run_atomic
from server.directory import api as directory_api
from server.errors import AppError
from server.redis import get_redis
from server.registry import service as base
from server.registry.errors import (
    ActivationCodeInvalid,
    AlreadyActivated,
    CertificateMismatch,
    NoRegistrationHere,
    PhysicianNotVerified,
    RealNameNotChecked,
    SelfActivationNotAllowed,
    TooManyTries,
)
from server.registry.models import (
    AccountStatus,
    ActivationCode,
    ActivationMethod,
    MultiSiteFiling,
    PhysicianAccount,
    PracticeRegistration,
    Qualification,
    RegistrationStatus,
)

CODE_TTL = timedelta(days=7)
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I
CODE_LENGTH = 8
MAX_CODE_TRIES_PER_HOUR = 5
ACTIVATION_EVENT = "registry.activation_code"


def _hash(code: str) -> str:
    key = get_settings().secret_key.get_secret_value().encode()
    return hmac.new(key, f"activation:{code.strip().upper()}".encode(), hashlib.sha256).hexdigest()


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


async def _verified_account(user_id: int) -> PhysicianAccount:
    account = await base.account_of(user_id)
    if account is None or account.status == AccountStatus.REVOKED:
        raise RealNameNotChecked()
    if account.status == AccountStatus.ACTIVE:
        raise AlreadyActivated()
    return account


async def activate(
    *,
    account: PhysicianAccount,
    registration: PracticeRegistration | None,
    method: ActivationMethod,
    actor_id: int,
    ip: str | None,
) -> None:
    """Inside a transaction: mark the account active and link every register row of the person to the user."""
    now = base.now()
    changed = await PhysicianAccount.filter(id=account.id, status=AccountStatus.VERIFIED).update(
        status=AccountStatus.ACTIVE,
        registration_id=registration.id if registration else None,
        activated_via=method,
        activated_at=now,
        activated_by_id=actor_id,
        updated_at=now,
    )
    if changed != 1:
        raise AlreadyActivated()
    qualification: Qualification = account.qualification
    quals = await base.qualifications_of(qualification)
    qual_ids = [q.id for q in quals]
    user_id = account.user_id  # type: ignore[attr-defined]
    await Qualification.filter(id__in=qual_ids).update(user_id=user_id)
    reg_ids = await PracticeRegistration.filter(qualification_id__in=qual_ids).values_list("id", flat=True)
    await PracticeRegistration.filter(id__in=list(reg_ids)).update(user_id=user_id)
    await MultiSiteFiling.filter(registration_id__in=list(reg_ids)).update(user_id=user_id)
    await accounts_api.set_identity(
        user_id=user_id,
        real_name=qualification.name,
        id_type=qualification.id_type,
        id_number_enc=qualification.id_number_enc,
        id_number_index=qualification.id_number_index,
        qualification_cert_no=qualification.qualification_cert_no,
    )
    await ActivationCode.filter(user_id=user_id, used_at=None).update(used_at=now)
    await base.sync_affiliation(user_id)
    await audit.record(
        action="registry.account.activated",
        actor_id=actor_id,
        subject_type="user",
        subject_id=str(user_id),
        ip=ip,
        details={"method": method.value},
    )


# ---------------------------------------------------------------- (a) activation code


@dataclass(frozen=True, slots=True)
class CodeResult:
    registration_id: int
    ok: bool
    phone: str | None = None
    expires_at: str | None = None
    code: str | None = None  # error code when not ok
    message: str | None = None


async def _registration_here(institution_id: int, registration_id: int) -> PracticeRegistration:
    reg = await PracticeRegistration.get_or_none(
        id=registration_id, main_institution_id=institution_id, status=RegistrationStatus.ACTIVE
    ).prefetch_related("qualification")
    if reg is None:
        raise NoRegistrationHere()
    return reg


async def _claimant(reg: PracticeRegistration) -> PhysicianAccount:
    """The account that passed the real-name check for this registration's person and is not yet active."""
    quals = await base.qualifications_of(reg.qualification)
    account = (
        await PhysicianAccount.filter(qualification_id__in=[q.id for q in quals])
        .exclude(status=AccountStatus.REVOKED)
        .first()
        .prefetch_related("qualification")
    )
    if account is None:
        raise PhysicianNotVerified()
    if account.status == AccountStatus.ACTIVE:
        raise AlreadyActivated("该医师账户已激活")
    return account


async def generate_codes(
    *, institution_id: int, actor_id: int, registration_ids: list[int], ip: str | None = None
) -> list[CodeResult]:
    """Generate and send (outbox ``registry.activation_code``) one code per physician; each succeeds on its own."""
    results: list[CodeResult] = []
    for registration_id in dict.fromkeys(registration_ids):
        try:
            results.append(await _generate_one(institution_id, actor_id, registration_id, ip))
        except AppError as exc:
            results.append(CodeResult(registration_id=registration_id, ok=False, code=exc.code, message=exc.text))
    return results


async def _generate_one(institution_id: int, actor_id: int, registration_id: int, ip: str | None) -> CodeResult:
    reg = await _registration_here(institution_id, registration_id)
    account = await _claimant(reg)
    user_id: int = account.user_id  # type: ignore[attr-defined]
    person = await accounts_api.person(user_id)
    code = new_code()
    expires = base.now() + CODE_TTL
    inst = await directory_api.institution(institution_id)

    async def tx() -> None:
        # A new code voids the older ones, so only the last SMS works
        await ActivationCode.filter(user_id=user_id, used_at=None).update(used_at=base.now())
        row = await ActivationCode.create(
            user_id=user_id,
            registration_id=reg.id,
            institution_id=institution_id,
            code_hash=_hash(code),
            expires_at=expires,
            created_by_id=actor_id,
        )
        await emit(
            kind=ACTIVATION_EVENT,
            user_id=user_id,
            payload={"code": code, "institution_name": inst.name if inst else "", "expires_at": expires.isoformat()},
            dedupe_key=f"{ACTIVATION_EVENT}:{row.id}",
        )
        await audit.record(
            action="registry.activation_code.generated",
            actor_id=actor_id,
            subject_type="user",
            subject_id=str(user_id),
            ip=ip,
        )

    await run_atomic(tx)
    return CodeResult(
        registration_id=reg.id, ok=True, phone=person.phone_masked if person else None, expires_at=expires.isoformat()
    )


async def activate_with_code(*, user_id: int, code: str, ip: str | None = None) -> dict[str, Any]:
    """激活我的账户: the code my main institution sent me; single use, expiring, five tries an hour."""
    account = await _verified_account(user_id)
    redis = get_redis()
    key = f"registry:activation_tries:{user_id}"
    tries = int(await redis.get(key) or 0)
    if tries >= MAX_CODE_TRIES_PER_HOUR:
        raise TooManyTries(field="code")
    row = await ActivationCode.filter(
        user_id=user_id, code_hash=_hash(code), used_at=None, expires_at__gt=base.now()
    ).first()
    if row is None:
        async with redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, 3600)
            await pipe.execute()
        raise ActivationCodeInvalid(field="code")
    reg = await PracticeRegistration.get(id=row.registration_id)  # type: ignore[attr-defined]

    async def tx() -> None:
        used = await ActivationCode.filter(id=row.id, used_at=None).update(used_at=base.now())
        if used != 1:
            raise ActivationCodeInvalid(field="code")
        await activate(account=account, registration=reg, method=ActivationMethod.CODE, actor_id=user_id, ip=ip)

    await run_atomic(tx)
    await redis.delete(key)
    return await base.my_data(user_id=user_id, ip=ip)


# ---------------------------------------------------------------- (b) direct activation by the institution


async def activate_directly(
    *, institution_id: int, actor_id: int, registration_id: int, ip: str | None = None
) -> dict[str, Any]:
    reg = await _registration_here(institution_id, registration_id)
    account = await _claimant(reg)
    await run_atomic(
        activate, account=account, registration=reg, method=ActivationMethod.INSTITUTION, actor_id=actor_id, ip=ip
    )
    return {"registration_id": reg.id, "user_id": account.user_id, "account_status": AccountStatus.ACTIVE.value}  # type: ignore[attr-defined]


# ---------------------------------------------------------------- (c) self-activation


async def self_activate(*, user_id: int, qualification_cert_no: str, ip: str | None = None) -> dict[str, Any]:
    """Without an active registration (never registered, transferred out, filed, cancelled) or in residency
    training: activate with the qualification certificate number."""
    account = await _verified_account(user_id)
    quals = await base.qualifications_of(account.qualification)
    if qualification_cert_no.strip() not in {q.qualification_cert_no for q in quals}:
        raise CertificateMismatch(field="qualification_cert_no")
    active = await base.active_registration([q.id for q in quals])
    if active is not None and not any(q.residency_training for q in quals):
        raise SelfActivationNotAllowed()
    await run_atomic(
        activate, account=account, registration=active, method=ActivationMethod.SELF, actor_id=user_id, ip=ip
    )
    return await base.my_data(user_id=user_id, ip=ip)


# ---------------------------------------------------------------- revocation


async def revoke(
    *, institution_id: int, actor_id: int, registration_id: int, reason: str, ip: str | None = None
) -> dict[str, Any]:
    """撤销医师账户: unlink a wrongly registered account from our physician's register rows."""
    reg = await _registration_here(institution_id, registration_id)
    quals = await base.qualifications_of(reg.qualification)
    account = (
        await PhysicianAccount.filter(qualification_id__in=[q.id for q in quals])
        .exclude(status=AccountStatus.REVOKED)
        .first()
    )
    if account is None:
        raise PhysicianNotVerified("该医师没有可撤销的账户")
    user_id = account.user_id  # type: ignore[attr-defined]

    async def tx() -> None:
        now = base.now()
        await PhysicianAccount.filter(id=account.id).update(status=AccountStatus.REVOKED, updated_at=now)
        qual_ids = [q.id for q in quals]
        await Qualification.filter(id__in=qual_ids, user_id=user_id).update(user_id=None)
        reg_ids = list(await PracticeRegistration.filter(qualification_id__in=qual_ids).values_list("id", flat=True))
        await PracticeRegistration.filter(id__in=reg_ids, user_id=user_id).update(user_id=None)
        await MultiSiteFiling.filter(registration_id__in=reg_ids, user_id=user_id).update(user_id=None)
        await accounts_api.clear_identity(user_id=user_id)
        await ActivationCode.filter(user_id=user_id, used_at=None).update(used_at=now)
        await scope.clear_affiliation(user_id=user_id)
        await audit.record(
            action="registry.account.revoked",
            actor_id=actor_id,
            subject_type="user",
            subject_id=str(user_id),
            ip=ip,
            details={"reason": reason, "registration_id": reg.id},
        )

    await run_atomic(tx)
    return {"registration_id": reg.id, "user_id": user_id, "account_status": AccountStatus.REVOKED.value}
