"""The SMTP emulator, spoken to with the raw standard-library client: what it records, checks, exposes and breaks."""

from __future__ import annotations

import logging
import smtplib
import socket
from email.message import EmailMessage

import pytest

from server.emulators import DEV_CONFIG, EmulatorServer
from tests.support.emulators import fault, http

SENDER = DEV_CONFIG["mail_from"]
TEXT = "您的验证码是 123456，10 分钟内有效。"


def message(to: str, subject: str = "找回密码验证码", text: str = TEXT) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = f"医师服务 <{SENDER}>"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = "<m1@yishi-dev.invalid>"
    msg.set_content(text)
    return msg


def send(emulator: EmulatorServer, msg: EmailMessage, *, sender: str = SENDER, password: str | None = None) -> None:
    with smtplib.SMTP(emulator.host, emulator.smtp_port, timeout=5) as smtp:
        smtp.login(DEV_CONFIG["smtp_username"], password or DEV_CONFIG["smtp_password"])
        smtp.send_message(msg, from_addr=sender)


def test_received_mail_is_recorded_decoded(emulator: EmulatorServer) -> None:
    send(emulator, message("doctor@example.cn"))
    record = emulator.state.latest_mail("Doctor@Example.cn")  # addresses compare case-insensitively
    assert record is not None
    assert (record.mail_from, record.to) == (SENDER, ["doctor@example.cn"])
    assert record.subject == "找回密码验证码"
    assert record.text == "您的验证码是 123456，10 分钟内有效。\n"
    assert record.from_header == f"医师服务 <{SENDER}>"
    assert record.message_id == "<m1@yishi-dev.invalid>"
    assert emulator.state.latest_mail("other@example.cn") is None


def test_admin_lists_mail_newest_first_by_address_and_reset_forgets(emulator: EmulatorServer) -> None:
    send(emulator, message("a@example.cn", subject="第一封"))
    send(emulator, message("b@example.cn", subject="别人的"))
    send(emulator, message("a@example.cn", subject="第二封"))
    status, listed = http(emulator, "GET", "/_emulator/mail?to=a@example.cn")
    assert status == 200
    assert [m["subject"] for m in listed] == ["第二封", "第一封"]
    assert set(listed[0]) >= {"mail_from", "to", "from_header", "subject", "text", "message_id", "at"}
    assert len(http(emulator, "GET", "/_emulator/mail")[1]) == 3
    page = http(emulator, "GET", "/_emulator/")[1]
    assert "第二封" in page and "a@example.cn" in page

    assert http(emulator, "POST", "/_emulator/reset", {})[0] == 200
    assert emulator.state.mails == []
    assert http(emulator, "GET", "/_emulator/mail")[1] == []


def test_sender_other_than_the_dev_sender_is_refused(emulator: EmulatorServer) -> None:
    with pytest.raises(smtplib.SMTPSenderRefused) as caught:
        send(emulator, message("a@example.cn"), sender="someone@elsewhere.cn")
    assert caught.value.smtp_code == 553
    assert emulator.state.mails == []


def test_wrong_password_is_refused(emulator: EmulatorServer) -> None:
    with pytest.raises(smtplib.SMTPAuthenticationError) as caught:
        send(emulator, message("a@example.cn"), password="wrong")
    assert caught.value.smtp_code == 535
    assert emulator.state.mails == []


def test_rcpt_fault_refuses_then_heals(emulator: EmulatorServer) -> None:
    fault(emulator, "smtp.RCPT", 550)
    with pytest.raises(smtplib.SMTPRecipientsRefused) as caught:
        send(emulator, message("a@example.cn"))
    assert caught.value.recipients["a@example.cn"][0] == 550
    assert emulator.state.mails == []
    send(emulator, message("a@example.cn"))  # the fault was for one call
    assert len(emulator.state.mails) == 1
    assert emulator.state.call_count("smtp.RCPT") == 2


def test_data_fault_answers_the_injected_code(emulator: EmulatorServer) -> None:
    fault(emulator, "smtp.DATA", "451", times=2)
    for _ in range(2):
        with pytest.raises(smtplib.SMTPDataError) as caught:
            send(emulator, message("a@example.cn"))
        assert caught.value.smtp_code == 451
    assert emulator.state.mails == [] and emulator.state.pending_faults() == {}


@pytest.mark.parametrize("code", ["isv.X", 250, 600, "55O"])
def test_smtp_fault_needs_a_4xx_or_5xx_code(emulator: EmulatorServer, code: object) -> None:
    assert http(emulator, "POST", "/_emulator/faults", {"target": "smtp.RCPT", "code": code})[0] == 400
    assert emulator.state.pending_faults() == {}
    with pytest.raises(ValueError):
        emulator.state.add_fault("smtp.DATA", "OK")


def test_each_mail_is_logged_on_one_line(emulator: EmulatorServer, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="emulator.mail"):
        send(emulator, message("a@example.cn", text="第一行\n验证码 654321"))
    [line] = [r.getMessage() for r in caplog.records if r.name == "emulator.mail"]
    assert line == "邮件 → a@example.cn：找回密码验证码｜第一行 验证码 654321"


def test_smtp_starts_and_stops_with_the_emulator_server() -> None:
    server = EmulatorServer(**DEV_CONFIG)
    with pytest.raises(RuntimeError):
        _ = server.smtp_port
    server.start()
    port = server.smtp_port
    assert port not in (0, server._server.server_address[1] if server._server else 0)
    with smtplib.SMTP("127.0.0.1", port, timeout=5) as smtp:
        assert smtp.noop()[0] == 250
    server.stop()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
