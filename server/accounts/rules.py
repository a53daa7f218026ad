"""Password rules: length, the common-passwords list, no phone or ID number in a password."""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from server.accounts.errors import PasswordWeak
from server.accounts.models import User
from server.common import crypto

log = logging.getLogger(__name__)

PASSWORD_MIN, PASSWORD_MAX = 8, 64


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("common_passwords.txt")
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def identity_number(user: User | None) -> str | None:
    """The user's verified ID number, whole, or None."""
    if user is None or not user.id_number_enc:
        return None
    try:
        return crypto.normalise_id_number(crypto.decrypt(user.id_number_enc, context="id_number"))
    except Exception:  # an undecryptable value must not block a password change
        log.warning("id number of user %s could not be decrypted", user.id)
        return None


def check_password_rules(password: str, *, phone: str | None = None, id_number: str | None = None) -> None:
    """Raise PasswordWeak (field ``field``) naming why; the caller sets the field name."""
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise PasswordWeak(f"密码长度应为 {PASSWORD_MIN}–{PASSWORD_MAX} 位", details={"reason": "length"})
    lowered = password.lower()
    if lowered in common_passwords() or len(set(password)) <= 2:
        raise PasswordWeak("密码过于常见，请换一个更难猜的密码", details={"reason": "common"})
    if phone and (phone[-6:] in password or phone[-8:] in password):
        raise PasswordWeak("密码不能包含手机号", details={"reason": "personal"})
    if id_number:
        last6 = id_number[-6:].lower()
        if last6 in lowered or lowered == f"{last6}dk":
            raise PasswordWeak("密码不能包含身份证号码", details={"reason": "personal"})


def enforce_password_rules(password: str, *, phone: str | None, user: User | None, field: str) -> None:
    try:
        check_password_rules(password, phone=phone, id_number=identity_number(user))
    except PasswordWeak as exc:
        exc.field = field
        raise
