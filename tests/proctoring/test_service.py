"""Proctoring services called directly: claim_capture rules, schedule, close_attempt, scope and retention."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta

import pytest

from server.common import events, scope
from server.common.models import AuditEntry
from server.config import get_settings
from server.db import run_atomic
from server.proctoring import captures, checks, flags, retention, snapshots
from server.proctoring.errors import FaceCaptureRequired
from server.proctoring.models import FaceCapture, FaceImage, FlagReason, ProctoredAttempt, ProctorFlag, Snapshot
from tests.support import factories as f
from tests.support import images as img
from tests.support import proctoring as pf
from tests.support import storage as sf

pytestmark = pytest.mark.usefixtures("db")


async def _claim_error(user_id: int, capture_id: str, ref: str = "att-x") -> FaceCaptureRequired:
    with pytest.raises(FaceCaptureRequired) as caught:
        await run_atomic(
            captures.claim_capture, user_id=user_id, capture_id=capture_id, attempt_ref=ref, exam_kind="humanities"
        )
    assert caught.value.status == 409 and caught.value.code == "FACE_CAPTURE_REQUIRED"
    return caught.value


async def test_claim_binds_the_capture_to_one_attempt_with_a_random_schedule() -> None:
    w = await pf.world()
    cap = await pf.capture(w.physician)
    await run_atomic(
        captures.claim_capture,
        user_id=w.physician.id,
        capture_id=cap.capture_id,
        attempt_ref="att-1",
        exam_kind="humanities",
    )
    row = await FaceCapture.get(capture_id=cap.capture_id)
    assert row.attempt_ref == "att-1" and row.claimed_at is not None
    attempt = await ProctoredAttempt.get(attempt_ref="att-1")
    settings = get_settings()
    offsets = attempt.snapshot_offsets
    assert len(offsets) == settings.face_snapshot_count == len(set(offsets))
    assert offsets == sorted(offsets) and all(60 <= o <= settings.face_snapshot_window_s for o in offsets)
    assert (attempt.institution_id, attempt.region_code) == (w.inst.id, "110101")
    # the same capture cannot start a second attempt
    assert (await _claim_error(w.physician.id, cap.capture_id, "att-2")).details == {"reason": "used"}
    assert not await ProctoredAttempt.exists(attempt_ref="att-2")


async def test_claim_refuses_missing_foreign_expired_and_unaccepted_captures() -> None:
    w = await pf.world()
    cap = await pf.capture(w.physician)
    no_capture = (await _claim_error(w.physician.id, "")).details or {}
    assert no_capture["reason"] == "missing" and "identity-checks" in no_capture["other_way"]  # the non-face way
    assert (await _claim_error(w.physician.id, "no-such-capture")).details == {"reason": "missing"}
    # someone else's capture reads as missing (no hint that it exists)
    assert (await _claim_error(w.other_physician.id, cap.capture_id)).details == {"reason": "missing"}
    # the row id is not a capture id
    row = await FaceCapture.get(capture_id=cap.capture_id)
    assert (await _claim_error(w.physician.id, str(row.id))).details == {"reason": "missing"}
    # older than 30 minutes
    await FaceCapture.filter(id=row.id).update(created_at=datetime.now(UTC) - timedelta(minutes=31))
    assert (await _claim_error(w.physician.id, cap.capture_id)).details["reason"] == "expired"
    await FaceCapture.filter(id=row.id).update(created_at=datetime.now(UTC) - timedelta(minutes=29))
    await FaceCapture.filter(id=row.id).update(accepted=False)
    assert (await _claim_error(w.physician.id, cap.capture_id)).details == {"reason": "not_accepted"}
    assert await ProctoredAttempt.all().count() == 0
    assert (await FaceCapture.get(id=row.id)).attempt_ref is None


async def test_claim_rolls_back_with_the_callers_transaction() -> None:
    w = await pf.world()
    cap = await pf.capture(w.physician)

    async def start_attempt() -> None:
        await captures.claim_capture(
            user_id=w.physician.id, capture_id=cap.capture_id, attempt_ref="att-1", exam_kind="humanities"
        )
        raise RuntimeError("the exam could not start")

    with pytest.raises(RuntimeError):
        await run_atomic(start_attempt)
    assert (await FaceCapture.get(capture_id=cap.capture_id)).attempt_ref is None
    assert not await ProctoredAttempt.exists(attempt_ref="att-1")
    await pf.claim(w.physician, cap.capture_id, "att-1")  # still usable


async def test_two_attempts_racing_for_one_capture_one_wins() -> None:
    w = await pf.world()
    cap = await pf.capture(w.physician)
    results = await asyncio.gather(
        *(
            run_atomic(
                captures.claim_capture,
                user_id=w.physician.id,
                capture_id=cap.capture_id,
                attempt_ref=f"a{i}",
                exam_kind="humanities",
            )
            for i in range(4)
        ),
        return_exceptions=True,
    )
    assert sum(r is None for r in results) == 1
    assert all(isinstance(r, FaceCaptureRequired) for r in results if r is not None)
    assert await ProctoredAttempt.all().count() == 1


async def test_capture_scope_is_the_scope_policys_affiliation() -> None:
    # Known only to the assessment (bound with an office's credential, not activated in the registry): the one scope
    # policy answers with the credential's institution, and the capture is filed under it.
    inst = await f.institution("110105")
    loner = await f.physician()
    await scope.set_affiliation(user_id=loner.id, institution_id=inst.id, region_code="110105", source=scope.ASSESSMENT)
    cap = await pf.capture(loner)
    row = await FaceCapture.get(capture_id=cap.capture_id).prefetch_related("image")
    assert (row.institution_id, row.region_code) == (inst.id, "110105")
    assert (row.image.institution_id, row.image.region_code) == (inst.id, "110105")


async def test_the_check_runs_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    w = await pf.world()
    threads: list[str] = []
    real = checks.check_face_capture

    def spy(data: bytes, thresholds: object) -> object:
        threads.append(threading.current_thread().name)
        return real(data, thresholds)  # type: ignore[arg-type]

    monkeypatch.setattr(checks, "check_face_capture", spy)
    await pf.capture(w.physician)
    assert threads and threads[0].startswith("face-check") and threads[0] != threading.main_thread().name


async def test_close_attempt_flags_missed_snapshots_once() -> None:
    w = await pf.world()
    attempt = await pf.attempt(w.physician, offsets=[100, 200, 3000])
    start = attempt.started_at
    ok = await snapshots.add_snapshot(
        user_id=w.physician.id, attempt_ref=attempt.attempt_ref, data=pf.ok_frame(), now=start + timedelta(seconds=110)
    )
    assert ok.snapshot.slot == 0 and ok.accepted and not ok.flagged
    # too late for slot 1 (200 + grace 120 < 400): an extra snapshot, slot 1 stays missed
    extra = await snapshots.add_snapshot(
        user_id=w.physician.id, attempt_ref=attempt.attempt_ref, data=pf.ok_frame(), now=start + timedelta(seconds=400)
    )
    assert extra.snapshot.slot is None
    missed = await snapshots.close_attempt(attempt_ref=attempt.attempt_ref, now=start + timedelta(seconds=500))
    assert [(fl.reason, fl.slot) for fl in missed] == [(FlagReason.SNAPSHOT_MISSED, 1)]  # slot 2 was never due
    assert missed[0].region_code == "110101"
    assert await snapshots.close_attempt(attempt_ref=attempt.attempt_ref) == []
    assert await ProctorFlag.all().count() == 1
    assert (await ProctoredAttempt.get(id=attempt.id)).closed_at is not None
    assert await snapshots.close_attempt(attempt_ref="not-proctored") == []


async def test_close_attempt_joins_the_callers_transaction() -> None:
    w = await pf.world()
    attempt = await pf.attempt(w.physician, offsets=[100])

    async def submit() -> None:
        await snapshots.close_attempt(attempt_ref=attempt.attempt_ref, now=attempt.started_at + timedelta(hours=1))
        raise RuntimeError("submit failed")

    with pytest.raises(RuntimeError):
        await run_atomic(submit)
    assert (await ProctoredAttempt.get(id=attempt.id)).closed_at is None
    assert await ProctorFlag.all().count() == 0


async def test_retention_deletes_files_and_audits_after_the_period() -> None:
    w = await pf.world()
    cap = await pf.capture(w.physician)
    attempt = await pf.attempt(w.physician, offsets=[100])
    await snapshots.add_snapshot(
        user_id=w.physician.id,
        attempt_ref=attempt.attempt_ref,
        data=pf.frames()["two_faces"],
        now=attempt.started_at + timedelta(seconds=100),
    )
    images = await FaceImage.all().order_by("id")
    assert len(images) == 3
    keys = [i.storage_key for i in images]
    assert all(sf.exists(k) for k in keys)
    created = images[0].created_at
    # the first capture's cycle has a result 100 days later: its retention counts from then
    first = await FaceImage.get(public_id=cap.image_id)
    await FaceImage.filter(id=first.id).update(result_at=created + timedelta(days=100))

    assert await retention.sweep_retention(now=created + timedelta(days=179)) == 0
    assert all(sf.exists(k) for k in keys)
    assert await retention.sweep_retention(now=created + timedelta(days=181)) == 2
    assert sf.exists(keys[0]) and not sf.exists(keys[1]) and not sf.exists(keys[2])
    rows = await AuditEntry.filter(action="proctoring.image_deleted").order_by("id")
    assert {r.subject_id for r in rows} == {images[1].public_id, images[2].public_id}
    assert rows[0].details["reason"] == "retention" and rows[0].details["owner_id"] == w.physician.id
    assert await retention.sweep_retention(now=created + timedelta(days=181)) == 0  # idempotent
    assert await retention.sweep_retention(now=created + timedelta(days=281)) == 1
    assert not sf.exists(keys[0])
    assert await FaceImage.filter(deleted_at__isnull=True).count() == 0
    assert await AuditEntry.filter(action="proctoring.image_deleted").count() == 3


async def test_record_result_date_moves_the_retention_anchor() -> None:
    w = await pf.world()
    cap = await pf.capture(w.physician)
    image = await FaceImage.get(public_id=cap.image_id)
    result_at = image.created_at + timedelta(days=30)
    assert await retention.record_result_date(user_id=w.physician.id, result_at=result_at) == 1
    assert await retention.record_result_date(user_id=w.physician.id, result_at=result_at) == 0
    assert await retention.sweep_retention(now=image.created_at + timedelta(days=200)) == 0
    assert await retention.sweep_retention(now=result_at + timedelta(days=181)) == 1


async def test_snapshot_classification_of_refusals() -> None:
    w = await pf.world()
    attempt = await pf.attempt(w.physician, offsets=[100, 200, 300, 400])
    frames = pf.frames()
    outcomes = {}
    for name in ("no_face", "dark", "blurry", "two_faces"):
        r = await snapshots.add_snapshot(user_id=w.physician.id, attempt_ref=attempt.attempt_ref, data=frames[name])
        outcomes[name] = (r.snapshot.outcome, r.flagged, r.image_id is not None)
    assert outcomes["no_face"] == ("FACE_NOT_FOUND", True, True)
    assert outcomes["two_faces"] == ("FACE_MULTIPLE", True, True)
    assert outcomes["blurry"] == ("IMAGE_BLURRY", False, False)  # a poor frame of a present face: not kept
    dark_code, dark_flagged, _ = outcomes["dark"]
    assert dark_code == "IMAGE_TOO_DARK"
    dark = await Snapshot.get(outcome="IMAGE_TOO_DARK")
    assert dark_flagged == ("face" not in dark.measurements)
    reasons = sorted(str(r) for r in await ProctorFlag.all().values_list("reason", flat=True))
    assert reasons.count("face_multiple") == 1 and reasons.count("face_missing") >= 1


async def test_stale_attempts_are_closed_and_their_missed_snapshots_flagged() -> None:
    w = await pf.world()
    stale = await pf.attempt(w.physician, offsets=[100])
    fresh = await pf.attempt(w.other_physician, offsets=[100])
    later = stale.started_at + timedelta(seconds=get_settings().face_snapshot_window_s, hours=3)
    await ProctoredAttempt.filter(id=fresh.id).update(started_at=later - timedelta(minutes=30))
    assert await snapshots.close_stale_attempts(now=later) == 1
    assert (await ProctoredAttempt.get(id=stale.id)).closed_at is not None
    assert (await ProctoredAttempt.get(id=fresh.id)).closed_at is None
    assert [fl.reason for fl in await ProctorFlag.filter(attempt_id=stale.id)] == [FlagReason.SNAPSHOT_MISSED]
    assert await snapshots.close_stale_attempts(now=later) == 0


async def test_worker_registers_the_proctoring_jobs() -> None:
    from server.proctoring import tasks
    from server.worker import _collect

    functions, crons = _collect()
    assert tasks.sweep_face_images in functions and tasks.close_stale_attempts in functions
    assert {c.coroutine for c in crons} >= {tasks.sweep_face_images, tasks.close_stale_attempts}
    w = await pf.world()
    cap = await pf.capture(w.physician)
    assert await tasks.sweep_face_images({}) == 0  # nothing is due yet
    assert await FaceImage.filter(public_id=cap.image_id, deleted_at__isnull=True).exists()


async def test_invalidation_is_published_inside_the_decision_transaction() -> None:
    from server.common.auth import Principal
    from server.common.enums import Role
    from server.proctoring.events import FlagInvalidated

    w = await pf.world()
    attempt = await pf.attempt(w.physician, offsets=[100])
    await snapshots.close_attempt(attempt_ref=attempt.attempt_ref, now=attempt.started_at + timedelta(hours=1))
    flag = await ProctorFlag.get(attempt_id=attempt.id)
    office = Principal(user_id=w.office.id, role=Role.OFFICE_REVIEWER, session_id="s", region_code="110000")
    seen: list[FlagInvalidated] = []

    async def failing(event: FlagInvalidated) -> None:
        seen.append(event)
        raise RuntimeError("exams could not invalidate")

    with events.subscribed(FlagInvalidated, failing), pytest.raises(RuntimeError):
        await flags.decide_flag(principal=office, flag_id=flag.id, decision="invalidated", reason="替考")
    assert (await ProctorFlag.get(id=flag.id)).status == "open"  # rolled back with the subscriber
    assert not await AuditEntry.exists(action="proctoring.flag_decided")

    async def recording(event: FlagInvalidated) -> None:
        seen.append(event)

    with events.subscribed(FlagInvalidated, recording):
        await flags.decide_flag(principal=office, flag_id=flag.id, decision="invalidated", reason="替考")
    assert seen[-1] == FlagInvalidated(
        flag_id=flag.id, attempt_ref=attempt.attempt_ref, user_id=w.physician.id, reason="替考", decided_by=w.office.id
    )
    assert (await ProctorFlag.get(id=flag.id)).status == "invalidated"


async def test_a_capture_taken_for_another_exam_cannot_start_this_one() -> None:
    w = await pf.world()
    cap = await pf.capture(w.physician, exam_kind="humanities")
    with pytest.raises(FaceCaptureRequired) as refused:
        await run_atomic(
            captures.claim_capture,
            user_id=w.physician.id,
            capture_id=cap.capture_id,
            attempt_ref="att-x",
            exam_kind="professional",
        )
    assert refused.value.details == {"reason": "other_exam", "captured_for": "humanities"}
    assert not await ProctoredAttempt.exists(attempt_ref="att-x")


async def test_id_photo_check_runs_in_the_pool() -> None:
    check = await checks.check_id_photo_off_loop(img.jpeg(img.id_photo(), 85))
    assert (check.width, check.height) == (354, 472)
