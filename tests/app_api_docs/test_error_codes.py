"""The error-code table the app team reads is generated from the code, and the codes themselves are sound."""

from __future__ import annotations

import re
from collections import defaultdict

from server import errortable
from server.errors import AppError

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_committed_table_is_what_the_code_generates() -> None:
    assert errortable.TABLE_PATH.exists(), "run `python -m server export-openapi`"
    assert errortable.TABLE_PATH.read_text(encoding="utf-8") == errortable.render(), (
        "app_api_docs/error-codes.md is stale: run `python -m server export-openapi` and commit it"
    )


def test_every_part_is_collected() -> None:
    parts = {row.part for row in errortable.rows()}
    for part in ("common", "accounts", "registry", "workflow", "assessment", "exams", "proctoring", "notifications"):
        assert part in parts, part
    codes = {row.code for row in errortable.rows()}
    for code in ("VALIDATION_FAILED", "TOKEN_EXPIRED", "UPLOAD_TOO_LARGE", "INVALID_JSON", "INTERNAL"):
        assert code in codes, code


def test_a_code_reused_by_several_classes_keeps_one_status() -> None:
    statuses: dict[str, set[int]] = defaultdict(set)
    for cls in errortable.error_classes():
        statuses[cls.code].add(cls.status)
    mixed = {code: found for code, found in statuses.items() if len(found) > 1}
    assert not mixed, mixed


def test_codes_are_upper_snake_and_statuses_are_errors() -> None:
    for cls in errortable.error_classes():
        assert re.fullmatch(r"[A-Z][A-Z0-9_]*", cls.code), cls
        assert 400 <= cls.status <= 599, cls


def test_every_message_is_chinese_and_not_empty() -> None:
    for cls in errortable.error_classes():
        assert cls.message.strip(), cls
        assert CJK.search(cls.message), (cls, cls.message)


def test_every_row_says_what_the_app_should_do() -> None:
    for row in errortable.rows():
        assert row.advice and CJK.search(row.advice), row


def test_special_codes_get_their_own_advice() -> None:
    advice = {row.code: row.advice for row in errortable.rows()}
    assert "refresh_token" in advice["TOKEN_EXPIRED"]
    assert "登录页" in advice["SESSION_ENDED"] and "登录页" in advice["REFRESH_TOKEN_REUSED"]
    assert "captcha" in advice["CAPTCHA_REQUIRED"]
    assert "Retry-After" in advice["SMS_SEND_LIMITED"]
    assert "测量值" in advice["FACE_NOT_FOUND"] and "测量值" in advice["IMAGE_TOO_DARK"]
    assert "刷新" in advice["ALREADY_DECIDED"]


def test_a_new_error_class_would_appear() -> None:
    class ProbeError(AppError):
        code, status, message = "PROBE_ONLY_IN_THIS_TEST", 409, "测试用"

    ProbeError.__module__ = "server.exams.errors"
    try:
        assert "PROBE_ONLY_IN_THIS_TEST" in errortable.render()
    finally:
        del ProbeError
        import gc

        gc.collect()
