"""What the emulators remember: issued codes and tokens, subscriptions, every delivered message, injected faults.

One lock guards everything. The HTTP server answers from many threads at once and tests read the same state from
the main thread, so every public method takes the lock and every list it hands out is a copy.

Time: business lifetimes (login codes, phone codes, access tokens) are measured on ``now()``, which is the wall
clock plus an offset that :meth:`EmulatorState.advance_time` moves forward, so a test or a developer can let a code
expire without waiting five minutes. Aliyun request timestamps are checked against the real clock, because that
check is about the caller's clock, not about business time.
"""

from __future__ import annotations

import base64
import secrets
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

LOGIN_CODE_TTL = 300
PHONE_CODE_TTL = 300
ACCESS_TOKEN_TTL = 7200
# WeChat keeps the previous access_token usable for five minutes after a new one is issued.
ACCESS_TOKEN_GRACE = 300
NONCE_TTL = 15 * 60

FAULT_TARGETS = frozenset(
    {
        "aliyun.SendSms",
        "aliyun.Push",
        "aliyun.MassPush",
        "wechat.subscribe",
        "wechat.token",
        "wechat.jscode2session",
        "wechat.phone",
        # SMTP: the fault's code is the reply code (e.g. 550, 451) of the next RCPT TO or end of DATA.
        "smtp.RCPT",
        "smtp.DATA",
    }
)


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class SmsRecord:
    phone: str
    template_code: str
    params: dict[str, str]
    text: str
    sign_name: str
    biz_id: str
    at: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SubscribeMessageRecord:
    openid: str
    template_id: str
    page: str | None
    data: dict[str, str]
    miniprogram_state: str
    lang: str
    at: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class PushRecord:
    message_id: str
    app_key: str
    target: str
    target_value: str
    push_type: str
    device_type: str
    title: str
    body: str
    extras: dict[str, Any]
    at: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class MailRecord:
    """One message the SMTP emulator accepted: the envelope, and the headers and text body decoded."""

    mail_from: str
    to: list[str]
    from_header: str
    subject: str
    text: str
    message_id: str
    at: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Fault:
    code: str
    times: int
    http_status: int | None = None


@dataclass
class _LoginCode:
    openid: str
    unionid: str | None
    session_key: str
    expires_at: float
    used: bool = False


@dataclass
class _PhoneCode:
    phone: str
    expires_at: float
    used: bool = False


@dataclass
class _Token:
    value: str
    expires_at: float


@dataclass
class _Store:
    sms: list[SmsRecord] = field(default_factory=list)
    subscribe_messages: list[SubscribeMessageRecord] = field(default_factory=list)
    pushes: list[PushRecord] = field(default_factory=list)
    mails: list[MailRecord] = field(default_factory=list)
    faults: dict[str, list[Fault]] = field(default_factory=dict)
    latency: dict[str, float] = field(default_factory=dict)
    login_codes: dict[str, _LoginCode] = field(default_factory=dict)
    phone_codes: dict[str, _PhoneCode] = field(default_factory=dict)
    tokens: dict[str, _Token] = field(default_factory=dict)
    latest_token: str | None = None
    subscriptions: Counter[tuple[str, str]] = field(default_factory=Counter)
    nonces: dict[str, float] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)
    time_offset: float = 0.0


def new_openid() -> str:
    # Real openids are 28 characters starting with "o"; url-safe base64 gives the same alphabet.
    return "o" + secrets.token_urlsafe(20)[:27]


class EmulatorState:
    """Thread-safe memory of one emulator server."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._s = _Store()

    # ---- time -------------------------------------------------------------------------------------------------
    def now(self) -> float:
        with self._lock:
            return time.time() + self._s.time_offset

    def advance_time(self, seconds: float) -> float:
        """Move business time forward (codes and tokens expire); returns the total offset."""
        with self._lock:
            self._s.time_offset += seconds
            return self._s.time_offset

    def stamp(self) -> str:
        return _iso(self.now())

    # ---- records ----------------------------------------------------------------------------------------------
    @property
    def sms(self) -> list[SmsRecord]:
        """Every accepted SMS, oldest first."""
        with self._lock:
            return list(self._s.sms)

    @property
    def subscribe_messages(self) -> list[SubscribeMessageRecord]:
        with self._lock:
            return list(self._s.subscribe_messages)

    @property
    def pushes(self) -> list[PushRecord]:
        with self._lock:
            return list(self._s.pushes)

    @property
    def mails(self) -> list[MailRecord]:
        """Every accepted e-mail, oldest first."""
        with self._lock:
            return list(self._s.mails)

    def sms_to(self, phone: str | None = None) -> list[SmsRecord]:
        """SMS sent to ``phone`` (all when None), newest first."""
        with self._lock:
            return [r for r in reversed(self._s.sms) if phone is None or r.phone == phone]

    def latest_sms(self, phone: str) -> SmsRecord | None:
        found = self.sms_to(phone)
        return found[0] if found else None

    def messages_to(self, openid: str | None = None) -> list[SubscribeMessageRecord]:
        """Subscribe messages delivered to ``openid`` (all when None), newest first."""
        with self._lock:
            return [r for r in reversed(self._s.subscribe_messages) if openid is None or r.openid == openid]

    def mails_to(self, address: str | None = None) -> list[MailRecord]:
        """E-mail whose envelope names ``address`` (case-insensitive; all when None), newest first."""
        wanted = address.strip().lower() if address else None
        with self._lock:
            return [r for r in reversed(self._s.mails) if wanted is None or wanted in (t.lower() for t in r.to)]

    def latest_mail(self, address: str) -> MailRecord | None:
        found = self.mails_to(address)
        return found[0] if found else None

    def record_mail(self, record: MailRecord) -> None:
        with self._lock:
            self._s.mails.append(record)

    def record_sms(self, record: SmsRecord) -> None:
        with self._lock:
            self._s.sms.append(record)

    def record_subscribe_message(self, record: SubscribeMessageRecord) -> None:
        with self._lock:
            self._s.subscribe_messages.append(record)

    def record_push(self, record: PushRecord) -> None:
        with self._lock:
            self._s.pushes.append(record)

    # ---- call counts ------------------------------------------------------------------------------------------
    def count_call(self, name: str) -> None:
        with self._lock:
            self._s.calls[name] += 1

    def call_count(self, name: str) -> int:
        """How many requests reached endpoint ``name`` (e.g. "wechat.token", "aliyun.SendSms")."""
        with self._lock:
            return self._s.calls[name]

    def calls(self) -> dict[str, int]:
        with self._lock:
            return dict(self._s.calls)

    # ---- faults -----------------------------------------------------------------------------------------------
    def add_fault(self, target: str, code: str | int, times: int = 1, http_status: int | None = None) -> None:
        """Make the next ``times`` calls to ``target`` fail with the provider's ``code``."""
        if target not in FAULT_TARGETS:
            raise ValueError(f"unknown fault target {target!r}; known: {sorted(FAULT_TARGETS)}")
        if times < 1:
            raise ValueError("times must be at least 1")
        if target.startswith("smtp.") and not (str(code).isdigit() and 400 <= int(code) <= 599):
            raise ValueError("an SMTP fault's code is a 4xx or 5xx reply code, e.g. 550 or 451")
        with self._lock:
            self._s.faults.setdefault(target, []).append(Fault(str(code), times, http_status))

    def take_fault(self, target: str) -> Fault | None:
        with self._lock:
            queue = self._s.faults.get(target)
            if not queue:
                return None
            fault = queue[0]
            fault.times -= 1
            if fault.times <= 0:
                queue.pop(0)
            return Fault(fault.code, 1, fault.http_status)

    def set_latency(self, target: str, seconds: float) -> None:
        """Make every call to ``target`` (a fault target) take ``seconds`` longer: a slow provider."""
        if target not in FAULT_TARGETS:
            raise ValueError(f"unknown latency target {target!r}; known: {sorted(FAULT_TARGETS)}")
        if not 0 <= seconds <= 60:
            raise ValueError("latency is 0 to 60 seconds")
        with self._lock:
            self._s.latency[target] = float(seconds)

    def latency(self, target: str) -> float:
        with self._lock:
            return self._s.latency.get(target, 0.0)

    def pending_faults(self) -> dict[str, list[dict[str, Any]]]:
        with self._lock:
            return {t: [asdict(f) for f in q] for t, q in self._s.faults.items() if q}

    # ---- WeChat login codes -----------------------------------------------------------------------------------
    def issue_login_code(self, openid: str | None = None, unionid: str | None = None) -> dict[str, Any]:
        """What ``wx.login()`` hands the mini-program: a single-use code for this (or a fresh) openid."""
        code = secrets.token_urlsafe(24)
        entry = _LoginCode(
            openid=openid or new_openid(),
            unionid=unionid,
            session_key=base64.b64encode(secrets.token_bytes(16)).decode(),
            expires_at=self.now() + LOGIN_CODE_TTL,
        )
        with self._lock:
            self._s.login_codes[code] = entry
        return {"code": code, "openid": entry.openid, "unionid": entry.unionid}

    def redeem_login_code(self, code: str) -> tuple[str, _LoginCode | None]:
        """("ok", entry) | ("used", None) | ("invalid", None); expired codes are invalid, as on WeChat."""
        with self._lock:
            entry = self._s.login_codes.get(code)
            if entry is None or entry.expires_at <= self.now():
                return "invalid", None
            if entry.used:
                return "used", None
            entry.used = True
            return "ok", entry

    # ---- WeChat phone codes -----------------------------------------------------------------------------------
    def issue_phone_code(self, phone: str) -> str:
        """What the getPhoneNumber button hands the mini-program: a single-use code for ``phone``."""
        code = secrets.token_hex(32)
        with self._lock:
            self._s.phone_codes[code] = _PhoneCode(phone=phone, expires_at=self.now() + PHONE_CODE_TTL)
        return code

    def redeem_phone_code(self, code: str) -> str | None:
        with self._lock:
            entry = self._s.phone_codes.get(code)
            if entry is None or entry.used or entry.expires_at <= self.now():
                return None
            entry.used = True
            return entry.phone

    # ---- WeChat access tokens ---------------------------------------------------------------------------------
    def issue_access_token(self, *, reuse_current: bool = False) -> tuple[str, int]:
        """A new access_token (the previous one keeps ``ACCESS_TOKEN_GRACE`` seconds), or the current one when
        ``reuse_current`` (stable_token without force_refresh). Returns (token, expires_in)."""
        with self._lock:
            now = self.now()
            current = self._s.tokens.get(self._s.latest_token or "")
            if reuse_current and current and current.expires_at > now:
                return current.value, int(current.expires_at - now)
            if current:
                current.expires_at = min(current.expires_at, now + ACCESS_TOKEN_GRACE)
            value = secrets.token_urlsafe(96)
            self._s.tokens[value] = _Token(value, now + ACCESS_TOKEN_TTL)
            self._s.latest_token = value
            # Forget tokens that expired long ago so a long dev session does not grow without bound.
            for key in [k for k, t in self._s.tokens.items() if t.expires_at < now - 86400]:
                del self._s.tokens[key]
            return value, ACCESS_TOKEN_TTL

    def check_access_token(self, token: str | None) -> str:
        """Verdict on a token: "ok", "expired" (42001) or "invalid" (40001)."""
        with self._lock:
            entry = self._s.tokens.get(token or "")
            if entry is None:
                return "invalid"
            if entry.expires_at <= self.now():
                return "expired"
            return "ok"

    def expire_access_tokens(self, token: str | None = None) -> int:
        """Expire one token (or all); returns how many. WeChat then answers 42001."""
        with self._lock:
            now = self.now()
            hit = 0
            for entry in self._s.tokens.values():
                if token is None or entry.value == token:
                    entry.expires_at = min(entry.expires_at, now)
                    hit += 1
            return hit

    # ---- subscriptions ----------------------------------------------------------------------------------------
    def grant_subscription(self, openid: str, template_id: str, count: int = 1) -> int:
        """What ``wx.requestSubscribeMessage`` accepted by the user gives: ``count`` more sends. Returns the total."""
        with self._lock:
            self._s.subscriptions[(openid, template_id)] += count
            return self._s.subscriptions[(openid, template_id)]

    def remaining_subscriptions(self, openid: str, template_id: str) -> int:
        with self._lock:
            return self._s.subscriptions[(openid, template_id)]

    def consume_subscription(self, openid: str, template_id: str) -> bool:
        with self._lock:
            key = (openid, template_id)
            if self._s.subscriptions[key] <= 0:
                return False
            self._s.subscriptions[key] -= 1
            return True

    # ---- Aliyun nonces ----------------------------------------------------------------------------------------
    def use_nonce(self, nonce: str) -> bool:
        """False when the nonce was seen in the last 15 minutes."""
        with self._lock:
            now = time.time()
            if len(self._s.nonces) > 10000:
                self._s.nonces = {n: t for n, t in self._s.nonces.items() if t > now - NONCE_TTL}
            seen = self._s.nonces.get(nonce)
            if seen is not None and seen > now - NONCE_TTL:
                return False
            self._s.nonces[nonce] = now
            return True

    # ---- everything -------------------------------------------------------------------------------------------
    def reset(self) -> None:
        """Forget everything: records, codes, tokens, subscriptions, nonces, faults, latencies, counts, time travel."""
        with self._lock:
            self._s = _Store()
