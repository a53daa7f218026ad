"""A loopback SMTP server that accepts mail like a provider's relay, so the real smtplib client runs in dev and tests
and the e-mail a person would receive is readable (log line, ``/_emulator/mail``, ``EmulatorState.latest_mail``).

It is aiosmtpd's threaded ``Controller`` (its own thread and event loop), started and stopped by ``EmulatorServer``.
What it checks, as a relay does: AUTH (PLAIN/LOGIN, over plain text since it only listens on loopback) with the
development credentials when the client logs in, and that the sender is the development sender (553 otherwise).
Faults: ``smtp.RCPT`` / ``smtp.DATA`` make the next RCPT TO / end of DATA answer with the injected reply code.
"""

from __future__ import annotations

import email
import email.policy
import logging
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from server.emulators.state import EmulatorState, MailRecord

mail_log = logging.getLogger("emulator.mail")


def _not_login_data_warning(record: logging.LogRecord) -> bool:
    return "login_data is deprecated" not in record.getMessage()


# aiosmtpd logs every connection at INFO, and warns on every successful AUTH that a field it sets itself is
# deprecated: noise in a developer's console. Its real warnings and errors still come through.
_aiosmtpd_log = logging.getLogger("mail.log")
_aiosmtpd_log.setLevel(logging.WARNING)
_aiosmtpd_log.addFilter(_not_login_data_warning)

# What a real relay says for the codes a test usually injects; any other 4xx/5xx gets a generic text.
_FAULT_TEXT = {
    421: "4.3.2 Service not available, closing transmission channel",
    450: "4.2.1 Mailbox temporarily unavailable",
    451: "4.3.0 Local error in processing, try again later",
    452: "4.3.1 Insufficient system storage",
    550: "5.1.1 Mailbox unavailable: no such user",
    552: "5.3.4 Message size exceeds fixed limit",
    553: "5.1.3 Mailbox name not allowed",
    554: "5.7.1 Message rejected as spam",
}


def _fault_reply(code: str) -> str:
    number = int(code)
    text = _FAULT_TEXT.get(number, f"{number // 100}.0.0 Emulated failure")
    return f"{number} {text} (emulated)"


def _text_body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = part.get_content()
    text = content if isinstance(content, str) else content.decode("utf-8", "replace")
    return text.replace("\r\n", "\n")


class SmtpHandler:
    """aiosmtpd handler: the checks and the recording; every hook runs in the controller's loop thread."""

    def __init__(self, state: EmulatorState, *, sender: str, username: str, password: str, log_mail: bool) -> None:
        self.state = state
        self.sender = sender.lower()
        self.username = username
        self.password = password
        self.log_mail = log_mail

    def authenticate(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any) -> Any:
        ok = (
            isinstance(data, LoginPassword)
            and data.login.decode("utf-8", "replace") == self.username
            and data.password.decode("utf-8", "replace") == self.password
        )
        return AuthResult(success=ok, handled=False)

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, mail_options: list[str]
    ) -> str:
        if address.lower() != self.sender:
            return "553 5.7.1 Sender address rejected: not owned by the authenticated user"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        self.state.count_call("smtp.RCPT")
        fault = self.state.take_fault("smtp.RCPT")
        if fault:
            return _fault_reply(fault.code)
        if "@" not in address:
            return "501 5.1.3 Bad recipient address syntax"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.state.count_call("smtp.DATA")
        fault = self.state.take_fault("smtp.DATA")
        if fault:
            return _fault_reply(fault.code)
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        record = MailRecord(
            mail_from=envelope.mail_from or "",
            to=list(envelope.rcpt_tos),
            from_header=str(message.get("From", "")),
            subject=str(message.get("Subject", "")),
            text=_text_body(message),
            message_id=str(message.get("Message-ID", "")),
            at=self.state.stamp(),
        )
        self.state.record_mail(record)
        if self.log_mail:
            mail_log.info("邮件 → %s：%s｜%s", ", ".join(record.to), record.subject, " ".join(record.text.split()))
        return "250 2.0.0 Message accepted for delivery"


class _Controller(Controller):
    def _trigger_server(self) -> None:
        # With port 0 the kernel picks the port: read it back before Controller connects to itself.
        sockets = getattr(self.server, "sockets", None)  # asyncio.Server's, not on the AbstractServer type
        if sockets:
            self.port = sockets[0].getsockname()[1]
        super()._trigger_server()


class SmtpEmulator:
    """The SMTP emulator on ``host:port`` (0 picks a free port; read ``port`` after ``start()``)."""

    def __init__(
        self,
        state: EmulatorState,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        sender: str,
        username: str,
        password: str,
        log_mail: bool = True,
    ) -> None:
        self.host = host
        self.handler = SmtpHandler(state, sender=sender, username=username, password=password, log_mail=log_mail)
        self._controller = _Controller(
            self.handler,
            hostname=host,
            port=port,
            server_hostname="smtp.emulator.invalid",  # no DNS look-up for the greeting
            authenticator=self.handler.authenticate,
            auth_require_tls=False,  # loopback only; production mail goes over TLS (SMTP_SECURITY)
            timeout=30,
        )
        self._running = False

    @property
    def port(self) -> int:
        if not self._running:
            raise RuntimeError("SMTP emulator not started")
        return int(self._controller.port)

    def start(self) -> None:
        self._controller.start()
        self._running = True

    def stop(self) -> None:
        if self._running:
            self._running = False
            self._controller.stop()
