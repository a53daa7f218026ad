"""E-mail through any SMTP relay with the standard library's smtplib: one connection per message, one recipient.

Synchronous: call ``MailClient.send`` from an executor, or ``await send_mail(...)``. smtplib does not retry, and
neither do we (a retry after a time-out could deliver twice); the caller decides from ``MailError.retryable``.

Security: "ssl" (implicit TLS, usually port 465), "starttls" (plain connect then STARTTLS, usually 587; refused
when the server does not offer it) or "none" (the emulator and a relay on the same host only). Certificates are
verified with the system's trust store.
"""

from __future__ import annotations

import logging
import smtplib
import socket
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import SecretStr

from server.common.masking import mask_email
from server.config import Settings
from server.integrations.mail.errors import MailError, MailNotConfigured, MailRecipientRefused, mail_error

log = logging.getLogger(__name__)

_SHANGHAI = ZoneInfo("Asia/Shanghai")

Security = Literal["none", "starttls", "ssl"]


@dataclass(frozen=True)
class MailConfig:
    host: str
    port: int
    username: str
    password: SecretStr
    sender: str
    sender_name: str = "医师服务"
    security: Security = "none"
    timeout: float = 10.0

    @classmethod
    def from_settings(cls, settings: Settings) -> MailConfig:
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password,
            sender=settings.mail_from,
            sender_name=settings.mail_from_name,
            security=settings.smtp_security,
            timeout=settings.smtp_timeout_s,
        )


@lru_cache(maxsize=1)
def _local_hostname() -> str:
    # smtplib would look the name up again on every connection (a DNS round trip on some hosts).
    return socket.getfqdn()


def _address(value: str) -> Address:
    try:
        address = Address(addr_spec=value.strip())
    except (ValueError, IndexError) as exc:  # email's header parser raises both on garbage
        raise MailRecipientRefused(provider_message=f"not an address: {exc}", field="email") from exc
    if not address.username or not address.domain or "." not in address.domain:
        raise MailRecipientRefused(provider_message="not an address", field="email")
    return address


class MailClient:
    """Synchronous; call it from an executor."""

    def __init__(self, config: MailConfig) -> None:
        self.config = config

    def build(self, to: str, subject: str, text: str) -> EmailMessage:
        """The message as it will be sent: UTF-8 text, the subject and sender name RFC 2047 encoded on the wire."""
        config = self.config
        recipient = _address(to)
        sender = Address(display_name=config.sender_name, addr_spec=config.sender)
        message = EmailMessage()
        message["From"] = sender
        message["To"] = recipient
        message["Subject"] = subject
        message["Date"] = format_datetime(datetime.now(_SHANGHAI))
        message["Message-ID"] = make_msgid(domain=sender.domain)
        message.set_content(text, charset="utf-8")
        return message

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if config.security == "ssl":
            smtp = smtplib.SMTP_SSL(
                config.host, config.port, local_hostname=_local_hostname(), timeout=config.timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(config.host, config.port, local_hostname=_local_hostname(), timeout=config.timeout)
        try:
            if config.security == "starttls":
                smtp.starttls(context=context)
            if config.username:
                smtp.login(config.username, config.password.get_secret_value())
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, to: str, subject: str, text: str) -> str:
        """Send one plain-text message to ``to``; returns its Message-ID (``<…@domain>``)."""
        config = self.config
        if not config.host or not config.sender:
            raise MailNotConfigured(provider_message="SMTP_HOST or MAIL_FROM is empty")
        message = self.build(to, subject, text)
        recipient = str(message["To"].addresses[0].addr_spec)
        try:
            smtp = self._connect()
            try:
                smtp.send_message(message, from_addr=config.sender, to_addrs=[recipient])
            finally:
                try:
                    smtp.quit()
                except (smtplib.SMTPException, OSError):
                    smtp.close()
        except MailError:
            raise
        except (smtplib.SMTPException, OSError) as exc:
            error = mail_error(exc)
            log.warning("mail to %s failed: %s", mask_email(recipient), error)
            raise error from exc
        message_id = str(message["Message-ID"])
        log.info("mail sent to %s (message %s)", mask_email(recipient), message_id)
        return message_id
