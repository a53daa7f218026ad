"""Binding the app account to the assessment record (定考账号绑定) with a one-time initial credential."""

from __future__ import annotations

import secrets
from datetime import timedelta

from server.accounts import api as accounts_api
from server.assessment.cycles import utcnow
from server.assessment.errors import (
    AccountHidden,
    AlreadyBound,
    BindingFailed,
    BindingRateLimited,
    CredentialExpired,
    IdentityMismatch,
    NotBound,
)
from server.assessment.models import (
    Assessment,
    AssessmentAccount,
)
from server.common import audit, crypto, scope
from server.common.outbox import emit
from server.db import run_atomic
from server.redis import get_redis
from server.registry import api as registry_api

CREDENTIAL_TTL = timedelta(days=7)
_CREDENTIAL_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"


def new_credential() -> str:
    return "".join(secrets.choice(_CREDENTIAL_ALPHABET) for _ in range(10))


BIND_FAILURES_MAX = 10
BIND_FAILURES_WINDOW_S = 3600
_BIND_FAIL_KEY = "assessment:bind:fail:{user_id}"


def binding_failed() -> BindingFailed:
    # The same answer whatever was wrong; what to check next is the legacy guidance, the same for everyone
    return BindingFailed(details={"guidance": list(registry_api.NOT_FOUND_GUIDANCE)})


async def _check_bind_attempts(user_id: int) -> None:
    # Each attempt costs an argon2 verification: cap failures per app account so guessing is slow and cheap to refuse
    failures = await get_redis().get(_BIND_FAIL_KEY.format(user_id=user_id))
    if failures is not None and int(failures) >= BIND_FAILURES_MAX:
        raise BindingRateLimited()


async def _count_bind_failure(user_id: int) -> None:
    key = _BIND_FAIL_KEY.format(user_id=user_id)
    async with get_redis().pipeline(transaction=True) as pipe:
        pipe.incr(key)
        pipe.expire(key, BIND_FAILURES_WINDOW_S)
        await pipe.execute()


async def bind(
    *,
    user_id: int,
    session_id: str,
    province_code: str,
    id_number: str,
    name: str,
    credential: str,
    new_password: str,
    document_type: str = "resident_id",
    ip: str | None = None,
) -> AssessmentAccount:
    """Bind the app account to the assessment record with the one-time initial credential; sets a new password.

    The record is found by the document's number and must have been issued for that document type."""
    if await AssessmentAccount.filter(user_id=user_id).exists():
        raise AlreadyBound()
    await _check_bind_attempts(user_id)
    id_number = crypto.normalise_id_number(id_number)
    account = await AssessmentAccount.get_or_none(
        province_code=province_code, id_number_index=crypto.blind_index(id_number)
    )
    if (
        account is None
        or account.name != name.strip()
        or account.document_type != str(document_type)
        or not account.credential_hash
    ):
        await accounts_api.hash_password(credential)  # same time whether or not the record exists
        await _count_bind_failure(user_id)
        raise binding_failed()
    if not await accounts_api.verify_password(account.credential_hash, credential):
        await _count_bind_failure(user_id)
        raise binding_failed()
    if account.is_hidden:
        raise AccountHidden()
    if account.credential_used_at is not None or (
        account.credential_expires_at is not None and account.credential_expires_at <= utcnow()
    ):
        raise CredentialExpired()
    # Identity re-check: an app account that went through real-name verification must be this very person
    own_id = await accounts_api.id_number_of(user_id)
    if own_id is not None and own_id != id_number:
        raise IdentityMismatch(field="id_number")
    new_hash = await accounts_api.new_password_hash(
        user_id=user_id, password=new_password, id_number=id_number, field="new_password"
    )
    previous_user_id = account.user_id  # type: ignore[attr-defined]

    async def tx() -> None:
        now = utcnow()
        changed = await AssessmentAccount.filter(
            id=account.id, credential_hash=account.credential_hash, credential_used_at__isnull=True
        ).update(user_id=user_id, bound_at=now, credential_used_at=now, credential_hash=None, updated_at=now)
        if changed != 1:
            raise CredentialExpired()
        if await AssessmentAccount.filter(user_id=user_id).exclude(id=account.id).exists():
            raise AlreadyBound()
        await Assessment.filter(account_id=account.id).update(user_id=user_id, updated_at=now)
        # Where this physician belongs, until (or unless) the registry has its own answer
        await scope.set_affiliation(
            user_id=user_id,
            institution_id=account.institution_id,  # type: ignore[attr-defined]
            region_code=account.region_code,
            source=scope.ASSESSMENT,
        )
        ended = await accounts_api.set_password_hash(
            user_id=user_id, password_hash=new_hash, keep_session_id=session_id
        )
        await audit.record(
            action="assessment.bind",
            actor_id=user_id,
            subject_type="assessment_account",
            subject_id=str(account.id),
            ip=ip,
            details={"previous_user_id": previous_user_id, "sessions_ended": ended, "password_changed": True},
        )
        await emit(
            kind="account.security",
            user_id=user_id,
            payload={"action": "assessment_bound", "password_changed": True},
        )

    await run_atomic(tx)
    return await AssessmentAccount.get(id=account.id)


async def unbind(
    *,
    user_id: int,
    id_number: str,
    name: str,
    password: str,
    document_type: str = "resident_id",
    ip: str | None = None,
) -> None:
    """Release the binding after re-checking identity (document, name) and the account password."""
    account = await AssessmentAccount.get_or_none(user_id=user_id)
    if account is None:
        raise NotBound()
    if (
        account.id_number_index != crypto.blind_index(id_number)
        or account.name != name.strip()
        or account.document_type != str(document_type)
    ):
        raise IdentityMismatch()
    if not await accounts_api.check_password(user_id=user_id, password=password):
        raise accounts_api.OldPasswordWrong("登录密码不正确", field="password")

    async def tx() -> None:
        now = utcnow()
        await AssessmentAccount.filter(id=account.id, user_id=user_id).update(
            user_id=None, bound_at=None, updated_at=now
        )
        await audit.record(
            action="assessment.unbind",
            actor_id=user_id,
            subject_type="assessment_account",
            subject_id=str(account.id),
            ip=ip,
        )

    await run_atomic(tx)
