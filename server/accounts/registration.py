"""Registration: SMS codes, the agreements a new account accepts, and creating a physician account."""

from __future__ import annotations

import logging

from tortoise.timezone import now

from server.accounts import passwords as pw
from server.accounts import sms
from server.accounts.errors import AgreementOutdated, PhoneTaken
from server.accounts.login import open_login
from server.accounts.models import User
from server.accounts.rules import enforce_password_rules
from server.accounts.sessions import Tokens
from server.accounts.sms import SmsPurpose
from server.common import audit
from server.common.enums import Role
from server.config import get_settings
from server.db import run_atomic

log = logging.getLogger(__name__)


async def send_sms_code(*, phone: str, purpose: SmsPurpose, ip: str | None, user_id: int | None = None) -> None:
    """Count the request against the send limits and answer; whether a code goes out is decided after the answer.

    The request does the same work for every phone (the limits, then a task), so neither its answer nor its timing
    tells whether the phone has an account. The task sends a code only where the purpose fits: ``register`` to a
    phone without an account, ``login`` and ``reset_password`` to a phone with one, ``change_phone`` (signed in) to
    the caller's own number or to a number no account uses. Otherwise nothing is sent (no SMS wasted, and nobody is
    bothered by messages they did not cause): the owner of the phone simply gets no code.
    """
    sms.ensure_configured(purpose)
    await sms.take_send_quota(phone=phone, ip=ip)
    sms.send_later(_send_if_it_fits(phone=phone, purpose=purpose, user_id=user_id))


async def _send_if_it_fits(*, phone: str, purpose: SmsPurpose, user_id: int | None) -> None:
    owner = await User.get_or_none(phone=phone).only("id")
    owner_id = owner.id if owner else None
    exists = owner is not None
    wanted = {
        SmsPurpose.REGISTER: not exists,
        SmsPurpose.LOGIN: exists,
        SmsPurpose.RESET_PASSWORD: exists,
        SmsPurpose.CHANGE_PHONE: user_id is not None and owner_id in (None, user_id),
    }[purpose]
    if not wanted:
        log.info("sms code for %s not sent (purpose does not fit the account state)", purpose.value)
        return
    code = sms.new_code()
    await sms.store_code(purpose=purpose, phone=phone, code=code)
    await sms.deliver_code(purpose=purpose, phone=phone, code=code)


def current_agreements() -> dict[str, str]:
    """The service agreement and privacy policy versions a new account must accept."""
    settings = get_settings()
    return {"agreement_version": settings.agreement_version, "privacy_version": settings.privacy_version}


def check_agreements(agreement_version: str, privacy_version: str) -> None:
    current = current_agreements()
    if agreement_version != current["agreement_version"]:
        raise AgreementOutdated(field="agreement_version", details=current)
    if privacy_version != current["privacy_version"]:
        raise AgreementOutdated(field="privacy_version", details=current)


async def create_user(*, phone: str, password: str | None, agreement_version: str, privacy_version: str) -> User:
    if await User.filter(phone=phone).exists():
        raise PhoneTaken(field="phone")
    return await User.create(
        phone=phone,
        password_hash=await pw.hash_password(password) if password else None,
        role=Role.PHYSICIAN,
        agreement_version=agreement_version,
        privacy_version=privacy_version,
        agreement_accepted_at=now(),
    )


async def register(
    *,
    phone: str,
    sms_code: str,
    password: str,
    agreement_version: str,
    privacy_version: str,
    ip: str | None,
    user_agent: str | None,
) -> Tokens:
    """Create a physician account for a phone proven by an SMS code, and log it in."""
    check_agreements(agreement_version, privacy_version)
    await enforce_password_rules(password, phone=phone, user=None, field="password")
    await sms.verify_code(purpose=SmsPurpose.REGISTER, phone=phone, code=sms_code)

    async def body() -> Tokens:
        user = await create_user(
            phone=phone, password=password, agreement_version=agreement_version, privacy_version=privacy_version
        )
        await audit.record(
            action="account.register", actor_id=user.id, subject_type="user", subject_id=str(user.id), ip=ip
        )
        return await open_login(user, ip=ip, user_agent=user_agent, method="register")

    return await run_atomic(body)
