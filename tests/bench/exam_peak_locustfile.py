"""Locust users of an exam peak: candidates sitting a timed exam, reviewers working their queues.

Driven by tests/bench/exam_peak.py (which seeds the accounts, starts the server and steps the load up), or by hand:

    BENCH_CREDENTIALS=/tmp/exam-peak/credentials.json .venv/bin/locust -f tests/bench/exam_peak_locustfile.py \
        --host http://127.0.0.1:8000

Paths and JSON fields follow the exams / proctoring contract pinned in the project brief:
- candidate: POST /auth/login → GET/POST /proctoring/consent {version} → POST /proctoring/captures (a camera frame) →
  POST /exams/{kind}/attempts {capture_id, device_id} → PUT …/answers/{question_ref} {option_ids, seq} every few
  seconds (and now and then GET the attempt, as a page reload does) → finish each section → submit → GET results,
  then the next candidate identity takes over.
- reviewer: GET /reviews/queue/counts, GET /reviews/queue, GET /reviews/items/{id}; institution reviewers approve
  the first step of what they see (which only moves the item to the next step), office reviewers read.
Finishing a section, submitting and resuming carry the attempt's X-Device-Id like the saves. Each identity sits the
exam once (exam_peak.py seeds it eligible for the humanities exam through the real assessment and proctoring);
a seat that submitted takes the next identity. A server without the exams API (GET /exams 404) gets GET /me as a
stand-in for the saves, and the summary says `save_route=stand-in`.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import threading
import uuid
from typing import Any

from locust import FastHttpUser, between, events, task
from locust.exception import StopUser

EXAM_KIND = os.environ.get("BENCH_EXAM_KIND", "humanities")
# Think times are multiplied by this (tests/deploy runs the scenario against a stand-in server with 0.01).
WAIT_SCALE = float(os.environ.get("BENCH_WAIT_SCALE", "1"))
SAVE_NAME = "PUT /exams/attempts/[ref]/answers/[q]"
STAND_IN_SAVE_NAME = "GET /me (answer-save stand-in)"


class Pool:
    """Identities handed out once each, across all users of this process."""

    def __init__(self, items: list[dict[str, Any]]) -> None:
        self._items = itertools.cycle(items) if items else None
        self._lock = threading.Lock()

    def take(self) -> dict[str, Any]:
        if self._items is None:
            raise StopUser()
        with self._lock:
            return next(self._items)


STATE: dict[str, Any] = {"candidates": Pool([]), "reviewers": Pool([]), "exams": None, "frame": None, "ready": 0}


def configure(credentials: dict[str, Any]) -> None:
    """Give the users their identities (the driver calls this; `locust -f` reads BENCH_CREDENTIALS)."""
    STATE["candidates"] = Pool(credentials["candidates"])
    STATE["reviewers"] = Pool(credentials["reviewers"])
    STATE["password"] = credentials["password"]


if os.environ.get("BENCH_CREDENTIALS"):
    with open(os.environ["BENCH_CREDENTIALS"], encoding="utf-8") as fh:
        configure(json.load(fh))


def face_jpeg() -> bytes:
    """A real frontal face (skimage's astronaut) as a 640×480 JPEG, made once."""
    if STATE["frame"] is None:
        from tests.support.images import face_frame, jpeg

        STATE["frame"] = jpeg(face_frame())
    return bytes(STATE["frame"])


def _multipart(fields: dict[str, str], file_field: str, filename: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
        f"Content-Type: image/jpeg\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class _Authenticated(FastHttpUser):
    abstract = True
    pool_name = ""
    identity: dict[str, Any]
    token = ""

    def _headers(self, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **extra}

    def log_in(self) -> None:
        self.identity = STATE[self.pool_name].take()
        with self.client.post(
            "/api/v1/auth/login",
            json={"login": self.identity["login"], "password": STATE["password"]},
            name="POST /auth/login",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"log-in {response.status_code}: {response.text[:200]}")
                raise StopUser()
            self.token = response.json()["access_token"]

    def get(self, path: str, name: str, **kwargs: Any) -> Any:
        return self.client.get(path, headers=self._headers(**kwargs.pop("headers", {})), name=name, **kwargs)


class Candidate(_Authenticated):
    """A physician at the exam: one answer save every few seconds, like the mini-program's autosave."""

    weight = 50
    wait_time = between(3 * WAIT_SCALE, 7 * WAIT_SCALE)
    pool_name = "candidates"

    def on_start(self) -> None:
        self.attempt: dict[str, Any] | None = None
        self.device_id = uuid.uuid4().hex
        self.log_in()
        if STATE["exams"] is None:
            response = self.client.get("/api/v1/exams", headers=self._headers(), name="GET /exams")
            STATE["exams"] = response.status_code != 404
        if STATE["exams"]:
            self.start_attempt()
        STATE["ready"] += 1  # seated: logged in and (with the exams API) the attempt started

    def start_attempt(self) -> None:
        consent = self.get("/api/v1/proctoring/consent", name="GET /proctoring/consent")
        if consent.status_code == 200 and not consent.json().get("accepted"):
            self.client.post(
                "/api/v1/proctoring/consent",
                json={"version": consent.json()["version"]},
                headers=self._headers(),
                name="POST /proctoring/consent",
            )
        body, content_type = _multipart({"exam_kind": EXAM_KIND}, "image", "face.jpg", face_jpeg())
        with self.client.post(
            "/api/v1/proctoring/captures",
            data=body,  # type: ignore[arg-type]  # bytes are sent as they are
            headers=self._headers(**{"Content-Type": content_type}),
            name="POST /proctoring/captures",
            catch_response=True,
        ) as response:
            if response.status_code not in (200, 201) or not response.json().get("accepted"):
                response.failure(f"capture {response.status_code}: {response.text[:200]}")
                return
            capture_id = response.json()["capture_id"]
        with self.client.post(
            f"/api/v1/exams/{EXAM_KIND}/attempts",
            json={"capture_id": capture_id, "device_id": self.device_id},
            headers=self._headers(),
            name="POST /exams/[kind]/attempts",
            catch_response=True,
        ) as response:
            if response.status_code != 201:
                response.failure(f"start {response.status_code}: {response.text[:200]}")
                return
            self.attempt = response.json()
        self.seq = 0
        self.answered: set[str] = set()

    def _pending(self) -> list[dict[str, Any]]:
        """Unanswered questions of the section the server says is current (later sections may be gated)."""
        assert self.attempt is not None
        current = self.attempt.get("current_section")
        return [
            q
            for q in self.attempt.get("questions") or []
            if q["question_ref"] not in self.answered and (current is None or q.get("section") == current)
        ]

    @task(20)
    def save_answer(self) -> None:
        if not STATE["exams"]:
            self.get("/api/v1/me", name=STAND_IN_SAVE_NAME)
            return
        if self.attempt is None:
            self.start_attempt()
            return
        pending = self._pending()
        if not pending:
            self.next_section_or_submit()
            return
        question = pending[0]
        self.answered.add(question["question_ref"])
        self.seq += 1
        options = question.get("options") or [{"option_id": "A"}]
        chosen = [random.choice(options)["option_id"]]
        with self.client.put(
            f"/api/v1/exams/attempts/{self.attempt['attempt_ref']}/answers/{question['question_ref']}",
            json={"option_ids": chosen, "seq": self.seq},
            headers=self._headers(**{"X-Device-Id": self.device_id}),
            name=SAVE_NAME,
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"save {response.status_code}: {response.text[:200]}")

    @task(1)
    def reload_page(self) -> None:
        """The app resumes the attempt after a reload or a network change."""
        if STATE["exams"] and self.attempt is not None:
            self.refresh_attempt()
        elif not STATE["exams"]:
            self.get("/api/v1/my/reviews", name="GET /my/reviews")

    def refresh_attempt(self) -> None:
        assert self.attempt is not None
        response = self.get(
            f"/api/v1/exams/attempts/{self.attempt['attempt_ref']}",
            name="GET /exams/attempts/[ref]",
            headers={"X-Device-Id": self.device_id},
        )
        if response.status_code == 200:
            self.attempt = response.json()

    def next_section_or_submit(self) -> None:
        """Finish the current section; submit when no section is left (or the server has none)."""
        assert self.attempt is not None
        ref = self.attempt["attempt_ref"]
        current = self.attempt.get("current_section")
        if current is not None:
            with self.client.post(
                f"/api/v1/exams/attempts/{ref}/sections/{current}/finish",
                headers=self._headers(**{"X-Device-Id": self.device_id}),
                name="POST /exams/attempts/[ref]/sections/[s]/finish",
                catch_response=True,
            ) as response:
                if response.status_code == 200:
                    self.attempt = response.json()  # the attempt as it is now: next section open, or scored
                else:
                    response.failure(f"finish {response.status_code}: {response.text[:200]}")
            if response.status_code != 200:
                self.refresh_attempt()
            assert self.attempt is not None
            moved_on = self.attempt.get("current_section") not in (None, current)
            if moved_on and self.attempt.get("status") not in ("submitted", "scored", "expired"):
                return
        with self.client.post(
            f"/api/v1/exams/attempts/{ref}/submit",
            headers=self._headers(**{"X-Device-Id": self.device_id}),
            name="POST /exams/attempts/[ref]/submit",
            catch_response=True,
        ) as response:
            if response.status_code != 200 or response.json().get("status") not in ("submitted", "scored"):
                response.failure(f"submit {response.status_code}: {response.text[:200]}")
        self.get("/api/v1/exams/results", name="GET /exams/results")
        # The next candidate sits down at this seat.
        self.attempt = None
        self.log_in()


class Reviewer(_Authenticated):
    """An institution or office reviewer going through the queue on the phone."""

    weight = 1
    # How many of the users are reviewers (BENCH_REVIEWERS; the driver sets it per step); 0 = by weight.
    fixed_count = int(os.environ.get("BENCH_REVIEWERS", "0"))
    wait_time = between(2 * WAIT_SCALE, 5 * WAIT_SCALE)
    pool_name = "reviewers"

    def on_start(self) -> None:
        self.log_in()
        self.items: list[dict[str, Any]] = []
        STATE["ready"] += 1

    @task(2)
    def counts(self) -> None:
        self.get("/api/v1/reviews/queue/counts", name="GET /reviews/queue/counts")

    @task(4)
    def queue(self) -> None:
        response = self.get("/api/v1/reviews/queue?limit=20", name="GET /reviews/queue")
        if response.status_code == 200:
            self.items = response.json().get("items", [])

    @task(3)
    def open_and_decide(self) -> None:
        if not self.items:
            self.get("/api/v1/reviews/history", name="GET /reviews/history")
            return
        item = self.items.pop(0)
        self.get(f"/api/v1/reviews/items/{item['id']}", name="GET /reviews/items/[id]")
        if self.identity.get("approves") and item.get("current_step") == 0:
            with self.client.post(
                f"/api/v1/reviews/items/{item['id']}/approve",
                json={"comment": "材料齐全", "version": item["version"]},
                headers=self._headers(),
                name="POST /reviews/items/[id]/approve",
                catch_response=True,
            ) as response:
                if response.status_code == 409:
                    response.success()  # someone else decided it first: what a real reviewer meets too


@events.init.add_listener
def _reset(environment: Any, **kwargs: Any) -> None:
    STATE["exams"] = None
    STATE["ready"] = 0
