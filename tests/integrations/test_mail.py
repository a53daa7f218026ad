"""MailClient / send_mail against the SMTP emulator, the errors each failure gives, and the production settings."""

from __future__ import annotations

import email
import email.policy
import uuid
from dataclasses import replace
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from server.config import Settings, get_settings
from server.emulators import DEV_CONFIG, EmulatorServer
from server.integrations import ProviderError
from server.integrations.mail import (
    MailClient,
    MailConfig,
    MailError,
    MailNotConfigured,
    MailRecipientRefused,
    MailTemporaryFailure,
    send_mail,
)
from tests.support.emulators import fault
from tests.support.settings import PRODUCTION

SUBJECT = "【医师服务】找回密码验证码"
TEXT = "您正在通过邮箱找回密码，验证码为 482913，10 分钟内有效。\n非本人操作请忽略本邮件。"


@pytest.fixture()
def config(emulator: EmulatorServer) -> MailConfig:
    return MailConfig(
        host=emulator.host,
        port=emulator.smtp_port,
        username=DEV_CONFIG["smtp_username"],
        password=SecretStr(DEV_CONFIG["smtp_password"]),
        sender=DEV_CONFIG["mail_from"],
        timeout=2.0,
    )


def test_send_delivers_chinese_subject_and_body(emulator: EmulatorServer, config: MailConfig) -> None:
    message_id = MailClient(config).send("doctor@example.cn", SUBJECT, TEXT)
    record = emulator.state.latest_mail("doctor@example.cn")
    assert record is not None
    assert record.message_id == message_id and message_id.endswith("@yishi-dev.invalid>")
    assert (record.subject, record.text) == (SUBJECT, TEXT + "\n")
    assert record.from_header == f"医师服务 <{DEV_CONFIG['mail_from']}>"
    assert (record.mail_from, record.to) == (DEV_CONFIG["mail_from"], ["doctor@example.cn"])


def test_message_on_the_wire_is_ascii_headers_and_utf8_text(config: MailConfig) -> None:
    raw = MailClient(config).build("doctor@example.cn", SUBJECT, TEXT).as_bytes(policy=email.policy.SMTP)
    head = raw.split(b"\r\n\r\n", 1)[0]
    head.decode("ascii")  # RFC 2047 encoded-words, no raw UTF-8 in the headers
    assert b"Subject: =?utf-8?" in head and b"Date: " in head and b"Message-ID: <" in head
    assert b'charset="utf-8"' in head
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Subject"] == SUBJECT and parsed["Date"].datetime.utcoffset().total_seconds() == 8 * 3600
    assert parsed.get_content().replace("\r\n", "\n") == TEXT + "\n"


def test_config_repr_hides_the_password(config: MailConfig) -> None:
    assert DEV_CONFIG["smtp_password"] not in repr(config)


@pytest.mark.parametrize("to", ["not-an-address", "a@b", "a@example.cn\r\nBcc: x@example.cn", ""])
def test_bad_address_is_refused_before_connecting(emulator: EmulatorServer, config: MailConfig, to: str) -> None:
    with pytest.raises(MailRecipientRefused) as caught:
        MailClient(config).send(to, SUBJECT, TEXT)
    assert (caught.value.provider_code, caught.value.field, caught.value.status) == (None, "email", 422)
    assert emulator.state.call_count("smtp.RCPT") == 0 and emulator.state.mails == []


def test_recipient_refused_is_permanent(emulator: EmulatorServer, config: MailConfig) -> None:
    fault(emulator, "smtp.RCPT", 550)
    with pytest.raises(MailRecipientRefused) as caught:
        MailClient(config).send("gone@example.cn", SUBJECT, TEXT)
    error = caught.value
    assert isinstance(error, MailError) and isinstance(error, ProviderError)
    assert (error.provider_code, error.retryable, error.status, error.field) == (550, False, 422, "email")
    assert error.to_dict()["error"]["code"] == "MAIL_RECIPIENT_REFUSED"
    assert emulator.state.mails == []


@pytest.mark.parametrize("target", ["smtp.RCPT", "smtp.DATA"])
def test_4xx_is_a_temporary_failure(emulator: EmulatorServer, config: MailConfig, target: str) -> None:
    fault(emulator, target, 451)
    with pytest.raises(MailTemporaryFailure) as caught:
        MailClient(config).send("doctor@example.cn", SUBJECT, TEXT)
    assert (caught.value.provider_code, caught.value.retryable, caught.value.code) == (451, True, "MAIL_UNAVAILABLE")
    assert emulator.state.mails == []
    MailClient(config).send("doctor@example.cn", SUBJECT, TEXT)  # the relay is fine again
    assert len(emulator.state.mails) == 1


@pytest.mark.parametrize(
    ("change", "provider_code"),
    [
        ({"password": SecretStr("wrong")}, 535),
        ({"sender": "someone@elsewhere.cn"}, 553),
        ({"security": "starttls"}, None),  # the emulator offers no STARTTLS: never fall back to plain text
    ],
)
def test_permanent_refusals_are_mail_errors(
    emulator: EmulatorServer, config: MailConfig, change: dict[str, Any], provider_code: int | None
) -> None:
    with pytest.raises(MailError) as caught:
        MailClient(replace(config, **change)).send("doctor@example.cn", SUBJECT, TEXT)
    assert type(caught.value) is MailError
    assert (caught.value.provider_code, caught.value.retryable) == (provider_code, False)
    assert emulator.state.mails == []


def test_rejected_message_is_a_mail_error(emulator: EmulatorServer, config: MailConfig) -> None:
    fault(emulator, "smtp.DATA", 554)
    with pytest.raises(MailError) as caught:
        MailClient(config).send("doctor@example.cn", SUBJECT, TEXT)
    assert type(caught.value) is MailError and caught.value.provider_code == 554


def test_no_server_is_a_temporary_failure(config: MailConfig, closed_port: str, black_hole: str) -> None:
    for address in (closed_port, black_hole):  # refused at once / accepted and never answered
        host, port = address.split(":")
        with pytest.raises(MailTemporaryFailure) as caught:
            MailClient(replace(config, host=host, port=int(port), timeout=0.5)).send("a@example.cn", SUBJECT, TEXT)
        assert caught.value.provider_code is None and caught.value.retryable


@pytest.mark.parametrize("change", [{"host": ""}, {"sender": ""}])
def test_not_configured(config: MailConfig, change: dict[str, str]) -> None:
    with pytest.raises(MailNotConfigured) as caught:
        MailClient(replace(config, **change)).send("a@example.cn", SUBJECT, TEXT)
    assert caught.value.code == "MAIL_NOT_CONFIGURED"


async def test_send_mail_uses_the_settings(emulators: EmulatorServer) -> None:
    config = MailConfig.from_settings(get_settings())
    assert (config.host, config.port, config.sender_name) == ("127.0.0.1", emulators.smtp_port, "医师服务")
    to = f"{uuid.uuid4().hex[:12]}@example.cn"  # the session's emulators are shared: an address of our own
    message_id = await send_mail(to=to, subject="邮箱验证码", text="您的邮箱验证码为 135790。")
    record = emulators.state.latest_mail(to)
    assert record is not None and record.message_id == message_id
    assert (record.subject, record.text) == ("邮箱验证码", "您的邮箱验证码为 135790。\n")


# ---- production settings --------------------------------------------------------------------------------------


def test_production_accepts_a_real_relay() -> None:
    relay = Settings(  # type: ignore[arg-type]
        **PRODUCTION,
        smtp_host="smtp.exmail.qq.com",
        smtp_port=465,
        smtp_security="ssl",
        smtp_username="noreply@yishi.example.cn",
        smtp_password="p" * 20,
    )
    assert MailConfig.from_settings(relay).security == "ssl"
    Settings(**PRODUCTION)  # type: ignore[arg-type]  # a relay on this host, no AUTH


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"mail_from": DEV_CONFIG["mail_from"]}, "MAIL_FROM"),
        ({"mail_from": "nobody"}, "MAIL_FROM"),
        ({"smtp_host": ""}, "SMTP_HOST"),
        ({"smtp_username": DEV_CONFIG["smtp_username"], "smtp_password": "p" * 20}, "SMTP_USERNAME"),
        ({"smtp_username": "relay-user", "smtp_password": DEV_CONFIG["smtp_password"]}, "SMTP_PASSWORD"),
        ({"smtp_username": "relay-user"}, "SMTP_PASSWORD"),
        ({"smtp_host": "smtp.exmail.qq.com", "smtp_security": "none"}, "SMTP_SECURITY"),
    ],
)
def test_production_refuses_the_emulator_and_clear_text(change: dict[str, str], named: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(**{**PRODUCTION, **change})  # type: ignore[arg-type]
    assert named in str(caught.value)
