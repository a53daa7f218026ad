"""Message texts per event kind stay within each channel's limits, and WeChat (the emulator) accepts them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from server.emulators.wechat import VALUE_RULES, key_type
from server.notifications.drain import drain
from server.notifications.models import Delivery, DeliveryStatus
from server.notifications.templates import KINDS, PUSH_TITLE_MAX_BYTES, render, truncate_bytes
from tests.support.factories import physician
from tests.support.notifications import RESULT_TEMPLATE, REVIEW_TEMPLATE, bind_wechat, emit_event, subscribe

LONG = "执业注册变更（含多机构备案及主执业机构调整）申请" * 3

PAYLOADS: dict[str, list[dict[str, Any]]] = {
    "review.decided": [
        {
            "item_id": 1,
            "kind": "registration",
            "title": LONG,
            "decision": d,
            "reason": LONG if d != "approved" else None,
        }
        for d in ("approved", "rejected", "returned")
    ],
    "exam.scored": [
        {"exam_kind": k, "score": s, "passed": p, "attempt_ref": "A1"}
        for k, s, p in (("humanities", 92, True), ("professional", 59.5, False))
    ],
    "assessment.result_ready": [
        {"assessment_id": 1, "result": r, "verification_code": "AB12CD"} for r in ("passed", "failed")
    ],
    "registry.activation_code": [
        {"code": "123456", "institution_name": LONG, "expires_at": "2026-12-01T00:00:00+08:00"}
    ],
    "account.security": [{"action": "password.changed"}, {"action": "something.odd"}],
    "account.password_reset": [{"code": "AbCdEf234567", "institution_name": LONG}, {"code": "x"}],
    "assessment.reminder": [
        {"cycle_name": "2024—2026年度", "step": "not_bound", "action": "绑定定考账号", "institution_name": LONG},
        {"step": "exams"},
    ],
    "exam.invalidated": [
        {"exam_kind": k, "title": "测评", "attempt_ref": "A1", "reason": LONG, "is_make_up": m}
        for k, m in (("professional", False), ("professional", True), ("humanities", False))
    ],
    "exam.specialty_unavailable": [
        {"specialty": "surgery", "specialty_name": "外科", "practice_scope": "外科专业", "reason": "bank_short"},
        {"specialty": None, "specialty_name": None, "practice_scope": LONG, "reason": "unknown_specialty"},
    ],
    "assessment.result_changed": [
        {
            "assessment_id": 1,
            "previous_result": "passed",
            "result": r,
            "verification_code": c,
            "why": "exam_invalidated",
        }
        for r, c in (("failed", "AB12CD"), (None, None))
    ],
    "assessment.appeal_decided": [
        {"appeal_id": 1, "assessment_id": 1, "cycle_name": "2024—2026年度", "decision": d, "note": n}
        for d, n in (("approved", LONG), ("rejected", "成绩无误"), ("returned", LONG), ("odd", None))
    ],
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_renders_within_limits(kind: str) -> None:
    for payload in PAYLOADS[kind]:
        r = render(kind, payload, at=datetime(2026, 11, 24, 4, 0, tzinfo=UTC))
        assert r.title and r.body
        assert len(r.push_title.encode()) <= PUSH_TITLE_MAX_BYTES
        if r.subscribe is not None:
            for key, value in r.subscribe.data.items():
                kind_of_key = key_type(key)
                assert kind_of_key is not None and VALUE_RULES[kind_of_key](value), (kind, key, value)


def test_texts_say_what_happened() -> None:
    r = render(
        "review.decided", {"title": "执业注册申请", "decision": "returned", "reason": "照片不清晰", "item_id": 3}
    )
    assert r.title == "执业注册申请退回修改"
    assert "照片不清晰" in r.body and "重新提交" in r.body
    assert r.subscribe is not None and r.subscribe.data["phrase2"] == "需修改"
    assert r.sms is not None and r.sms.params == {"business": "执业注册申请", "result": "被退回修改"}
    r = render("exam.scored", {"exam_kind": "professional", "score": 59.5, "passed": False, "attempt_ref": "x"})
    assert "59.5分" in r.body and "不合格" in r.body and "补考" in r.body
    # no make-up after a failed make-up, nor for the humanities exam
    r = render(
        "exam.scored",
        {"exam_kind": "professional", "score": 40, "passed": False, "attempt_ref": "y", "is_make_up": True},
    )
    assert "不合格" in r.body and "补考" not in r.body
    r = render("exam.scored", {"exam_kind": "humanities", "score": 40, "passed": False, "attempt_ref": "z"})
    assert "不合格" in r.body and "补考" not in r.body
    r = render("assessment.result_ready", {"assessment_id": 1, "result": "passed", "verification_code": "Q1"})
    assert "合格" in r.body and "Q1" in r.body and r.sms is None
    r = render("registry.activation_code", {"code": "654321", "institution_name": "示范医院", "expires_at": "x"})
    assert "654321" not in r.body and r.sms is not None and r.sms.params["code"] == "654321"


def test_broken_payload_still_gives_an_inbox_message() -> None:
    r = render("exam.scored", {"exam_kind": "humanities"})  # no score
    assert r.title == "系统消息" and r.subscribe is None and r.sms is None


def test_truncate_bytes_cuts_on_characters() -> None:
    text = "考" * 30
    cut = truncate_bytes(text, 60)
    assert len(cut.encode()) <= 60 and cut.endswith("…")
    assert truncate_bytes("短标题", 60) == "短标题"


@pytest.mark.parametrize(
    ("kind", "template"),
    [
        ("review.decided", REVIEW_TEMPLATE),
        ("exam.scored", RESULT_TEMPLATE),
        ("assessment.result_ready", RESULT_TEMPLATE),
    ],
)
async def test_wechat_accepts_every_kind(emu: Any, kind: str, template: str) -> None:
    for payload in PAYLOADS[kind]:
        user = await physician()
        openid = await bind_wechat(user)
        await subscribe(user, template)
        emu.state.grant_subscription(openid, template, 1)
        event = await emit_event(user, kind, payload)
        await drain()
        wx = await Delivery.get(event_id=event.id, channel="wechat")
        assert wx.status == DeliveryStatus.SENT, (payload, wx.last_error)
        assert len(emu.state.messages_to(openid)) == 1


async def test_demo_seed_is_idempotent(emu: Any) -> None:
    from server.common.models import OutboxEvent
    from server.notifications import demo
    from server.notifications.models import InboxMessage

    await demo.seed_demo()  # no demo physician: nothing
    assert await OutboxEvent.all().count() == 0
    await physician(phone=demo.DEMO_PHONE)
    await demo.seed_demo()
    await demo.seed_demo()
    await drain()
    assert await InboxMessage.all().count() == 3


@pytest.mark.parametrize(
    ("action", "words"), [("assessment_bound", "绑定定考账号"), ("phone_recovered", "更换了绑定手机号")]
)
def test_the_security_actions_other_parts_emit_say_what_happened(action: str, words: str) -> None:
    # server/assessment (binding) and server/registry (recovery) emit these actions; a generic sentence told the
    # physician nothing about what changed on their account.
    r = render("account.security", {"action": action}, at=datetime(2026, 11, 24, 4, 0, tzinfo=UTC))
    assert words in r.body and "安全相关操作" not in r.body
