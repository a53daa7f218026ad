"""医师服务 API walkthrough: the physician journey and a reviewer's decisions, driven only by the published spec.

    python app_api_docs/walkthrough.py --base-url http://127.0.0.1:8000

What it needs:
- a development server (``python -m server run``) with its demo data: the demo accounts (each part's ``demo.py``)
  (password ``Yishi-Demo-2026``): physician 张明 ``13800000001`` of 北京市东城区示范医院, institution reviewer
  ``dc_hospital``, assessment-office reviewer ``bj_office``; the demo question bank; open windows;
- Python with ``httpx``; for the face capture frame, the frame helpers of ``tests/support/images.py`` (numpy,
  opencv-python, scikit-image: the astronaut photo shipped with scikit-image) — or ``--frame FILE``, your own JPEG;
- a FRESH server (new DATA_DIR or database): the journey binds the demo physician, which changes their password
  to ``Walkthrough-2026!`` and moves their assessment on, so it runs once per data set.

How it talks to the server: every call names an operation by method and path template exactly as
``app_api_docs/openapi.json`` lists it; a call to an operation the spec does not list is refused before it is sent.
The only things it knows besides the spec are what a physician knows about themselves (name and ID number of the
demo physician, computed from ``server/registry/demo.py``'s demo data, or given with ``--id-number``/``--name``).

Each step prints one line (中文 / English); any unexpected answer prints the response and exits with status 1.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

SPEC_PATH = Path(__file__).resolve().parent / "openapi.json"
DEMO_PASSWORD = "Yishi-Demo-2026"
PHYSICIAN_PHONE = "13800000001"
PHYSICIAN_NAME = "张明"
INSTITUTION_REVIEWER = "dc_hospital"
OFFICE_REVIEWER = "bj_office"
NEW_PASSWORD = "Walkthrough-2026!"


class Unexpected(Exception):
    """An answer the journey did not expect."""


class Spec:
    """The operations of the published OpenAPI document, looked up by method and path template."""

    def __init__(self, path: Path = SPEC_PATH) -> None:
        self.doc = json.loads(path.read_text(encoding="utf-8"))
        self.operations = {
            (method.upper(), template): op
            for template, ops in self.doc["paths"].items()
            for method, op in ops.items()
            if isinstance(op, dict)
        }

    def operation(self, method: str, template: str) -> dict[str, Any]:
        op = self.operations.get((method.upper(), template))
        if op is None:
            raise Unexpected(f"{method} {template} is not in the published spec: refusing to call it")
        return op


class Api:
    """A plain HTTP client that only calls operations of the spec, with one user's tokens."""

    def __init__(self, base_url: str, spec: Spec, *, label: str) -> None:
        self.spec = spec
        self.label = label
        self.http = httpx.Client(base_url=base_url.rstrip("/"), timeout=60)
        self.access: str | None = None
        self.refresh_token: str | None = None

    def call(
        self,
        method: str,
        template: str,
        *,
        expect: int | tuple[int, ...] = 200,
        path: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        op = self.spec.operation(method, template)
        url = template.format(**(path or {}))
        headers = dict(kwargs.pop("headers", {}) or {})
        if self.access and op.get("security"):
            headers["Authorization"] = f"Bearer {self.access}"
        response = self.http.request(method, url, headers=headers, **kwargs)
        wanted = (expect,) if isinstance(expect, int) else expect
        if response.status_code not in wanted:
            raise Unexpected(
                f"[{self.label}] {method} {url}: expected HTTP {wanted}, got {response.status_code}: "
                f"{response.text[:1000]}"
            )
        documented = set(op.get("responses", {}))
        if str(response.status_code) not in documented and "default" not in documented:
            raise Unexpected(f"{method} {template}: HTTP {response.status_code} is not documented in the spec")
        if response.headers.get("content-type", "").startswith("application/json"):
            return response.json()
        return response

    def log_in(self, login: str, password: str) -> dict[str, Any]:
        tokens = self.call("POST", "/api/v1/auth/login", json={"login": login, "password": password})
        self.access, self.refresh_token = tokens["access_token"], tokens["refresh_token"]
        return dict(tokens)


def step(zh: str, en: str) -> None:
    sys.stdout.write(f"▶ {zh} / {en}\n")
    sys.stdout.flush()


def ok(detail: str) -> None:
    sys.stdout.write(f"   ✓ {detail}\n")
    sys.stdout.flush()


def check(condition: bool, message: str) -> None:
    if not condition:
        raise Unexpected(message)


def demo_identity() -> tuple[str, str]:
    """The demo physician's own name and ID number (what the physician would type), from server/registry/demo.py."""
    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root))
    from server.registry import demo

    for seq, person in enumerate(demo.PEOPLE, start=1):
        if person.phone == PHYSICIAN_PHONE:
            return person.name, person.id_number(seq)
    raise Unexpected("the demo physician is not in server/registry/demo.py")


def camera_frame() -> bytes:
    """A 640×480 JPEG with one well-lit, centred face, built by the proctoring tests' frame helpers.

    ``tests/support/images.py`` places the astronaut photo shipped with scikit-image (one real frontal face) on
    a plain wall; it needs numpy, opencv-python and scikit-image (all in the server's environment).
    """
    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root))
    from tests.support.images import face_frame, jpeg

    return jpeg(face_frame())


def _queue_item(api: Api, kind: str, applicant_hint: str) -> dict[str, Any]:
    """The newest queue item of ``kind``, polled briefly (the queue is read right after the submission)."""
    for _ in range(20):
        page = api.call("GET", "/api/v1/reviews/queue", params={"kind": kind, "limit": 20})
        if page["items"]:
            return dict(page["items"][0])
        time.sleep(0.5)
    raise Unexpected(f"[{api.label}] no {kind} item for {applicant_hint} in the review queue")


def approve_both_steps(base_url: str, spec: Spec, kind: str, title: str) -> None:
    for login, role in ((INSTITUTION_REVIEWER, "卫生机构审核 institution"), (OFFICE_REVIEWER, "考核机构复核 office")):
        reviewer = Api(base_url, spec, label=login)
        reviewer.log_in(login, DEMO_PASSWORD)
        item = _queue_item(reviewer, kind, PHYSICIAN_NAME)
        detail = reviewer.call("GET", "/api/v1/reviews/items/{item_id}", path={"item_id": item["id"]})
        decided = reviewer.call(
            "POST",
            "/api/v1/reviews/items/{item_id}/approve",
            path={"item_id": item["id"]},
            json={"comment": "同意", "version": detail["version"]},
        )
        ok(f"{role}: {login} 通过「{title}」 item {item['id']} → {decided['status']}")
        again = reviewer.call(
            "POST",
            "/api/v1/reviews/items/{item_id}/approve",
            path={"item_id": item["id"]},
            json={"version": detail["version"]},
            expect=(404, 409),
        )
        check(again["error"]["code"] in ("ALREADY_DECIDED", "STEP_NOT_REACHED", "NOT_FOUND"), str(again))
        reviewer.call("POST", "/api/v1/auth/logout")


def run(base_url: str, *, name: str, id_number: str, frame: bytes | None) -> None:
    spec = Spec()
    me = Api(base_url, spec, label="physician")
    device_id = f"walkthrough-{uuid.uuid4().hex[:12]}"

    step("服务就绪", "server ready")
    ready = me.call("GET", "/readyz")
    ok(f"readyz: {ready}")

    step("医师登录（密码）", "physician logs in with a password")
    wrong = me.call(
        "POST", "/api/v1/auth/login", json={"login": PHYSICIAN_PHONE, "password": "not-the-password"}, expect=401
    )
    check(wrong["error"]["code"] == "INVALID_CREDENTIALS", str(wrong))
    ok(f"wrong password → {wrong['error']['code']} {wrong['error']['message']}")
    tokens = me.log_in(PHYSICIAN_PHONE, DEMO_PASSWORD)
    ok(f"access token for {tokens['expires_in']} s, must_change_password={tokens['must_change_password']}")
    profile = me.call("GET", "/api/v1/me")
    ok(f"me: {profile['role']} {profile.get('phone')}")

    step("刷新令牌（轮换）", "refresh token rotation")
    old_refresh = me.refresh_token
    fresh = me.call("POST", "/api/v1/auth/refresh", json={"refresh_token": old_refresh})
    me.access, me.refresh_token = fresh["access_token"], fresh["refresh_token"]
    check(fresh["refresh_token"] != old_refresh, "refresh token did not rotate")
    ok("new access + refresh token")

    step("登记推送设备", "register the push device")
    me.call(
        "POST",
        "/api/v1/me/push-devices",
        json={"device_id": device_id.replace("-", "_"), "platform": "android"},
        expect=(200, 201),
    )
    ok(f"device {device_id.replace('-', '_')}")

    step("机构审核人员发放定考初始密码", "institution reviewer issues the one-time assessment credential")
    hospital = Api(base_url, spec, label=INSTITUTION_REVIEWER)
    hospital.log_in(INSTITUTION_REVIEWER, DEMO_PASSWORD)
    issued = hospital.call(
        "POST", "/api/v1/assessment/credentials", json={"id_number": id_number, "name": name}, expect=(200, 201)
    )
    ok(f"credential for {issued['name']} {issued['id_number']} until {issued['expires_at']}")
    hospital.call("POST", "/api/v1/auth/logout")

    step("绑定定考账号", "bind the assessment account")
    home = me.call("GET", "/api/v1/assessment/home")
    province = home.get("province_code") or id_number[:2] + "0000"
    bad = me.call(
        "POST",
        "/api/v1/assessment/binding",
        json={
            "province_code": province,
            "id_number": id_number,
            "name": name,
            "credential": "wrong-one",
            "new_password": NEW_PASSWORD,
        },
        expect=400,
    )
    check(bad["error"]["code"] == "BINDING_FAILED", str(bad))
    ok(f"wrong credential → {bad['error']['code']}")
    bound = me.call(
        "POST",
        "/api/v1/assessment/binding",
        json={
            "province_code": province,
            "id_number": id_number,
            "name": name,
            "credential": issued["credential"],
            "new_password": NEW_PASSWORD,
        },
        expect=(200, 201),
    )
    ok(f"bound: {bound}")
    # Binding sets a new log-in password and ends the other sessions; this one goes on.
    me.call("GET", "/api/v1/me")
    me.log_in(PHYSICIAN_PHONE, NEW_PASSWORD)
    ok("this session goes on; the new password logs in")

    step("阅读并同意用户告知书", "read and accept the user notice")
    notice = me.call("GET", "/api/v1/assessment/notice")
    me.call("POST", "/api/v1/assessment/notice", json={"version": notice["version"]}, expect=(200, 201))
    ok(f"notice {notice['version']} accepted")

    step("报名", "enrolment")
    enrolment = me.call("GET", "/api/v1/assessment/enrolment")
    check(enrolment["registry_found"], f"no registry data: {enrolment}")
    specialty = enrolment.get("specialty") or "内科专业"
    submitted = me.call(
        "POST",
        "/api/v1/assessment/enrolment",
        json={"data_correct": True, "specialty": specialty},
        expect=(200, 201),
    )
    ok(f"enrolment submitted: {submitted.get('status')}")
    approve_both_steps(base_url, spec, "assessment_enrolment", "报名")

    step("选择考核程序（一般程序）", "choose the general procedure")
    chosen = me.call("PUT", "/api/v1/assessment/procedure", json={"procedure": "general"})
    ok(f"procedure → {chosen.get('procedure')} ({chosen.get('status')})")

    step("自评：保存草稿并提交", "self-evaluation: save a draft, then submit")
    texts = {
        "practice_record": "本周期无不良执业行为记录。",
        "work_performance": "完成门诊与病房工作，参与科室质量改进。",
        "professional_ethics": "遵守医德规范，无投诉。",
    }
    me.call("PUT", "/api/v1/assessment/self-evaluation", json=texts)
    me.call("POST", "/api/v1/assessment/self-evaluation", expect=(200, 201))
    ok("self-evaluation submitted")
    approve_both_steps(base_url, spec, "assessment_self_evaluation", "自评")

    step("我的审核事项", "my review items")
    mine = me.call("GET", "/api/v1/my/reviews")
    statuses = sorted({i["status"] for i in mine["items"]})
    ok(f"{len(mine['items'])} items, statuses {statuses}")
    check(statuses == ["approved"], f"expected every item approved: {mine}")

    step("考核专业与考试准备情况", "the exam specialty, and the office's readiness check")
    specialties = me.call("GET", "/api/v1/lookups/specialties")
    examined_by = {scope: s for s in specialties["items"] for scope in s["practice_scopes"]}
    check(specialty in examined_by, f"{specialty} maps to no exam specialty: {specialties}")
    mine_specialty = examined_by[specialty]
    ok(f"报考专业 {specialty} → 考核专业 {mine_specialty['name']} ({mine_specialty['code']})")
    office = Api(base_url, spec, label=OFFICE_REVIEWER)
    office.log_in(OFFICE_REVIEWER, DEMO_PASSWORD)
    readiness = office.call("GET", "/api/v1/assessment/exam-readiness")
    row = next((r for r in readiness["items"] if r["specialty"] == mine_specialty["code"]), None)
    check(row is not None and row["ready"], f"the office does not see {mine_specialty['code']} ready: {readiness}")
    ok(
        f"office: {row['specialty_name']} needs {row['needed']}, bank has {row['available']}, "
        f"{row['candidate_count']} candidate(s), pass mark {row['pass_mark']}"
    )
    office.call("POST", "/api/v1/auth/logout")

    step("考试列表", "my exams")
    exams = me.call("GET", "/api/v1/exams")
    by_kind = {e["exam_kind"]: e for e in exams["items"]}
    check(by_kind.get("professional", {}).get("status") == "available", f"professional exam not available: {exams}")
    check(by_kind["professional"]["specialty"] == mine_specialty["code"], f"wrong exam specialty: {exams}")
    ok(", ".join(f"{e['exam_kind']}={e['status']}" for e in exams["items"]))
    ok(f"业务水平测评（{by_kind['professional']['specialty_name']}）pass marks {by_kind['professional']['pass_marks']}")

    step("人脸采集：先同意告知书，再拍照", "face capture: consent first, then a frame")
    refused = me.call(
        "POST",
        "/api/v1/proctoring/captures",
        data={"exam_kind": "professional"},
        files={"image": ("face.jpg", frame or camera_frame(), "image/jpeg")},
        expect=(403, 201),
    )
    consent = me.call("GET", "/api/v1/proctoring/consent")
    if "error" in refused:
        check(refused["error"]["code"] == "FACE_CONSENT_REQUIRED", str(refused))
        ok(f"without consent → {refused['error']['code']}")
        me.call("POST", "/api/v1/proctoring/consent", json={"version": consent["version"]}, expect=(200, 201))
        ok(f"consent {consent['version']} given (retention {consent['retention_days']} days)")
    comparison = me.call("GET", "/api/v1/proctoring/consent/comparison")
    if not comparison["accepted"]:
        body = {"version": comparison["version"], "accepted": True}
        me.call("POST", "/api/v1/proctoring/consent/comparison", json=body, expect=200)
        ok(f"comparison with the ID photo agreed separately ({comparison['version']})")
    capture = me.call(
        "POST",
        "/api/v1/proctoring/captures",
        data={"exam_kind": "professional"},
        files={"image": ("face.jpg", frame or camera_frame(), "image/jpeg")},
        headers={"Idempotency-Key": uuid.uuid4().hex},
        expect=201,
    )
    check(capture["accepted"], str(capture))
    ok(f"capture {capture['capture_id'][:8]}… accepted, measurements {sorted(capture['measurements'])}")
    match = capture["face_match"]
    ok(f"compared with the ID photo: {match['status']} (distance {match['distance']}, threshold {match['threshold']})")

    step("开始考试", "start the exam")
    attempt = me.call(
        "POST",
        "/api/v1/exams/{exam_kind}/attempts",
        path={"exam_kind": "professional"},
        json={"capture_id": capture["capture_id"], "device_id": device_id},
        expect=201,
    )
    ref = attempt["attempt_ref"]
    check(attempt["specialty"] == mine_specialty["code"], f"the paper is not of {mine_specialty['code']}: {attempt}")
    ok(f"{attempt['title']}（{attempt['specialty_name']}）: the professional section comes from this specialty only")
    deadline = datetime.fromisoformat(attempt["deadline_at"])
    server_now = datetime.fromisoformat(attempt["server_time"])
    ok(
        f"attempt {ref}: {len(attempt['questions'])} questions open, section {attempt['current_section']}, "
        f"{int((deadline - server_now).total_seconds())} s left by the server's clock"
    )
    reused = me.call(
        "POST",
        "/api/v1/exams/{exam_kind}/attempts",
        path={"exam_kind": "professional"},
        json={"capture_id": capture["capture_id"], "device_id": device_id},
        expect=(200, 201, 409),
    )
    ok(f"start again on the same device → {reused.get('attempt_ref', reused.get('error', {}).get('code'))}")
    schedule = me.call("GET", "/api/v1/proctoring/attempts/{attempt_ref}/schedule", path={"attempt_ref": ref})
    ok(f"snapshot schedule: {len(schedule['offsets_s'])} snapshots at offsets {schedule['offsets_s']}")

    step("作答（带序号，幂等）", "answer questions (sequenced, idempotent)")
    headers = {"X-Device-Id": device_id}
    current = [q for q in attempt["questions"] if q["section"] == attempt["current_section"]][:5]
    seq = 0
    saved: dict[str, list[str]] = {}
    for question in current:
        seq += 1
        choice = [question["options"][0]["option_id"]]
        answer = me.call(
            "PUT",
            "/api/v1/exams/attempts/{attempt_ref}/answers/{question_ref}",
            path={"attempt_ref": ref, "question_ref": question["question_ref"]},
            json={"option_ids": choice, "seq": seq},
            headers=headers,
        )
        check(answer["applied"] and answer["seq"] == seq, str(answer))
        saved[question["question_ref"]] = choice
    ok(f"{len(saved)} answers saved")
    first = current[0]
    replay = me.call(
        "PUT",
        "/api/v1/exams/attempts/{attempt_ref}/answers/{question_ref}",
        path={"attempt_ref": ref, "question_ref": first["question_ref"]},
        json={"option_ids": [first["options"][-1]["option_id"]], "seq": 0},
        headers=headers,
    )
    check(replay["applied"] is False, f"a stale seq overwrote a newer answer: {replay}")
    ok("a late save with an older seq is ignored (applied=false)")
    other = me.call(
        "GET",
        "/api/v1/exams/attempts/{attempt_ref}",
        path={"attempt_ref": ref},
        headers={"X-Device-Id": "another-device-0001"},
        expect=409,
    )
    check(other["error"]["code"] == "EXAM_DEVICE_MISMATCH", str(other))
    ok(f"another device → {other['error']['code']}")

    step("断线后继续考试", "resume after the app was killed")
    resumed = me.call("GET", "/api/v1/exams/attempts/{attempt_ref}", path={"attempt_ref": ref}, headers=headers)
    kept = {a["question_ref"]: a["option_ids"] for a in resumed["answers"]}
    for question_ref, choice in saved.items():
        check(kept.get(question_ref) == choice, f"answer lost on resume: {question_ref} {kept.get(question_ref)}")
    ok(f"{len(kept)} answers back, deadline {resumed['deadline_at']}")

    step("重新登录后接管考试", "log in again, then take the attempt over")
    again_in = Api(base_url, spec, label="physician (new log-in)")
    again_in.log_in(PHYSICIAN_PHONE, NEW_PASSWORD)
    refused = again_in.call(
        "GET", "/api/v1/exams/attempts/{attempt_ref}", path={"attempt_ref": ref}, headers=headers, expect=409
    )
    check(refused["error"]["code"] == "EXAM_TAKEOVER_REQUIRED", str(refused))
    ok(f"a new log-in, same device → {refused['error']['code']}")
    elsewhere = again_in.call(
        "POST",
        "/api/v1/exams/attempts/{attempt_ref}/takeover",
        path={"attempt_ref": ref},
        headers={"X-Device-Id": "another-device-0001"},
        expect=409,
    )
    check(elsewhere["error"]["code"] == "EXAM_DEVICE_MISMATCH", str(elsewhere))
    ok(f"takeover from another device → {elsewhere['error']['code']}")
    taken = again_in.call(
        "POST", "/api/v1/exams/attempts/{attempt_ref}/takeover", path={"attempt_ref": ref}, headers=headers
    )
    check(len(taken["takeovers"]) == 1, str(taken))
    old = me.call("GET", "/api/v1/me", expect=401)
    ok(f"taken over at {taken['takeovers'][0]['at']}; the old log-in → {old['error']['code']}")
    me = again_in

    step("交卷", "submit")
    result = me.call(
        "POST",
        "/api/v1/exams/attempts/{attempt_ref}/submit",
        path={"attempt_ref": ref},
        headers=headers,
    )
    check(result["status"] == "scored", str(result))
    again = me.call(
        "POST",
        "/api/v1/exams/attempts/{attempt_ref}/submit",
        path={"attempt_ref": ref},
        headers=headers,
    )
    check(again["score"] == result["score"], "a repeated submit changed the score")
    ok(f"score {result['score']}, passed={result['passed']} (a repeated submit answers the same)")
    closed = me.call(
        "PUT",
        "/api/v1/exams/attempts/{attempt_ref}/answers/{question_ref}",
        path={"attempt_ref": ref, "question_ref": first["question_ref"]},
        json={"option_ids": [first["options"][0]["option_id"]], "seq": seq + 1},
        headers=headers,
        expect=409,
    )
    check(closed["error"]["code"] == "ATTEMPT_CLOSED", str(closed))
    ok(f"saving after the submit → {closed['error']['code']}")

    step("成绩与考核进度", "results and assessment progress")
    results = me.call("GET", "/api/v1/exams/results")
    mine_result = next((r for r in results["items"] if r["attempt_ref"] == ref), None)
    check(mine_result is not None, f"attempt missing from results: {results}")
    assert mine_result is not None
    ok(f"{mine_result['title']}（{mine_result['specialty_name']}）score {mine_result['score']}")
    home = me.call("GET", "/api/v1/assessment/home")
    ok(f"results list has the attempt; home: {home['current_step']} — {home['next_action']}")

    step("站内消息", "inbox")
    page: dict[str, Any] = {"items": []}
    mine_scored: dict[str, Any] | None = None
    for _ in range(60):  # delivery runs in the worker, after the scoring transaction commits
        page = me.call("GET", "/api/v1/inbox", params={"limit": 20})
        mine_scored = next(
            (m for m in page["items"] if m["kind"] == "exam.scored" and m["data"].get("attempt_ref") == ref), None
        )
        if mine_scored is not None:
            break
        time.sleep(0.5)
    check(mine_scored is not None, f"no exam.scored message for {ref} in the inbox: {page}")
    decided = [m for m in page["items"] if m["kind"] == "review.decided"]
    check(len(decided) >= 2, f"the two review decisions are not in the inbox: {page}")
    for message in page["items"][:6]:
        ok(f"{message['kind']}: {message['title']} — {message['body'][:40]}")
    if page.get("next_cursor"):
        more = me.call("GET", "/api/v1/inbox", params={"limit": 20, "cursor": page["next_cursor"]})
        ok(f"next page: {len(more['items'])} more")
    count = me.call("GET", "/api/v1/inbox/unread-count")
    me.call("POST", "/api/v1/inbox/read-all")
    after = me.call("GET", "/api/v1/inbox/unread-count")
    check(after["unread"] == 0, str(after))
    ok(f"unread {count['unread']} → 0 after read-all")

    step("退出登录（推送设备随之注销）", "log out (the push device goes with the session)")
    me.call("POST", "/api/v1/auth/logout")
    ended = me.call("GET", "/api/v1/me", expect=401)
    check(ended["error"]["code"] in ("SESSION_ENDED", "TOKEN_INVALID"), str(ended))
    ok(f"old token → {ended['error']['code']}")
    sys.stdout.write("✔ 全部步骤完成 / walkthrough complete\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--name", help="the physician's real name (default: the demo physician's)")
    parser.add_argument("--id-number", help="the physician's ID number (default: the demo physician's)")
    parser.add_argument("--frame", type=Path, help="a JPEG camera frame with your face (default: generated)")
    args = parser.parse_args(argv)
    if args.id_number and args.name:
        name, id_number = args.name, args.id_number
    else:
        name, id_number = demo_identity()
    check(bool(re.fullmatch(r"\d{17}[\dX]", id_number)), "bad ID number")
    frame = args.frame.read_bytes() if args.frame else None
    try:
        run(args.base_url, name=name, id_number=id_number, frame=frame)
    except Unexpected as exc:
        sys.stdout.write(f"✘ 意外的响应 / unexpected answer: {exc}\n")
        return 1
    except httpx.HTTPError as exc:
        sys.stdout.write(f"✘ 网络错误 / HTTP error: {exc!r}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
