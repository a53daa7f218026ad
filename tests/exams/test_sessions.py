"""An attempt belongs to the log-in session that started it (issue 17 finding 6): the device header alone, which
the client chooses, no longer lets a second log-in answer; a new session continues only through a takeover."""

from __future__ import annotations

import httpx

from server.common.models import AuditEntry
from server.exams import hot
from server.exams.models import Answer, Attempt
from tests.support import exams as ef
from tests.support import factories as f
from tests.support.exams import ExamWorld

DEV = {"X-Device-Id": "phone-1"}


async def _start(client: httpx.AsyncClient, w: ExamWorld) -> dict[str, str]:
    r = await client.post(
        "/_test/exams/professional/attempts", json={"capture_id": "c", "device_id": "phone-1"}, headers=w.headers
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_a_second_log_in_with_the_first_devices_header_cannot_answer(
    client: httpx.AsyncClient, world: ExamWorld
) -> None:
    ref = (await _start(client, world))["attempt_ref"]
    key = await ef.answer_key(ref)
    qref, k = next((q, k) for q, k in key.items() if k["section"] == "law")
    second = await f.auth_headers(world.physician)  # the same physician logged in again: another session
    r = await client.put(
        f"/api/v1/exams/attempts/{ref}/answers/{qref}",
        json={"option_ids": k["right"], "seq": 1},
        headers={**second, **DEV},
    )
    stored = await Answer.filter(attempt__ref=ref).count()
    print(f"second session's save: HTTP {r.status_code}, answers stored: {stored}")
    assert r.status_code == 409 and r.json()["error"]["code"] == "EXAM_TAKEOVER_REQUIRED", r.text
    assert stored == 0
    for method, path in (
        ("GET", f"/api/v1/exams/attempts/{ref}"),
        ("POST", f"/api/v1/exams/attempts/{ref}/sections/law/finish"),
        ("POST", f"/api/v1/exams/attempts/{ref}/submit"),
    ):
        r = await client.request(method, path, headers={**second, **DEV})
        assert r.status_code == 409 and r.json()["error"]["code"] == "EXAM_TAKEOVER_REQUIRED", path
    r = await client.post(
        "/_test/exams/professional/attempts", json={"capture_id": "c", "device_id": "phone-1"}, headers=second
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "EXAM_TAKEOVER_REQUIRED"
    attempt = await Attempt.get(ref=ref)
    assert attempt.status == "in_progress" and attempt.current_section == "law"
    assert await AuditEntry.filter(action="exam.session_mismatch").count() == 5
    # the session that started it still answers
    r = await client.put(
        f"/api/v1/exams/attempts/{ref}/answers/{qref}",
        json={"option_ids": k["right"], "seq": 1},
        headers={**world.headers, **DEV},
    )
    assert r.status_code == 200 and r.json()["applied"] is True


async def test_takeover_from_the_same_device_ends_the_old_session(client: httpx.AsyncClient, world: ExamWorld) -> None:
    ref = (await _start(client, world))["attempt_ref"]
    key = await ef.answer_key(ref)
    qref, k = next((q, k) for q, k in key.items() if k["section"] == "law")
    second = await f.auth_headers(world.physician)
    # refused from another device: nothing changes, the first session goes on
    r = await client.post(f"/api/v1/exams/attempts/{ref}/takeover", headers={**second, "X-Device-Id": "phone-2"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "EXAM_DEVICE_MISMATCH"
    assert (await Attempt.get(ref=ref)).takeovers == []
    r = await client.post(f"/api/v1/exams/attempts/{ref}/takeover", headers=second)
    assert r.status_code == 422 and r.json()["error"]["code"] == "DEVICE_ID_REQUIRED"
    r = await client.post(f"/api/v1/exams/attempts/{ref}/takeover", headers={**world.other_headers, **DEV})
    assert r.status_code == 404  # another physician
    r = await client.get(f"/api/v1/exams/attempts/{ref}", headers={**world.headers, **DEV})
    assert r.status_code == 200
    # this process still remembers the old holder (as another worker would after the takeover elsewhere)
    stale = hot._cache[ref]
    # taken over from the device that started it
    r = await client.post(f"/api/v1/exams/attempts/{ref}/takeover", headers={**second, **DEV})
    assert r.status_code == 200, r.text
    assert [t["device_id"] for t in r.json()["takeovers"]] == ["phone-1"]
    assert r.json()["takeovers"][0]["at"].endswith("+08:00")
    entry = await AuditEntry.get(action="exam.attempt_taken_over")
    assert entry.subject_id == ref and entry.actor_id == world.physician.id
    # the old session is over: its token no longer works anywhere
    r = await client.get(f"/api/v1/exams/attempts/{ref}", headers={**world.headers, **DEV})
    assert r.status_code == 401
    hot._remember(stale)  # a worker whose memory names the old session re-reads the shared copy (Redis, no database)
    r = await client.put(
        f"/api/v1/exams/attempts/{ref}/answers/{qref}",
        json={"option_ids": k["right"], "seq": 1},
        headers={**second, **DEV},
    )
    assert r.status_code == 200 and r.json()["applied"] is True
    # taking over again from the holding session changes nothing
    r = await client.post(f"/api/v1/exams/attempts/{ref}/takeover", headers={**second, **DEV})
    assert r.status_code == 200 and len(r.json()["takeovers"]) == 1
    # the office of the province sees it on the attempt; another province's office does not find it
    office = await f.auth_headers(await f.office_reviewer("110000"))
    r = await client.get(f"/api/v1/exams/admin/attempts/{ref}", headers=office)
    assert r.status_code == 200 and r.json()["takeovers"][0]["device_id"] == "phone-1"
    assert r.json()["device_id"] == "phone-1" and r.json()["specialty_name"] == "内科"
    other = await f.auth_headers(await f.office_reviewer("310000"))
    assert (await client.get(f"/api/v1/exams/admin/attempts/{ref}", headers=other)).status_code == 404
    assert (await client.get(f"/api/v1/exams/admin/attempts/{ref}", headers=second)).status_code == 403
    # a finished attempt cannot be taken over
    await client.post(f"/api/v1/exams/attempts/{ref}/submit", headers={**second, **DEV})
    third = await f.auth_headers(world.physician)
    r = await client.post(f"/api/v1/exams/attempts/{ref}/takeover", headers={**third, **DEV})
    assert r.status_code == 409 and r.json()["error"]["code"] == "ATTEMPT_CLOSED"
