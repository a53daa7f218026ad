"""E-mail (security verification codes, password recovery) through SMTP with the standard library's smtplib.

    message_id = await send_mail(to="a@b.cn", subject="找回密码", text="您的验证码是 123456 …")
    message_id = MailClient(MailConfig.from_settings(get_settings())).send(to, subject, text)   # sync, executor

Settings: SMTP_HOST, SMTP_PORT, SMTP_USERNAME, SMTP_PASSWORD, SMTP_SECURITY, SMTP_TIMEOUT_S, MAIL_FROM,
MAIL_FROM_NAME; in development and tests they point at the SMTP emulator. Errors: ``server.integrations.mail.errors``.
"""

from __future__ import annotations

import asyncio

from server.config import get_settings
from server.integrations.mail.client import MailClient, MailConfig
from server.integrations.mail.errors import MailError, MailNotConfigured, MailRecipientRefused, MailTemporaryFailure


async def send_mail(*, to: str, subject: str, text: str) -> str:
    """Send one plain-text e-mail with the configured relay, off the event loop; returns its Message-ID."""
    client = MailClient(MailConfig.from_settings(get_settings()))
    return await asyncio.to_thread(client.send, to, subject, text)


__all__ = [
    "MailClient",
    "MailConfig",
    "MailError",
    "MailNotConfigured",
    "MailRecipientRefused",
    "MailTemporaryFailure",
    "send_mail",
]
