"""Every proctoring route through real HTTP: happy path, each refusal with its measurements and nothing stored,
wrong user (404), wrong role (403), office out of scope (404), audit rows."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from server.common.models import AuditEntry
from server.config import get_settings
from server.proctoring import checks, consent, retention, snapshots
from server.proctoring.models import (
    FaceCapture,
    FaceConsent,
    FaceImage,
    FlagStatus,
    ProctoredAttempt,
    ProctorFlag,
    Snapshot,
)
from tests.support import proctoring as pf
from tests.support import storage as sf
from tests.support.factories import auth_headers
from tests.support.proctoring import World

P = "/api/v1/proctoring"


@pytest.fixture()
async def w(db: None) -> World:
    return await pf.world()


def _code(r: httpx.Response) -> str:
    return str(r.json()["error"]["code"])


def _files(data: bytes, name: str = "frame.jpg") -> dict[str, Any]:
    return {"image": (name, data, "image/jpeg")}


async def _stored() -> tuple[int, int, list[str]]:
    return await FaceImage.all().count(), await FaceCapture.all().count(), pf.stored_files()


# ---------------------------------------------------------------- consent


async def test_consent_read_then_given(client: httpx.AsyncClient, w: World) -> None:
    h = await auth_headers(w.physician)
    r = await client.get(f"{P}/consent", headers=h)
    assert r.status_code == 200
    body = r.json()
    assert body["accepted"] is False and body["accepted_at"] is None
    assert body["version"] == consent.CONSENT_VERSION and body["retention_days"] == 180
    assert "处理目的" in body["text"] and body["viewers"]
    r = await client.post(f"{P}/consent", json={"version": body["version"]}, headers=h)
    assert r.status_code == 201 and r.json()["version"] == consent.CONSENT_VERSION
    row = await FaceConsent.get(user_id=w.physician.id)
    assert row.version == consent.CONSENT_VERSION and row.accepted_at is not None
    assert await AuditEntry.filter(action="proctoring.consent_given", actor_id=w.physician.id).count() == 1
    r = await client.get(f"{P}/consent", headers=h)
    assert r.json()["accepted"] is True and r.json()["accepted_at"]
    # a repeat keeps the first consent
    assert (await client.post(f"{P}/consent", json={"version": consent.CONSENT_VERSION}, headers=h)).status_code == 201
    assert await FaceConsent.all().count() == 1


async def test_consent_bad_input_and_wrong_role(client: httpx.AsyncClient, w: World) -> None:
    h = await auth_headers(w.physician)
    r = await client.post(f"{P}/consent", json={"version": "1999-01"}, headers=h)
    assert r.status_code == 409 and _code(r) == "CONSENT_VERSION_MISMATCH"
    assert r.json()["error"]["details"]["current_version"] == consent.CONSENT_VERSION
    r = await client.post(f"{P}/consent", json={}, headers=h)
    assert r.status_code == 422 and r.json()["error"]["field"] == "version"
    assert await FaceConsent.all().count() == 0
    office = await auth_headers(w.office)
    assert (await client.get(f"{P}/consent", headers=office)).status_code == 403
    r = await client.post(f"{P}/consent", json={"version": consent.CONSENT_VERSION}, headers=office)
    assert r.status_code == 403 and _code(r) == "ROLE_FORBIDDEN"
    assert (await client.get(f"{P}/consent")).status_code == 401


# ---------------------------------------------------------------- capture


async def test_capture_accepted_is_stored_encrypted_with_its_scope(client: httpx.AsyncClient, w: World) -> None:
    await pf.consent(w.physician)
    h = await auth_headers(w.physician)
    frame = pf.frames()["ok_1280"]
    r = await client.post(f"{P}/captures", data={"exam_kind": "professional"}, files=_files(frame), headers=h)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["accepted"] is True
    assert len(body["capture_id"]) >= 30 and not body["capture_id"].isdigit()
    m = body["measurements"]
    assert (m["width"], m["height"], m["format"]) == (1280, 960, "jpeg")
    assert 130 <= m["brightness"] <= 180 and m["sharpness"] > 20 and 0.3 < m["face_ratio"] < 0.5
    row = await FaceCapture.get(capture_id=body["capture_id"]).prefetch_related("image")
    assert row.exam_kind == "professional" and row.user_id == w.physician.id  # type: ignore[attr-defined]
    assert (row.institution_id, row.region_code) == (w.inst.id, "110101")
    assert row.image.public_id == body["image_id"] != body["capture_id"]
    at_rest = sf.raw(row.image.storage_key)
    assert frame not in at_rest and at_rest[:3] != b"\xff\xd8\xff"  # encrypted at rest
    # a PNG is accepted too
    r = await client.post(
        f"{P}/captures", data={"exam_kind": "humanities"}, files=_files(pf.frames()["ok_640_png"], "f.png"), headers=h
    )
    assert r.status_code == 201 and r.json()["measurements"]["format"] == "png"


async def test_capture_without_consent_says_how_to_give_it(client: httpx.AsyncClient, w: World) -> None:
    h = await auth_headers(w.physician)
    before = await _stored()
    r = await client.post(f"{P}/captures", data={"exam_kind": "humanities"}, files=_files(pf.ok_frame()), headers=h)
    assert r.status_code == 403 and _code(r) == "FACE_CONSENT_REQUIRED"
    details = r.json()["error"]["details"]
    assert details["consent_url"] == "/api/v1/proctoring/consent" and "POST" in details["how_to"]
    assert await _stored() == before


REFUSALS = [
    ("no_face", "FACE_NOT_FOUND", 422, "frame_brightness"),
    ("cat", "FACE_NOT_FOUND", 422, "frame_brightness"),
    ("two_faces", "FACE_MULTIPLE", 422, "face_count"),
    ("small_face", "FACE_TOO_SMALL", 422, "face_ratio"),
    ("cut_off", "FACE_NOT_CENTERED", 422, "cut_edges"),
    ("off_centre", "FACE_NOT_CENTERED", 422, "center_offset"),
    ("dark", "IMAGE_TOO_DARK", 422, "min_brightness"),
    ("bright", "IMAGE_TOO_BRIGHT", 422, "max_brightness"),
    ("blurry", "IMAGE_BLURRY", 422, "sharpness"),
]


@pytest.mark.parametrize(("frame", "code", "status", "measured"), REFUSALS)
async def test_capture_refusals_carry_measurements_and_store_nothing(
    client: httpx.AsyncClient, w: World, frame: str, code: str, status: int, measured: str
) -> None:
    await pf.consent(w.physician)
    h = await auth_headers(w.physician)
    before = await _stored()
    r = await client.post(
        f"{P}/captures", data={"exam_kind": "humanities"}, files=_files(pf.frames()[frame]), headers=h
    )
    assert r.status_code == status and _code(r) == code, r.text
    error = r.json()["error"]
    assert error["message"] and not error["message"].isascii()  # a Chinese instruction
    assert measured in error["details"] and error["details"]["width"] in (640, 1280)
    assert await _stored() == before


async def test_capture_refuses_non_images_and_oversized_files(client: httpx.AsyncClient, w: World) -> None:
    await pf.consent(w.physician)
    h = await auth_headers(w.physician)
    before = await _stored()
    # not a JPEG or PNG by content: the one upload parser's answer, as on every upload route
    r = await client.post(
        f"{P}/captures", data={"exam_kind": "humanities"}, files=_files(b"%PDF-1.4 x" * 50), headers=h
    )
    assert r.status_code == 422 and _code(r) == "UPLOAD_TYPE_INVALID"
    assert r.json()["error"]["field"] == "image" and r.json()["error"]["details"]["allowed"] == ["jpg", "png"]
    # a JPEG by its first bytes whose header is cut off: the upload parser cannot open it, as on every upload route
    r = await client.post(
        f"{P}/captures", data={"exam_kind": "humanities"}, files=_files(pf.ok_frame()[:120]), headers=h
    )
    assert r.status_code == 422 and _code(r) == "UPLOAD_FILE_INVALID" and r.json()["error"]["field"] == "image"
    # a whole header whose pixels stop half-way: the image check's own answer
    frame = pf.ok_frame()
    r = await client.post(
        f"{P}/captures", data={"exam_kind": "humanities"}, files=_files(frame[: len(frame) // 2]), headers=h
    )
    assert r.status_code == 422 and _code(r) == "IMAGE_INVALID"
    assert r.json()["error"]["details"]["reason"] == "undecodable"
    # bigger than the face limit (lowered here: the test server's request limit equals the default 2 MB)
    settings = get_settings()
    old, settings.face_max_bytes = settings.face_max_bytes, 100 * 1024
    try:
        big = pf.ok_frame() + b"\0" * (100 * 1024)
        r = await client.post(f"{P}/captures", data={"exam_kind": "humanities"}, files=_files(big), headers=h)
    finally:
        settings.face_max_bytes = old
    assert r.status_code == 413 and _code(r) == "UPLOAD_TOO_LARGE"
    assert r.json()["error"]["field"] == "image"
    assert r.json()["error"]["details"] == {"max_bytes": 100 * 1024, "size": len(big)}
    assert await _stored() == before


async def test_capture_thresholds_come_from_the_settings(client: httpx.AsyncClient, w: World) -> None:
    await pf.consent(w.physician)
    h = await auth_headers(w.physician)
    settings = get_settings()
    old = settings.face_min_brightness
    settings.face_min_brightness = 190.0
    try:
        r = await client.post(f"{P}/captures", data={"exam_kind": "humanities"}, files=_files(pf.ok_frame()), headers=h)
    finally:
        settings.face_min_brightness = old
    assert r.status_code == 422 and _code(r) == "IMAGE_TOO_DARK"
    assert r.json()["error"]["details"]["min_brightness"] == 190.0
    assert "光线不足" in r.json()["error"]["message"]


async def test_capture_bad_input_and_wrong_role(client: httpx.AsyncClient, w: World) -> None:
    await pf.consent(w.physician)
    h = await auth_headers(w.physician)
    before = await _stored()
    r = await client.post(f"{P}/captures", files=_files(pf.ok_frame()), headers=h)
    assert r.status_code == 422 and r.json()["error"]["field"] == "exam_kind"
    r = await client.post(f"{P}/captures", data={"exam_kind": "law"}, files=_files(pf.ok_frame()), headers=h)
    assert r.status_code == 422 and _code(r) == "VALIDATION_FAILED"
    r = await client.post(f"{P}/captures", data={"exam_kind": "humanities"}, headers=h)
    assert r.status_code == 400 and _code(r) == "UPLOAD_MISSING"
    two = [("image", ("a.jpg", pf.ok_frame(), "image/jpeg")), ("image", ("b.jpg", pf.ok_frame(), "image/jpeg"))]
    r = await client.post(f"{P}/captures", data={"exam_kind": "humanities"}, files=two, headers=h)
    assert r.status_code == 400 and _code(r) == "UPLOAD_TOO_MANY"
    for who in (w.office, w.inst_reviewer):
        r = await client.post(
            f"{P}/captures",
            data={"exam_kind": "humanities"},
            files=_files(pf.ok_frame()),
            headers=await auth_headers(who),
        )
        assert r.status_code == 403
    assert await _stored() == before


# ---------------------------------------------------------------- during the attempt


async def test_schedule_for_the_owner_only(client: httpx.AsyncClient, w: World) -> None:
    attempt = await pf.attempt(w.physician)
    r = await client.get(f"{P}/attempts/{attempt.attempt_ref}/schedule", headers=await auth_headers(w.physician))
    assert r.status_code == 200
    body = r.json()
    assert body["offsets_s"] == attempt.snapshot_offsets and len(body["due_at"]) == len(body["offsets_s"])
    assert body["taken_slots"] == [] and body["closed"] is False and body["server_time"]
    r = await client.get(f"{P}/attempts/{attempt.attempt_ref}/schedule", headers=await auth_headers(w.other_physician))
    assert r.status_code == 404 and _code(r) == "ATTEMPT_NOT_FOUND"
    r = await client.get(f"{P}/attempts/{attempt.attempt_ref}/schedule", headers=await auth_headers(w.office))
    assert r.status_code == 403


async def test_snapshot_in_its_slot_is_accepted(client: httpx.AsyncClient, w: World) -> None:
    attempt = await pf.attempt(w.physician, offsets=[100, 2000])
    # pretend the attempt started 95 s ago: slot 0 is due
    await ProctoredAttempt.filter(id=attempt.id).update(started_at=attempt.started_at - timedelta(seconds=95))
    h = await auth_headers(w.physician)
    r = await client.post(f"{P}/attempts/{attempt.attempt_ref}/snapshots", files=_files(pf.ok_frame()), headers=h)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["accepted"] is True and body["outcome"] == "ok" and body["slot"] == 0 and body["flagged"] is False
    assert body["measurements"]["face_ratio"] > 0.3 and body["image_id"]
    assert await ProctorFlag.all().count() == 0
    r = await client.get(f"{P}/attempts/{attempt.attempt_ref}/schedule", headers=h)
    assert r.json()["taken_slots"] == [0]


@pytest.mark.parametrize(
    ("frame", "code", "reason"),
    [("two_faces", "FACE_MULTIPLE", "face_multiple"), ("no_face", "FACE_NOT_FOUND", "face_missing")],
)
async def test_snapshot_with_no_or_two_faces_flags_the_attempt(
    client: httpx.AsyncClient, w: World, frame: str, code: str, reason: str
) -> None:
    attempt = await pf.attempt(w.physician)
    h = await auth_headers(w.physician)
    r = await client.post(f"{P}/attempts/{attempt.attempt_ref}/snapshots", files=_files(pf.frames()[frame]), headers=h)
    assert r.status_code == 201
    body = r.json()
    assert body["accepted"] is False and body["outcome"] == code and body["flagged"] is True
    assert body["message"] and body["measurements"]["width"] == 640
    flag = await ProctorFlag.get(attempt_id=attempt.id)
    assert flag.reason == reason and flag.status == FlagStatus.OPEN and flag.region_code == "110101"
    snap = await Snapshot.get(id=body["snapshot_id"]).prefetch_related("image")
    assert snap.image is not None and snap.image.public_id == body["image_id"]  # kept as evidence


async def test_snapshot_refusals_that_store_nothing(client: httpx.AsyncClient, w: World) -> None:
    attempt = await pf.attempt(w.physician)
    h = await auth_headers(w.physician)
    images = await FaceImage.all().count()
    r = await client.post(
        f"{P}/attempts/{attempt.attempt_ref}/snapshots", files=_files(b"GIF89a" + b"\0" * 100), headers=h
    )
    assert r.status_code == 422 and _code(r) == "UPLOAD_TYPE_INVALID"
    r = await client.post(f"{P}/attempts/{attempt.attempt_ref}/snapshots", files=_files(pf.ok_frame()[:120]), headers=h)
    assert r.status_code == 422 and _code(r) == "UPLOAD_FILE_INVALID"  # its header is cut off
    r = await client.post(f"{P}/attempts/{attempt.attempt_ref}/snapshots", headers=h)
    assert r.status_code == 400 and _code(r) == "UPLOAD_MISSING"
    two = [("image", ("a.jpg", pf.ok_frame(), "image/jpeg")), ("image", ("b.jpg", pf.ok_frame(), "image/jpeg"))]
    r = await client.post(f"{P}/attempts/{attempt.attempt_ref}/snapshots", files=two, headers=h)
    assert r.status_code == 400 and _code(r) == "UPLOAD_TOO_MANY"
    assert await Snapshot.all().count() == 0
    # a blurry frame of a present face is recorded, not kept, not flagged
    r = await client.post(
        f"{P}/attempts/{attempt.attempt_ref}/snapshots", files=_files(pf.frames()["blurry"]), headers=h
    )
    assert r.status_code == 201 and r.json()["outcome"] == "IMAGE_BLURRY" and r.json()["flagged"] is False
    assert r.json()["image_id"] is None and r.json()["measurements"]["sharpness"] < 20
    assert await FaceImage.all().count() == images and await ProctorFlag.all().count() == 0


async def test_snapshot_only_by_the_owner_for_an_open_attempt(client: httpx.AsyncClient, w: World) -> None:
    attempt = await pf.attempt(w.physician)
    other_attempt = await pf.attempt(w.other_physician)
    h = await auth_headers(w.physician)
    r = await client.post(
        f"{P}/attempts/{attempt.attempt_ref}/snapshots",
        files=_files(pf.ok_frame()),
        headers=await auth_headers(w.other_physician),
    )
    assert r.status_code == 404 and _code(r) == "ATTEMPT_NOT_FOUND"
    r = await client.post(f"{P}/attempts/{other_attempt.attempt_ref}/snapshots", files=_files(pf.ok_frame()), headers=h)
    assert r.status_code == 404
    r = await client.post(f"{P}/attempts/no-such-ref/snapshots", files=_files(pf.ok_frame()), headers=h)
    assert r.status_code == 404
    r = await client.post(
        f"{P}/attempts/{attempt.attempt_ref}/snapshots",
        files=_files(pf.ok_frame()),
        headers=await auth_headers(w.office),
    )
    assert r.status_code == 403
    await snapshots.close_attempt(attempt_ref=attempt.attempt_ref)
    r = await client.post(f"{P}/attempts/{attempt.attempt_ref}/snapshots", files=_files(pf.ok_frame()), headers=h)
    assert r.status_code == 409 and _code(r) == "ATTEMPT_CLOSED"
    assert await Snapshot.all().count() == 0


# ---------------------------------------------------------------- the office


async def _flagged(w: World) -> tuple[ProctoredAttempt, ProctorFlag]:
    attempt = await pf.attempt(w.physician, offsets=[100])
    await snapshots.add_snapshot(user_id=w.physician.id, attempt_ref=attempt.attempt_ref, data=pf.frames()["two_faces"])
    return attempt, await ProctorFlag.get(attempt_id=attempt.id)


async def test_office_lists_flags_in_its_region(client: httpx.AsyncClient, w: World) -> None:
    attempt, flag = await _flagged(w)
    other = await pf.attempt(w.other_physician, offsets=[100])
    await snapshots.close_attempt(attempt_ref=other.attempt_ref, now=other.started_at + timedelta(seconds=3600))
    for office in (w.office, w.county_office):
        r = await client.get(f"{P}/flags", headers=await auth_headers(office))
        assert r.status_code == 200
        items = r.json()["items"]
        assert [i["id"] for i in items] == [flag.id]
        assert items[0]["reason"] == "face_multiple" and items[0]["attempt_ref"] == attempt.attempt_ref
        assert items[0]["candidate"] == {"user_id": w.physician.id, "name": "张*丰"}
    r = await client.get(f"{P}/flags", headers=await auth_headers(w.other_office))
    assert [i["reason"] for i in r.json()["items"]] == ["snapshot_missed"]
    r = await client.get(f"{P}/flags", params={"status": "cleared"}, headers=await auth_headers(w.office))
    assert r.json()["items"] == []
    r = await client.get(f"{P}/flags", params={"status": "nope"}, headers=await auth_headers(w.office))
    assert r.status_code == 422
    for who in (w.physician, w.inst_reviewer):
        r = await client.get(f"{P}/flags", headers=await auth_headers(who))
        assert r.status_code == 403 and _code(r) == "ROLE_FORBIDDEN"


async def test_office_views_a_flag_with_its_images_audited(client: httpx.AsyncClient, w: World) -> None:
    attempt, flag = await _flagged(w)
    r = await client.get(f"{P}/flags/{flag.id}", headers=await auth_headers(w.office))
    assert r.status_code == 200
    body = r.json()
    assert body["capture"]["image"]["image_id"] and body["capture"]["measurements"]["width"] == 640
    assert [s["outcome"] for s in body["snapshots"]] == ["FACE_MULTIPLE"]
    assert body["snapshots"][0]["image"]["image_id"] and body["offsets_s"] == [100]
    entry = await AuditEntry.get(action="proctoring.flag_viewed")
    assert entry.actor_id == w.office.id and entry.subject_id == str(flag.id)
    r = await client.get(f"{P}/flags/{flag.id}", headers=await auth_headers(w.other_office))
    assert r.status_code == 404 and _code(r) == "FLAG_NOT_FOUND"
    assert (await client.get(f"{P}/flags/999999", headers=await auth_headers(w.office))).status_code == 404
    r = await client.get(f"{P}/flags/{flag.id}", headers=await auth_headers(w.physician))
    assert r.status_code == 403
    assert await AuditEntry.filter(action="proctoring.flag_viewed").count() == 1


async def test_office_decides_a_flag_once(client: httpx.AsyncClient, w: World) -> None:
    _, flag = await _flagged(w)
    url = f"{P}/flags/{flag.id}/decision"
    office = await auth_headers(w.office)
    r = await client.post(url, json={"decision": "pass", "reason": "x"}, headers=office)
    assert r.status_code == 422
    r = await client.post(url, json={"decision": "cleared", "reason": ""}, headers=office)
    assert r.status_code == 422 and r.json()["error"]["field"] == "reason"
    r = await client.post(
        url, json={"decision": "invalidated", "reason": "x"}, headers=await auth_headers(w.other_office)
    )
    assert r.status_code == 404
    r = await client.post(url, json={"decision": "invalidated", "reason": "x"}, headers=await auth_headers(w.physician))
    assert r.status_code == 403
    assert (await ProctorFlag.get(id=flag.id)).status == FlagStatus.OPEN
    r = await client.post(url, json={"decision": "invalidated", "reason": "画面中出现他人"}, headers=office)
    assert r.status_code == 200
    assert r.json()["status"] == "invalidated" and r.json()["decision_reason"] == "画面中出现他人"
    row = await ProctorFlag.get(id=flag.id)
    assert row.status == FlagStatus.INVALIDATED and row.decided_by_id == w.office.id and row.decided_at
    entry = await AuditEntry.get(action="proctoring.flag_decided")
    assert entry.actor_id == w.office.id and entry.details["decision"] == "invalidated"
    r = await client.post(url, json={"decision": "cleared", "reason": "改判"}, headers=office)
    assert r.status_code == 409 and _code(r) == "FLAG_ALREADY_DECIDED"
    assert (await ProctorFlag.get(id=flag.id)).status == FlagStatus.INVALIDATED


# ---------------------------------------------------------------- images


async def test_owner_and_office_fetch_images_each_fetch_audited(client: httpx.AsyncClient, w: World) -> None:
    cap = await pf.capture(w.physician)
    url = f"{P}/images/{cap.image_id}"
    r = await client.get(url, headers=await auth_headers(w.physician))
    assert r.status_code == 200 and r.content == pf.ok_frame()
    assert r.headers["content-type"] == "image/jpeg" and "no-store" in r.headers["cache-control"]
    assert r.headers["content-disposition"].startswith("inline;")
    r = await client.get(url, headers=await auth_headers(w.county_office))
    assert r.status_code == 200 and r.content == pf.ok_frame()
    rows = await AuditEntry.filter(action="proctoring.image_viewed").order_by("id")
    assert [(e.actor_id, e.subject_id, e.details["as"]) for e in rows] == [
        (w.physician.id, cap.image_id, "owner"),
        (w.county_office.id, cap.image_id, "office"),
    ]


async def test_images_refused_to_others(client: httpx.AsyncClient, w: World) -> None:
    cap = await pf.capture(w.physician)
    url = f"{P}/images/{cap.image_id}"
    for who in (w.other_physician, w.other_office):
        r = await client.get(url, headers=await auth_headers(who))
        assert r.status_code == 404 and _code(r) == "FACE_IMAGE_NOT_FOUND"
    row = await FaceImage.get(public_id=cap.image_id)
    r = await client.get(f"{P}/images/{row.id}", headers=await auth_headers(w.physician))  # row ids do not work
    assert r.status_code == 404
    r = await client.get(url, headers=await auth_headers(w.inst_reviewer))
    assert r.status_code == 403
    assert await AuditEntry.filter(action="proctoring.image_viewed").count() == 0


async def test_image_gone_after_retention(client: httpx.AsyncClient, w: World) -> None:
    cap = await pf.capture(w.physician)
    image = await FaceImage.get(public_id=cap.image_id)
    assert sf.exists(image.storage_key)
    assert await retention.sweep_retention(now=image.created_at + timedelta(days=181)) == 1
    assert not sf.exists(image.storage_key)
    r = await client.get(f"{P}/images/{cap.image_id}", headers=await auth_headers(w.physician))
    assert r.status_code == 410 and _code(r) == "FACE_IMAGE_DELETED"
    entry = await AuditEntry.get(action="proctoring.image_deleted")
    assert entry.subject_id == cap.image_id and entry.actor_id is None


async def test_a_slow_check_does_not_block_other_requests(
    client: httpx.AsyncClient, w: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio
    import threading
    import time

    started = threading.Event()
    real = checks.check_face_capture

    def slow(data: bytes, thresholds: Any) -> Any:
        started.set()
        time.sleep(1.0)  # a check this slow would freeze every request if it ran on the event loop
        return real(data, thresholds)

    monkeypatch.setattr(checks, "check_face_capture", slow)
    await pf.consent(w.physician)
    h = await auth_headers(w.physician)
    upload = asyncio.create_task(
        client.post(f"{P}/captures", data={"exam_kind": "humanities"}, files=_files(pf.ok_frame()), headers=h)
    )
    while not started.is_set():
        await asyncio.sleep(0.01)
    t0 = time.perf_counter()
    r = await client.get(f"{P}/consent", headers=h)
    assert r.status_code == 200 and time.perf_counter() - t0 < 0.8
    assert not upload.done()
    assert (await upload).status_code == 201


async def test_a_retried_capture_upload_gets_the_first_answer(client: httpx.AsyncClient, w: World) -> None:
    await pf.consent(w.physician)
    h = await auth_headers(w.physician)
    keyed = {**h, "Idempotency-Key": "cap-0001-abcdef"}
    first = await client.post(
        f"{P}/captures", data={"exam_kind": "humanities"}, files=_files(pf.ok_frame()), headers=keyed
    )
    files_after_first = pf.stored_files()
    again = await client.post(
        f"{P}/captures", data={"exam_kind": "humanities"}, files=_files(pf.ok_frame()), headers=keyed
    )
    assert first.status_code == again.status_code == 201
    assert again.json()["capture_id"] == first.json()["capture_id"]
    assert again.json()["image_id"] == first.json()["image_id"]
    assert await FaceCapture.all().count() == 1 and await FaceImage.all().count() == 1
    assert pf.stored_files() == files_after_first
    # another key (or none) is another capture; another person's same key is theirs alone
    other = {**await auth_headers(w.other_physician), "Idempotency-Key": "cap-0001-abcdef"}
    await pf.consent(w.other_physician)
    r = await client.post(f"{P}/captures", data={"exam_kind": "humanities"}, files=_files(pf.ok_frame()), headers=other)
    assert r.status_code == 201 and r.json()["capture_id"] != first.json()["capture_id"]
    r = await client.post(f"{P}/captures", data={"exam_kind": "humanities"}, files=_files(pf.ok_frame()), headers=h)
    assert r.status_code == 201 and await FaceCapture.all().count() == 3
    before = await _stored()
    bad = {**h, "Idempotency-Key": "x y"}
    r = await client.post(f"{P}/captures", data={"exam_kind": "humanities"}, files=_files(pf.ok_frame()), headers=bad)
    assert r.status_code == 422 and r.json()["error"]["field"] == "Idempotency-Key"
    assert await _stored() == before


async def test_a_retried_snapshot_upload_flags_once(client: httpx.AsyncClient, w: World) -> None:
    attempt = await pf.attempt(w.physician)
    h = {**await auth_headers(w.physician), "Idempotency-Key": "snap-0001-abcdef"}
    url = f"{P}/attempts/{attempt.attempt_ref}/snapshots"
    first = await client.post(url, files=_files(pf.frames()["two_faces"]), headers=h)
    again = await client.post(url, files=_files(pf.frames()["two_faces"]), headers=h)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and first.json()["flagged"] is True and first.json()["message"]
    assert await Snapshot.all().count() == 1 and await ProctorFlag.all().count() == 1
    # once the attempt is closed, a retry of a sent snapshot still gets its answer; a new one is refused
    await snapshots.close_attempt(attempt_ref=attempt.attempt_ref)
    assert (await client.post(url, files=_files(pf.ok_frame()), headers=h)).json() == first.json()
    r = await client.post(url, files=_files(pf.ok_frame()), headers={**h, "Idempotency-Key": "snap-0002-abcdef"})
    assert r.status_code == 409
