"""Password rules: length, the common-passwords list, no personal data in a password, and a strength estimate.

The estimate is zxcvbn's (Dropbox's estimator, maintained on PyPI): it scores 0–4 from the guesses an attacker
would need, knowing dictionaries, keyboard walks, dates, sequences, and the words we give it about the person (phone,
name and its pinyin, ID number, birthday). A password must score at least ``MIN_SCORE``. zxcvbn takes up to 200 ms
on a long password, so it runs on the hashing pool, never on the event loop.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pypinyin import lazy_pinyin
from zxcvbn import zxcvbn

from server.accounts import passwords as pw
from server.accounts.errors import PasswordWeak
from server.accounts.models import User
from server.common import crypto, idcard

log = logging.getLogger(__name__)

PASSWORD_MIN, PASSWORD_MAX = 8, 64
# zxcvbn's 3: "safely unguessable" (about 10^8 guesses and more); 2 and below fall to an online attack with patience.
MIN_SCORE = 3

_ADVICE = "请使用 10 位以上、混合大小写字母、数字和符号的密码，不要用常见单词、连续或重复的字符和键盘顺序"


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


@dataclass(frozen=True, slots=True)
class PersonalData:
    """What a password must not be made of: the person's own phone, name, ID number and birthday."""

    phone: str | None = None
    name: str | None = None
    id_number: str | None = None

    def birthdays(self) -> list[str]:
        """The birthday of an 18-digit ID number as people write it in passwords: 19491231 and 491231."""
        if not self.id_number or len(self.id_number) != 18:
            return []
        born = idcard.birth_date(self.id_number)
        return [f"{born:%Y%m%d}", f"{born:%y%m%d}"] if born else []

    def words(self) -> list[str]:
        """zxcvbn's ``user_inputs``: every way the person's data may appear."""
        words = [w for w in (self.phone, self.id_number) if w]
        if self.id_number:
            words.append(self.id_number[-6:])
        if self.name:
            syllables = [s for s in lazy_pinyin(self.name) if s.isascii() and s.isalpha()]
            words += [self.name, "".join(syllables), *syllables]
            if len(syllables) > 1:  # zhangsf, zsf: the given name's initials, and the whole name's
                words += [syllables[0] + "".join(s[0] for s in syllables[1:]), "".join(s[0] for s in syllables)]
        return [w.lower() for w in words + self.birthdays()]


def _personal_problem(password: str, person: PersonalData) -> str | None:
    lowered = password.lower()
    digits = re.sub(r"\D", "", password)
    phone = person.phone
    if phone and (phone in digits or phone[-6:] in password or phone[-8:] in password):
        return "密码不能包含手机号，请去掉其中的手机号码"
    if person.id_number:
        number = person.id_number.lower()
        last6 = number[-6:]
        if number in lowered or number[:17] in lowered or last6 in lowered or lowered == f"{last6}dk":
            return "密码不能包含身份证号码，请去掉其中的证件号码"
    # At registration nobody's ID number is known yet, but any valid one is public-ish data, never a secret.
    upper = password.upper()
    if any(idcard.is_valid(upper[i : i + 18]) for i in range(len(upper) - 17)):
        return "密码不能包含身份证号码，请去掉其中的证件号码"
    for birthday in person.birthdays():
        if birthday in digits:
            return "密码不能包含出生日期，请去掉其中的生日"
    return None


def _strength_problem(password: str, person: PersonalData) -> dict[str, Any] | None:
    """zxcvbn's verdict; None when strong enough, else the score and what to change, in Chinese."""
    result = zxcvbn(password, user_inputs=person.words(), max_length=PASSWORD_MAX)
    score = int(result["score"])
    if score >= MIN_SCORE:
        return None
    hints: list[str] = []
    for match in result["sequence"]:
        pattern, source = match.get("pattern"), match.get("dictionary_name")
        hint = None
        if pattern == "dictionary" and source == "user_inputs":
            hint = "不要使用姓名、姓名拼音、手机号、证件号码或生日"
        elif pattern == "dictionary":
            hint = "不要使用常见密码、英文单词或人名（如 password、zhang、123456）"
        elif pattern == "spatial":
            hint = "不要使用键盘上相邻的按键顺序（如 qwerty、1q2w3e）"
        elif pattern == "repeat":
            hint = "不要重复同一个字符或片段（如 aaa、abcabc）"
        elif pattern == "sequence":
            hint = "不要使用连续的字母或数字（如 abcd、1234）"
        elif pattern in ("date", "regex"):
            hint = "不要使用日期或年份"
        if hint and hint not in hints:
            hints.append(hint)
    return {"score": score, "hints": hints}


def _check_sync(password: str, person: PersonalData) -> None:
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise PasswordWeak(f"密码长度应为 {PASSWORD_MIN}–{PASSWORD_MAX} 位", details={"reason": "length"})
    lowered = password.lower()
    if lowered in common_passwords() or len(set(password)) <= 2:
        raise PasswordWeak("密码过于常见，请换一个更难猜的密码", details={"reason": "common"})
    personal = _personal_problem(password, person)
    if personal:
        raise PasswordWeak(personal, details={"reason": "personal"})
    weak = _strength_problem(password, person)
    if weak:
        message = "密码太容易被猜到：" + "；".join([*weak["hints"], _ADVICE])
        raise PasswordWeak(message, details={"reason": "weak", **weak})


async def check_password_rules(
    password: str, *, phone: str | None = None, id_number: str | None = None, name: str | None = None
) -> None:
    """Raise PasswordWeak naming why (``details.reason``: length, common, personal, weak); the caller sets the field."""
    number = crypto.normalise_id_number(id_number) if id_number else None
    person = PersonalData(phone=phone, name=name, id_number=number)
    await pw.run_on_hashing_pool(_check_sync, password, person)


async def enforce_password_rules(password: str, *, phone: str | None, user: User | None, field: str) -> None:
    try:
        await check_password_rules(
            password, phone=phone, id_number=identity_number(user), name=user.real_name if user else None
        )
    except PasswordWeak as exc:
        exc.field = field
        raise
