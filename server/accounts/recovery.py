"""Password recovery: a new password by an SMS code or by a code mailed to the security e-mail."""

from __future__ import annotations

import logging

from tortoise.timezone import now

from server.accounts import email_codes, sessions, sms
from server.accounts import passwords as pw
from server.accounts.email_codes import EmailPurpose
from server.accounts.lockout import clear_failures, login_subject
from server.accounts.models import User
from server.accounts.rules import enforce_password_rules
from server.accounts.sms import SmsPurpose
from server.common import audit
from server.db import run_atomic
from server.integrations.mail import MailError

log = logging.getLogger(__name__)


async def reset_password(*, phone: str, sms_code: str, new_password: str, ip: str | None) -> None:
    """Set a new password with a ``reset_password`` SMS code and end every session.

    An unknown phone never got a code, so it fails exactly like a wrong code. The code is checked before the
    password rules (which know the account's ID number and name, so would answer differently for a known phone),
    and used up only once the password passes them: a refused password leaves the code for the next try.
    """
    await sms.verify_code(purpose=SmsPurpose.RESET_PASSWORD, phone=phone, code=sms_code, keep=True)
    user = await User.get_or_none(phone=phone)
    await enforce_password_rules(new_password, phone=phone, user=user, field="new_password")
    await sms.verify_code(purpose=SmsPurpose.RESET_PASSWORD, phone=phone, code=sms_code)
    if user is None:
        return
    await _set_reset_password(user, new_password, ip=ip, via="sms")


async def _set_reset_password(user: User, new_password: str, *, ip: str | None, via: str) -> None:
    """The end of both recoveries: the new password, every session ended, the failure count and lock cleared."""
    new_hash = await pw.hash_password(new_password)

    async def body() -> None:
        await User.filter(id=user.id).update(
            password_hash=new_hash, must_change_password=False, one_time_password_expires_at=None, updated_at=now()
        )
        ended = await sessions.end_user_sessions(user_id=user.id)
        await audit.record(
            action="password.reset", actor_id=user.id, ip=ip, details={"sessions_ended": ended, "via": via}
        )

    await run_atomic(body)
    subject = login_subject(user, "")  # failures are counted per account once the login names one
    await clear_failures(subject)


async def request_reset_by_email(*, email: str, ip: str | None) -> None:
    """Mail a reset code if an account verified ``email``; the answer is the same either way."""
    email = email_codes.normalise(email)
    await email_codes.take_send_quota(email=email, ip=ip)
    if not await User.filter(email=email, email_verified_at__isnull=False).exists():
        log.info("reset e-mail not sent (no account has verified this address)")
        return
    try:
        await email_codes.send_code(purpose=EmailPurpose.RESET_PASSWORD_EMAIL, email=email)
    except MailError as exc:  # an error here would tell a stranger that the address has an account
        log.warning("reset e-mail could not be sent", extra={"code": exc.code})


async def reset_password_by_email(*, email: str, code: str, new_password: str, ip: str | None) -> None:
    """Set a new password with a code mailed to the verified security e-mail, and end every session."""
    email = email_codes.normalise(email)
    # As for SMS: the code first (an unknown address never got one), then the account's own password rules.
    await email_codes.verify_code(purpose=EmailPurpose.RESET_PASSWORD_EMAIL, email=email, code=code, keep=True)
    user = await User.get_or_none(email=email, email_verified_at__isnull=False)
    await enforce_password_rules(new_password, phone=user.phone if user else None, user=user, field="new_password")
    await email_codes.verify_code(purpose=EmailPurpose.RESET_PASSWORD_EMAIL, email=email, code=code)
    if user is None:
        return
    await _set_reset_password(user, new_password, ip=ip, via="email")
