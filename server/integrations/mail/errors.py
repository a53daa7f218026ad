"""Errors of the mail integration. ``provider_code`` is the SMTP reply code (an int: 550, 451, 535 …), or None when
no answer came back (connection refused, reset, timed out) or the error was ours.

    ProviderError
    └── MailError                 502 MAIL_SEND_FAILED        any other refusal: sender refused, AUTH failed, TLS
        │                                                     not offered, message rejected (5xx to DATA)
        ├── MailRecipientRefused  422 MAIL_RECIPIENT_REFUSED  5xx to RCPT TO, or an address that is not one
        │                                                     (field "email"); permanent: do not retry
        ├── MailTemporaryFailure  503 MAIL_UNAVAILABLE        any 4xx, no answer, connection refused/reset/timed
        │                                                     out (retryable)
        └── MailNotConfigured     503 MAIL_NOT_CONFIGURED     no SMTP host or sender in the settings
"""

from __future__ import annotations

import smtplib
import ssl

from server.integrations import ProviderError


class MailError(ProviderError):
    code, status, message = "MAIL_SEND_FAILED", 502, "邮件发送失败，请稍后再试"


class MailRecipientRefused(MailError):
    code, status, message = "MAIL_RECIPIENT_REFUSED", 422, "该邮箱地址无法接收邮件，请检查后重试"


class MailTemporaryFailure(MailError):
    code, status, message = "MAIL_UNAVAILABLE", 503, "邮件服务暂时不可用，请稍后再试"
    retryable_by_default = True


class MailNotConfigured(MailError):
    code, status, message = "MAIL_NOT_CONFIGURED", 503, "邮件服务未配置，请联系管理员"


def _text(message: bytes | str) -> str:
    return message.decode("utf-8", "replace") if isinstance(message, bytes) else message


def _by_code(code: int, message: str) -> MailError:
    if 400 <= code < 500:
        return MailTemporaryFailure(provider_code=code, provider_message=message)
    return MailError(provider_code=code, provider_message=message)


def mail_error(exc: Exception) -> MailError:
    """The typed error for what smtplib (or the socket under it) raised."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        # One recipient per message, so one entry: {address: (code, message)}.
        code, message = next(iter(exc.recipients.values()), (None, b"all recipients refused"))
        if code is not None and code >= 500:
            return MailRecipientRefused(provider_code=code, provider_message=_text(message), field="email")
        return MailTemporaryFailure(provider_code=code, provider_message=_text(message))
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return MailTemporaryFailure(provider_message=str(exc) or "server disconnected")
    if isinstance(exc, smtplib.SMTPResponseException):
        # SMTPSenderRefused, SMTPDataError, SMTPAuthenticationError, SMTPConnectError, SMTPHeloError
        return _by_code(exc.smtp_code, _text(exc.smtp_error))
    if isinstance(exc, smtplib.SMTPException):
        # SMTPNotSupportedError (no STARTTLS, no AUTH offered) and the rest: smtplib's errors are OSErrors too, but
        # these are about what the server is, not about a passing failure.
        return MailError(provider_message=f"{type(exc).__name__}: {exc}")
    if isinstance(exc, ssl.SSLCertVerificationError):
        # A certificate that does not verify is a configuration (or an attack), not a passing failure.
        return MailError(provider_message=f"TLS certificate: {exc}")
    if isinstance(exc, OSError):
        # Connection refused or reset, time-out, DNS failure, TLS handshake broken off.
        return MailTemporaryFailure(provider_message=f"{type(exc).__name__}: {exc}")
    return MailError(provider_message=f"{type(exc).__name__}: {exc}")
