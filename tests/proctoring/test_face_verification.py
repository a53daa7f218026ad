"""Face verification through real HTTP: the comparison consent, captures compared with the approved ID photo in the
matcher's process pool, flags for a mismatch or an unverified start (never a refusal), the non-face way through the
review engine, the physician's face-data view and the retention of comparison results."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from server.common.models import AuditEntry
from server.config import get_settings
from server.integrations import storage
from server.proctoring import consent, matching, retention
from server.proctoring.basics import utcnow
from server.proctoring.errors import FaceCaptureRequired
from server.proctoring.models import (
    FaceCapture,
    FaceCompareConsent,
    FaceImage,
    FlagReason,
    IdentityCheck,
    IdentityVia,
    ProctoredAttempt,
    ProctorFlag,
    Snapshot,
)
from server.workflow.models import ReviewItem
from tests.support import images as img
from tests.support import proctoring as pf
from tests.support.factories import auth_headers
from tests.support.proctoring import World

P = "/api/v1/proctoring"
REVIEWS = "/api/v1/reviews/items"


@pytest.fixture()
async def w(db: None) -> World:
    return await pf.world()


def _files(data: bytes) -> dict[str, Any]:
    return {"image": ("frame.jpg", data, "image/jpeg")}


async def _with_id_photo(w: World) -> None:
    """The physician's approved ID photo (the astronaut), as the registry records it on approval."""
    stored = await storage.save(img.jpeg(img.id_photo()), purpose="id_photo", ext="jpg")
    await matching.set_reference_photo(user_id=w.physician.id, storage_key=stored.key, approved_at=utcnow())


async def _capture(client: httpx.AsyncClient, h: dict[str, str], frame: bytes) -> dict[str, Any]:
    r = await client.post(f"{P}/captures", files=_files(frame), data={"exam_kind": "humanities"}, headers=h)
    assert r.status_code == 201, r.text
    return dict(r.json())


# ---------------------------------------------------------------- the separate consent


async def test_comparison_consent_is_asked_apart_and_can_be_declined(client: httpx.AsyncClient, w: World) -> None:
    h = await auth_headers(w.physician)
    r = await client.get(f"{P}/consent/comparison", headers=h)
    assert r.status_code == 200
    terms = r.json()
    assert terms["decided"] is False and terms["accepted"] is None
    assert "证件照" in terms["text"] and "人工核验" in terms["text"] and terms["version"] != consent.CONSENT_VERSION
    r = await client.post(f"{P}/consent/comparison", json={"version": terms["version"], "accepted": True}, headers=h)
    assert r.status_code == 200 and r.json()["accepted"] is True
    r = await client.post(f"{P}/consent/comparison", json={"version": terms["version"], "accepted": False}, headers=h)
    assert r.status_code == 200 and r.json()["accepted"] is False and r.json()["decided"] is True
    assert await FaceCompareConsent.filter(user_id=w.physician.id).count() == 1  # the last decision counts
    actions = set(await AuditEntry.filter(actor_id=w.physician.id).values_list("action", flat=True))
    assert {"proctoring.compare_consent_given", "proctoring.compare_consent_declined"} <= actions


async def test_comparison_consent_bad_input_and_wrong_role(client: httpx.AsyncClient, w: World) -> None:
    h = await auth_headers(w.physician)
    r = await client.post(f"{P}/consent/comparison", json={"version": "1999-01", "accepted": True}, headers=h)
    assert r.status_code == 409 and r.json()["error"]["code"] == "CONSENT_VERSION_MISMATCH"
    r = await client.post(f"{P}/consent/comparison", json={"version": consent.COMPARE_CONSENT_VERSION}, headers=h)
    assert r.status_code == 422
    assert await FaceCompareConsent.all().count() == 0
    office = await auth_headers(w.office)
    assert (await client.get(f"{P}/consent/comparison", headers=office)).status_code == 403
    body = {"version": consent.COMPARE_CONSENT_VERSION, "accepted": True}
    assert (await client.post(f"{P}/consent/comparison", json=body, headers=office)).status_code == 403
    assert (await client.get(f"{P}/consent/comparison")).status_code == 401


# ---------------------------------------------------------------- captures compared with the ID photo


async def test_the_physician_matches_the_id_photo_and_starts_verified(client: httpx.AsyncClient, w: World) -> None:
    await pf.consent(w.physician)
    await _with_id_photo(w)
    h = await auth_headers(w.physician)
    body = await _capture(client, h, pf.ok_frame())
    match = body["face_match"]
    assert match["status"] == "match" and match["distance"] < match["threshold"] == 0.6 and match["guidance"] == []
    capture = await FaceCapture.get(capture_id=body["capture_id"])
    assert capture.embedding is not None and len(capture.embedding) == 128
    ref = await pf.claim(w.physician, body["capture_id"])
    attempt = await ProctoredAttempt.get(attempt_ref=ref)
    assert attempt.identity_via == IdentityVia.FACE_MATCH
    assert await ProctorFlag.all().count() == 0


async def test_someone_else_is_told_how_to_retake_and_flagged_not_refused(client: httpx.AsyncClient, w: World) -> None:
    await pf.consent(w.physician)
    await _with_id_photo(w)
    h = await auth_headers(w.physician)
    body = await _capture(client, h, img.jpeg(img.hopper_frame()))
    match = body["face_match"]
    assert match["status"] == "mismatch" and match["distance"] > 0.6
    assert any("光线" in g for g in match["guidance"]) and any("人工核验" in g for g in match["guidance"])
    ref = await pf.claim(w.physician, body["capture_id"])  # assistive: the exam still starts
    assert (await ProctoredAttempt.get(attempt_ref=ref)).identity_via == IdentityVia.FACE_MISMATCH
    flag = await ProctorFlag.get(reason=FlagReason.FACE_MISMATCH)
    assert flag.distance == match["distance"] and flag.reference_image_id is not None  # type: ignore[attr-defined]
    # the office sees both images side by side, with the distance
    office = await auth_headers(w.county_office)
    r = await client.get(f"{P}/flags/{flag.id}", headers=office)
    assert r.status_code == 200, r.text
    detail = r.json()
    assert detail["reason"] == "face_mismatch" and detail["distance"] == match["distance"]
    assert detail["identity_via"] == "face_mismatch" and detail["capture"]["match_status"] == "mismatch"
    for image_id in (detail["capture"]["image"]["image_id"], detail["reference_image"]["image_id"]):
        r = await client.get(f"{P}/images/{image_id}", headers=office)
        assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    # another region's office sees neither
    assert (await client.get(f"{P}/flags/{flag.id}", headers=await auth_headers(w.other_office))).status_code == 404


async def test_without_an_id_photo_the_physician_is_told_how_and_not_blocked(
    client: httpx.AsyncClient, w: World
) -> None:
    await pf.consent(w.physician)
    h = await auth_headers(w.physician)
    body = await _capture(client, h, pf.ok_frame())
    assert body["face_match"]["status"] == "no_reference"
    assert any("证件照" in g for g in body["face_match"]["guidance"])
    ref = await pf.claim(w.physician, body["capture_id"])
    assert (await ProctoredAttempt.get(attempt_ref=ref)).identity_via == IdentityVia.NO_REFERENCE
    assert await ProctorFlag.all().count() == 0


async def test_a_start_without_comparison_or_confirmation_is_flagged(client: httpx.AsyncClient, w: World) -> None:
    await pf.consent(w.physician, compare=False)
    await _with_id_photo(w)
    h = await auth_headers(w.physician)
    body = await _capture(client, h, pf.ok_frame())
    assert body["face_match"]["status"] == "not_compared" and body["face_match"]["distance"] is None
    assert (await FaceCapture.get(capture_id=body["capture_id"])).embedding is None  # nothing computed
    ref = await pf.claim(w.physician, body["capture_id"])
    assert (await ProctoredAttempt.get(attempt_ref=ref)).identity_via == IdentityVia.NOT_COMPARED
    assert await ProctorFlag.filter(reason=FlagReason.IDENTITY_UNVERIFIED).count() == 1


async def test_a_snapshot_of_someone_else_flags_the_attempt(client: httpx.AsyncClient, w: World) -> None:
    await _with_id_photo(w)
    attempt = await pf.attempt(w.physician, offsets=[60])
    await ProctoredAttempt.filter(id=attempt.id).update(started_at=utcnow() - timedelta(seconds=60))
    h = await auth_headers(w.physician)
    r = await client.post(
        f"{P}/attempts/{attempt.attempt_ref}/snapshots", files=_files(img.jpeg(img.hopper_frame())), headers=h
    )
    assert r.status_code == 201, r.text
    assert r.json()["flagged"] is True and r.json()["measurements"]["match_distance"] > 0.6
    flag = await ProctorFlag.get(attempt_id=attempt.id, reason=FlagReason.FACE_MISMATCH)
    assert flag.snapshot_id is not None and flag.distance is not None and flag.distance > 0.6  # type: ignore[attr-defined]
    # the same person later: accepted, not flagged
    r = await client.post(f"{P}/attempts/{attempt.attempt_ref}/snapshots", files=_files(pf.ok_frame()), headers=h)
    assert r.status_code == 201 and r.json()["flagged"] is False
    assert r.json()["measurements"]["match_distance"] < 0.6


# ---------------------------------------------------------------- the non-face way


async def test_identity_confirmed_by_the_office_lets_the_exam_start_without_a_face(
    client: httpx.AsyncClient, w: World
) -> None:
    h = await auth_headers(w.physician)
    with pytest.raises(FaceCaptureRequired):  # neither a capture nor a confirmation
        await pf.claim(w.physician, "")
    r = await client.post(f"{P}/identity-checks", json={"reason": "declined", "note": "希望视频核验"}, headers=h)
    assert r.status_code == 201, r.text
    check = r.json()
    assert check["status"] == "pending" and check["reason_label"] == "不同意人脸比对"
    r = await client.post(f"{P}/identity-checks", json={"reason": "declined"}, headers=h)
    assert r.status_code == 409 and r.json()["error"]["code"] == "IDENTITY_CHECK_PENDING"
    # the office of the region has it in its queue; another region's office cannot decide it
    item_id = check["review_item_id"]
    other = await auth_headers(w.other_office)
    assert (await client.post(f"{REVIEWS}/{item_id}/approve", json={}, headers=other)).status_code in (403, 404)
    office = await auth_headers(w.county_office)
    r = await client.post(f"{REVIEWS}/{item_id}/approve", json={}, headers=office)
    assert r.status_code == 200, r.text
    r = await client.get(f"{P}/identity-checks", headers=h)
    (mine,) = r.json()["items"]
    assert mine["status"] == "approved" and mine["valid_until"]
    ref = await pf.claim(w.physician, "")
    attempt = await ProctoredAttempt.get(attempt_ref=ref)
    assert attempt.identity_via == IdentityVia.IDENTITY_CONFIRMED and attempt.capture_id is None  # type: ignore[attr-defined]
    assert attempt.identity_check_id == mine["id"] and attempt.snapshot_offsets == []
    # an expired confirmation no longer opens the way
    await IdentityCheck.filter(id=mine["id"]).update(valid_until=utcnow() - timedelta(seconds=1))
    with pytest.raises(FaceCaptureRequired):
        await pf.claim(w.physician, "")


async def test_identity_check_bad_input_and_wrong_user(client: httpx.AsyncClient, w: World) -> None:
    h = await auth_headers(w.physician)
    r = await client.post(f"{P}/identity-checks", json={"reason": "because"}, headers=h)
    assert r.status_code == 422
    r = await client.post(f"{P}/identity-checks", json={"reason": "other", "note": "长" * 501}, headers=h)
    assert r.status_code == 422
    assert await IdentityCheck.all().count() == 0 and await ReviewItem.all().count() == 0
    office = await auth_headers(w.office)
    assert (await client.post(f"{P}/identity-checks", json={"reason": "other"}, headers=office)).status_code == 403
    await client.post(f"{P}/identity-checks", json={"reason": "no_photo"}, headers=h)
    other = await auth_headers(w.other_physician)
    assert (await client.get(f"{P}/identity-checks", headers=other)).json()["items"] == []


# ---------------------------------------------------------------- transparency and retention


async def test_the_physician_sees_what_face_data_is_kept_and_it_goes_with_the_image(
    client: httpx.AsyncClient, w: World
) -> None:
    await pf.consent(w.physician)
    await _with_id_photo(w)
    h = await auth_headers(w.physician)
    body = await _capture(client, h, pf.ok_frame())
    r = await client.get(f"{P}/face-data", headers=h)
    assert r.status_code == 200
    data = r.json()
    assert data["compare_consent"] is True and data["reference_photo_approved_at"] and data["capture_consent_at"]
    (kept,) = data["images"]
    assert kept["image_id"] == body["image_id"] and kept["kind"] == "capture" and kept["has_embedding"] is True
    assert kept["match_status"] == "match" and "考前" in kept["purpose"] and kept["kept_until"]
    # nobody else's data shows, and staff have no such view
    assert (await client.get(f"{P}/face-data", headers=await auth_headers(w.other_physician))).json()["images"] == []
    assert (await client.get(f"{P}/face-data", headers=await auth_headers(w.office))).status_code == 403
    # past the retention period the image goes, and the embedding and distance with it
    later = utcnow() + timedelta(days=get_settings().face_retention_days + 1)
    assert await retention.sweep_retention(now=later) == 1
    capture = await FaceCapture.get(capture_id=body["capture_id"])
    assert capture.embedding is None and capture.match_distance is None
    assert (await client.get(f"{P}/face-data", headers=h)).json()["images"] == []
    assert await FaceImage.filter(deleted_at__isnull=False).count() == 1
    assert await Snapshot.all().count() == 0
