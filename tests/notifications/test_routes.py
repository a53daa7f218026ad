"""Every notifications route through real HTTP: happy path, bad input (code, nothing changed), wrong user / role."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from server.common.auth import SESSION_KEY, issue_access_token
from server.common.models import AuditEntry
from server.notifications import service
from server.notifications.drain import drain
from server.notifications.models import (
    Delivery,
    DeliveryStatus,
    InboxMessage,
    NotificationPreference,
    PushDevice,
    WechatSubscription,
)
from server.redis import get_redis
from tests.support.factories import admin, auth_headers, physician, principal_of
from tests.support.notifications import REVIEW_TEMPLATE, bind_wechat, emit_event, review_payload, subscribe

API = "/api/v1"


def _code(r: httpx.Response) -> str:
    return str(r.json()["error"]["code"])


async def _inbox_of(user: Any, n: int) -> list[int]:
    for i in range(n):
        await emit_event(user, payload=review_payload(item_id=i + 1))
    await drain()
    return list(await InboxMessage.filter(user_id=user.id).order_by("-id").values_list("id", flat=True))


# ---------------------------------------------------------------- inbox


async def test_inbox_lists_newest_first_with_cursor(client: httpx.AsyncClient) -> None:
    me, other = await physician(), await physician()
    ids = await _inbox_of(me, 5)
    await _inbox_of(other, 2)
    h = await auth_headers(me)
    r = await client.get(f"{API}/inbox", params={"limit": 2}, headers=h)
    assert r.status_code == 200
    body = r.json()
    assert [m["id"] for m in body["items"]] == ids[:2]
    assert body["unread"] == 5
    first = body["items"][0]
    assert first["title"] == "执业注册申请审核通过" and first["read"] is False and first["kind"] == "review.decided"
    seen = [m["id"] for m in body["items"]]
    while body["next_cursor"]:
        r = await client.get(f"{API}/inbox", params={"limit": 2, "cursor": body["next_cursor"]}, headers=h)
        body = r.json()
        seen += [m["id"] for m in body["items"]]
    assert seen == ids


async def test_inbox_bad_input(client: httpx.AsyncClient) -> None:
    me = await physician()
    h = await auth_headers(me)
    for params, code in (
        ({"limit": 0}, "VALIDATION_FAILED"),
        ({"limit": 101}, "VALIDATION_FAILED"),
        ({"limit": "x"}, "VALIDATION_FAILED"),
        ({"cursor": "not-a-cursor!"}, "CURSOR_INVALID"),
        ({"cursor": "aWQ6eA"}, "CURSOR_INVALID"),  # "id:x"
    ):
        r = await client.get(f"{API}/inbox", params=params, headers=h)
        assert r.status_code == 422 and _code(r) == code, (params, r.text)
    r = await client.get(f"{API}/inbox")
    assert r.status_code == 401


async def test_unread_count_and_read_one(client: httpx.AsyncClient) -> None:
    me, other = await physician(), await physician()
    ids = await _inbox_of(me, 3)
    theirs = await _inbox_of(other, 1)
    h = await auth_headers(me)
    assert (await client.get(f"{API}/inbox/unread-count", headers=h)).json() == {"unread": 3}
    r = await client.post(f"{API}/inbox/{ids[0]}/read", headers=h)
    assert r.status_code == 200 and r.json()["read"] is True and r.json()["read_at"]
    r = await client.post(f"{API}/inbox/{ids[0]}/read", headers=h)  # again: fine
    assert r.status_code == 200
    assert (await client.get(f"{API}/inbox/unread-count", headers=h)).json() == {"unread": 2}
    # another user's message, an absent one, a huge id, a non-number
    for path in (f"{theirs[0]}/read", "999999/read", f"{2**70}/read"):
        r = await client.post(f"{API}/inbox/{path}", headers=h)
        assert r.status_code == 404, path
    assert _code(await client.post(f"{API}/inbox/{theirs[0]}/read", headers=h)) == "MESSAGE_NOT_FOUND"
    assert (await client.post(f"{API}/inbox/abc/read", headers=h)).status_code == 404
    assert (await InboxMessage.get(id=theirs[0])).read_at is None


async def test_read_all_touches_only_mine(client: httpx.AsyncClient) -> None:
    me, other = await physician(), await physician()
    await _inbox_of(me, 3)
    await _inbox_of(other, 2)
    h = await auth_headers(me)
    r = await client.post(f"{API}/inbox/read-all", headers=h)
    assert r.status_code == 200 and r.json() == {"updated": 3}
    assert (await client.post(f"{API}/inbox/read-all", headers=h)).json() == {"updated": 0}
    assert await InboxMessage.filter(user_id=other.id, read_at=None).count() == 2
    assert (await client.post(f"{API}/inbox/read-all")).status_code == 401


async def test_delete_is_soft_and_only_mine(client: httpx.AsyncClient) -> None:
    me, other = await physician(), await physician()
    ids = await _inbox_of(me, 2)
    theirs = await _inbox_of(other, 1)
    h = await auth_headers(me)
    r = await client.delete(f"{API}/inbox/{ids[0]}", headers=h)
    assert r.status_code == 204
    assert (await InboxMessage.get(id=ids[0])).deleted_at is not None
    listed = (await client.get(f"{API}/inbox", headers=h)).json()
    assert [m["id"] for m in listed["items"]] == ids[1:] and listed["unread"] == 1
    r = await client.delete(f"{API}/inbox/{ids[0]}", headers=h)  # already deleted
    assert r.status_code == 404 and _code(r) == "MESSAGE_NOT_FOUND"
    r = await client.delete(f"{API}/inbox/{theirs[0]}", headers=h)
    assert r.status_code == 404
    assert (await InboxMessage.get(id=theirs[0])).deleted_at is None
    assert (await client.post(f"{API}/inbox/{ids[0]}/read", headers=h)).status_code == 404


# ---------------------------------------------------------------- preferences


async def test_preferences_get_and_put(client: httpx.AsyncClient) -> None:
    me = await physician()
    h = await auth_headers(me)
    r = await client.get(f"{API}/me/notification-preferences", headers=h)
    assert r.status_code == 200
    kinds = {k["kind"]: k for k in r.json()["preferences"]}
    assert set(kinds) >= {"review.decided", "exam.scored", "assessment.result_ready", "registry.activation_code"}
    inbox = next(c for c in kinds["review.decided"]["channels"] if c["channel"] == "inbox")
    assert inbox == {"channel": "inbox", "enabled": True, "mandatory": True}
    sms = next(c for c in kinds["registry.activation_code"]["channels"] if c["channel"] == "sms")
    assert sms["mandatory"] is True
    r = await client.put(
        f"{API}/me/notification-preferences",
        json={"preferences": [{"kind": "exam.scored", "channel": "push", "enabled": False}]},
        headers=h,
    )
    assert r.status_code == 200
    push = next(
        c
        for k in r.json()["preferences"]
        if k["kind"] == "exam.scored"
        for c in k["channels"]
        if c["channel"] == "push"
    )
    assert push["enabled"] is False
    # changing it back updates the same row
    await client.put(
        f"{API}/me/notification-preferences",
        json={"preferences": [{"kind": "exam.scored", "channel": "push", "enabled": True}]},
        headers=h,
    )
    assert await NotificationPreference.filter(user_id=me.id).count() == 1
    assert (await NotificationPreference.get(user_id=me.id)).enabled is True


async def test_preferences_bad_input_changes_nothing(client: httpx.AsyncClient) -> None:
    me = await physician()
    h = await auth_headers(me)
    for body, status, code in (
        (
            {"preferences": [{"kind": "review.decided", "channel": "inbox", "enabled": False}]},
            422,
            "PREFERENCE_MANDATORY",
        ),
        (
            {"preferences": [{"kind": "registry.activation_code", "channel": "sms", "enabled": False}]},
            422,
            "PREFERENCE_MANDATORY",
        ),
        ({"preferences": [{"kind": "nope", "channel": "push", "enabled": False}]}, 422, "PREFERENCE_UNKNOWN"),
        ({"preferences": [{"kind": "account.security", "channel": "sms", "enabled": True}]}, 422, "PREFERENCE_UNKNOWN"),
        ({"preferences": [{"kind": "exam.scored", "channel": "fax", "enabled": True}]}, 422, "VALIDATION_FAILED"),
        ({"preferences": []}, 422, "VALIDATION_FAILED"),
        ({"preferences": [{"kind": "exam.scored", "channel": "push"}]}, 422, "VALIDATION_FAILED"),
    ):
        # a valid choice first: all or nothing
        payload = {"preferences": [{"kind": "exam.scored", "channel": "sms", "enabled": False}, *body["preferences"]]}
        if not body["preferences"]:
            payload = body
        r = await client.put(f"{API}/me/notification-preferences", json=payload, headers=h)
        assert r.status_code == status and _code(r) == code, (body, r.text)
    r = await client.put(f"{API}/me/notification-preferences", content=b"[1]", headers=h)
    assert r.status_code == 400
    assert await NotificationPreference.all().count() == 0
    assert (await client.get(f"{API}/me/notification-preferences")).status_code == 401


# ---------------------------------------------------------------- push devices


async def _session_headers(user: Any) -> tuple[dict[str, str], str]:
    sid = uuid.uuid4().hex
    p = principal_of(user, session_id=sid)
    await get_redis().set(SESSION_KEY.format(sid=sid), str(user.id), ex=3600)
    return {"Authorization": f"Bearer {issue_access_token(p)}"}, sid


async def test_register_and_unregister_push_device(client: httpx.AsyncClient) -> None:
    me, other = await physician(), await physician()
    h, sid = await _session_headers(me)
    r = await client.post(
        f"{API}/me/push-devices", json={"device_id": "a1b2c3d4e5f6a7b8", "platform": "android"}, headers=h
    )
    assert r.status_code == 201 and r.json()["device_id"] == "a1b2c3d4e5f6a7b8"
    row = await PushDevice.get(device_id="a1b2c3d4e5f6a7b8")
    assert row.user_id == me.id and row.session_id == sid
    # the same phone logs in as someone else: the device moves
    oh, osid = await _session_headers(other)
    r = await client.post(
        f"{API}/me/push-devices", json={"device_id": "a1b2c3d4e5f6a7b8", "platform": "android"}, headers=oh
    )
    assert r.status_code == 201
    row = await PushDevice.get(device_id="a1b2c3d4e5f6a7b8")
    assert row.user_id == other.id and row.session_id == osid
    assert await PushDevice.all().count() == 1
    # it is no longer mine to delete
    r = await client.delete(f"{API}/me/push-devices/a1b2c3d4e5f6a7b8", headers=h)
    assert r.status_code == 404 and _code(r) == "PUSH_DEVICE_NOT_FOUND"
    assert await PushDevice.all().count() == 1
    r = await client.delete(f"{API}/me/push-devices/a1b2c3d4e5f6a7b8", headers=oh)
    assert r.status_code == 204
    assert await PushDevice.all().count() == 0


async def test_push_device_bad_input(client: httpx.AsyncClient) -> None:
    me = await physician()
    h = await auth_headers(me)
    for body in (
        {"device_id": "short", "platform": "android"},
        {"device_id": "a1b2c3d4e5f6a7b8", "platform": "symbian"},
        {"device_id": "a1b2c3d4 e5f6a7b8", "platform": "ios"},
        {"device_id": "a1b2c3d4e5f6a7b8"},
        {"device_id": "a1b2c3d4e5f6a7b8", "platform": "ios", "extra": 1},
    ):
        r = await client.post(f"{API}/me/push-devices", json=body, headers=h)
        assert r.status_code == 422 and _code(r) == "VALIDATION_FAILED", body
    assert await PushDevice.all().count() == 0
    assert (
        await client.post(f"{API}/me/push-devices", json={"device_id": "a1b2c3d4e5f6a7b8", "platform": "ios"})
    ).status_code == 401


async def test_unregister_session_devices_at_logout(client: httpx.AsyncClient) -> None:
    me = await physician()
    h1, sid1 = await _session_headers(me)
    h2, sid2 = await _session_headers(me)
    await client.post(f"{API}/me/push-devices", json={"device_id": "phone-one-0001", "platform": "android"}, headers=h1)
    await client.post(f"{API}/me/push-devices", json={"device_id": "phone-two-0002", "platform": "ios"}, headers=h2)
    assert await service.unregister_session_devices(user_id=me.id, session_id=sid1) == 1
    assert list(await PushDevice.all().values_list("device_id", flat=True)) == ["phone-two-0002"]
    assert await service.unregister_session_devices(user_id=me.id + 1, session_id=sid2) == 0
    await client.post(f"{API}/me/push-devices", json={"device_id": "phone-one-0001", "platform": "android"}, headers=h1)
    assert await service.unregister_user_devices(user_id=me.id, except_session_id=sid2) == 1
    assert list(await PushDevice.all().values_list("device_id", flat=True)) == ["phone-two-0002"]
    assert await service.unregister_user_devices(user_id=me.id) == 1
    assert await PushDevice.all().count() == 0


# ---------------------------------------------------------------- subscriptions


async def test_subscriptions_increment_and_list(client: httpx.AsyncClient) -> None:
    me = await physician()
    h = await auth_headers(me)
    r = await client.get(f"{API}/me/subscriptions", headers=h)
    assert r.status_code == 200
    rows = {s["purpose"]: s for s in r.json()["subscriptions"]}
    assert rows["review_result"] == {"purpose": "review_result", "template_id": REVIEW_TEMPLATE, "remaining": 0}
    for expected in (1, 2):
        r = await client.post(f"{API}/me/subscriptions", json={"template_ids": [REVIEW_TEMPLATE]}, headers=h)
        assert r.status_code == 200
        rows = {s["purpose"]: s for s in r.json()["subscriptions"]}
        assert rows["review_result"]["remaining"] == expected
    assert (await WechatSubscription.get(user_id=me.id)).remaining == 2
    r = await client.post(
        f"{API}/me/subscriptions", json={"template_ids": [REVIEW_TEMPLATE, REVIEW_TEMPLATE]}, headers=h
    )
    assert r.status_code == 200
    assert (await WechatSubscription.get(user_id=me.id)).remaining == 3


async def test_subscriptions_bad_input_changes_nothing(client: httpx.AsyncClient) -> None:
    me = await physician()
    h = await auth_headers(me)
    r = await client.post(
        f"{API}/me/subscriptions", json={"template_ids": [REVIEW_TEMPLATE, "forged-template"]}, headers=h
    )
    assert (
        r.status_code == 422
        and _code(r) == "SUBSCRIBE_TEMPLATE_UNKNOWN"
        and r.json()["error"]["field"] == "template_ids.1"
    )
    for body in ({"template_ids": []}, {"template_ids": "x"}, {}):
        r = await client.post(f"{API}/me/subscriptions", json=body, headers=h)
        assert r.status_code == 422 and _code(r) == "VALIDATION_FAILED"
    assert await WechatSubscription.all().count() == 0
    assert (await client.post(f"{API}/me/subscriptions", json={"template_ids": [REVIEW_TEMPLATE]})).status_code == 401


# ---------------------------------------------------------------- dead letters


async def _dead_letter(emu: Any) -> Delivery:
    user = await physician()
    await bind_wechat(user)
    await subscribe(user)
    emu.state.add_fault("wechat.subscribe", 40037)
    await emit_event(user)
    await drain()
    return await Delivery.get(channel="wechat", status=DeliveryStatus.DEAD)


async def test_admin_lists_and_retries_dead_letters(client: httpx.AsyncClient, emulators: Any) -> None:
    emulators.state.reset()
    dead = await _dead_letter(emulators)
    boss = await admin()
    h = await auth_headers(boss)
    r = await client.get(f"{API}/admin/dead-letters", headers=h)
    assert r.status_code == 200
    items = r.json()["items"]
    assert [i["id"] for i in items] == [dead.id]
    assert items[0]["error_code"] == "WECHAT_MESSAGE_INVALID:40037" and "40037" in items[0]["last_error"]
    assert (await client.get(f"{API}/admin/dead-letters", params={"channel": "sms"}, headers=h)).json()["items"] == []
    # the template is fixed; the admin retries, the worker sends
    r = await client.post(f"{API}/admin/dead-letters/{dead.id}/retry", headers=h)
    assert r.status_code == 200 and r.json()["status"] == "pending" and r.json()["attempts"] == 0
    assert await AuditEntry.filter(action="notification.retry", actor_id=boss.id, subject_id=str(dead.id)).exists()
    emulators.state.grant_subscription(f"o{dead.user_id:027d}", REVIEW_TEMPLATE, 1)
    await drain()
    assert (await Delivery.get(id=dead.id)).status == DeliveryStatus.SENT
    assert len(emulators.state.subscribe_messages) == 1
    # only dead ones can be retried
    r = await client.post(f"{API}/admin/dead-letters/{dead.id}/retry", headers=h)
    assert r.status_code == 409 and _code(r) == "DELIVERY_NOT_DEAD"


async def test_dead_letters_bad_input_and_wrong_role(client: httpx.AsyncClient, emulators: Any) -> None:
    emulators.state.reset()
    dead = await _dead_letter(emulators)
    h = await auth_headers(await admin())
    for params in ({"limit": 0}, {"channel": "fax"}, {"cursor": "%%%"}):
        r = await client.get(f"{API}/admin/dead-letters", params=params, headers=h)
        assert r.status_code == 422, params
    r = await client.post(f"{API}/admin/dead-letters/999999/retry", headers=h)
    assert r.status_code == 404 and _code(r) == "DEAD_LETTER_NOT_FOUND"
    doc = await auth_headers(await physician())
    r = await client.get(f"{API}/admin/dead-letters", headers=doc)
    assert r.status_code == 403 and _code(r) == "ROLE_FORBIDDEN"
    r = await client.post(f"{API}/admin/dead-letters/{dead.id}/retry", headers=doc)
    assert r.status_code == 403
    assert (await Delivery.get(id=dead.id)).status == DeliveryStatus.DEAD
    assert not await AuditEntry.filter(action="notification.retry").exists()
