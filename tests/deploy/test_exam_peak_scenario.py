"""The exam-peak locust scenario against a stand-in server that speaks the pinned exams / proctoring contract.

The real exams API is merged later; this keeps the scenario honest meanwhile: a candidate logs in, gives consent by
version, uploads a real face frame, starts an attempt, saves answers of the current section only with increasing
`seq` and its device id, finishes the sections in the server's order, submits, and the next identity takes the seat;
a reviewer reads the queue and approves first-step items. Locust runs in a child process (its gevent monkey-patching
must not reach this test process).
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import subprocess
import sys
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.support.deploy import ROOT

pytestmark = pytest.mark.system

LOCUSTFILE = ROOT / "tests" / "bench" / "exam_peak_locustfile.py"
SECTIONS = {"law": ["L1", "L2"], "humanities": ["H1", "H2", "H3"]}


class ContractServer(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), ContractHandler)
        self.lock = threading.Lock()
        self.calls: Counter[str] = Counter()
        self.problems: list[str] = []
        self.attempts: dict[str, dict[str, Any]] = {}
        self.finished_order: list[list[str]] = []


class ContractHandler(BaseHTTPRequestHandler):
    server: ContractServer
    protocol_version = "HTTP/1.1"

    def _send(self, status: int, payload: Any) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("content-length") or 0))

    def _problem(self, text: str) -> None:
        with self.server.lock:
            self.server.problems.append(text)

    def _attempt_json(self, attempt: dict[str, Any]) -> dict[str, Any]:
        current = attempt["current"]
        return {
            "attempt_ref": attempt["ref"],
            "exam_kind": "humanities",
            "status": attempt["status"],
            "current_section": current,
            "sections": [{"section": s, "status": "open" if s == current else "locked"} for s in SECTIONS],
            "questions": [
                {
                    "question_ref": q,
                    "section": current,
                    "type": "single",
                    "stem": "题干",
                    "options": [{"option_id": "a", "text": "甲"}, {"option_id": "b", "text": "乙"}],
                }
                for q in SECTIONS.get(current or "", [])
            ],
            "answers": [],
        }

    def _route(self, method: str) -> None:
        path = self.path.split("?")[0]
        parts = path.strip("/").split("/")[2:]  # after api/v1
        body = self._body()
        key = f"{method} /" + "/".join(parts)
        auth = self.headers.get("authorization", "")
        if parts[:2] != ["auth", "login"] and not auth.startswith("Bearer t-"):
            self._problem(f"{key} without the log-in token")
        with self.server.lock:
            self.server.calls[method + " " + _template(parts)] += 1
        if parts == ["auth", "login"]:
            login = json.loads(body)["login"]
            return self._send(200, {"access_token": f"t-{login}", "refresh_token": "r", "expires_in": 900})
        if parts == ["exams"]:
            return self._send(200, {"items": []})
        if parts == ["proctoring", "consent"]:
            if method == "POST" and json.loads(body) != {"version": "2026-01"}:
                self._problem("consent without the version GET returned")
            return self._send(200, {"version": "2026-01", "accepted": method == "POST"})
        if parts == ["proctoring", "captures"]:
            if b'name="image"' not in body or b"\xff\xd8\xff" not in body or b'name="exam_kind"' not in body:
                self._problem("capture without a JPEG image and exam_kind")
            return self._send(201, {"capture_id": "cap", "accepted": True, "measurements": {}})
        if parts[:1] == ["exams"] and parts[2:] == ["attempts"] and method == "POST":
            request = json.loads(body)
            ref = f"A{len(self.server.attempts) + 1}"
            attempt = {"ref": ref, "current": "law", "status": "in_progress", "device": request["device_id"]}
            attempt["seq"] = -1
            attempt["finished"] = []
            with self.server.lock:
                self.server.attempts[ref] = attempt
            return self._send(201, self._attempt_json(attempt))
        if parts[:2] == ["exams", "attempts"]:
            attempt = self.server.attempts[parts[2]]
            if self.headers.get("x-device-id") != attempt["device"]:
                self._problem(f"{key} without the attempt's X-Device-Id")
            if len(parts) == 3:
                return self._send(200, self._attempt_json(attempt))
            if parts[3] == "answers":
                answer = json.loads(body)
                if parts[4] not in SECTIONS.get(attempt["current"] or "", []):
                    self._problem(f"answer {parts[4]} outside the open section {attempt['current']}")
                if answer["seq"] <= attempt["seq"]:
                    self._problem("seq did not increase")
                attempt["seq"] = answer["seq"]
                return self._send(200, {"question_ref": parts[4], "seq": answer["seq"]})
            if parts[3] == "sections":
                if parts[4] != attempt["current"]:
                    self._problem(f"finished {parts[4]} while {attempt['current']} was open")
                attempt["finished"].append(parts[4])
                order = list(SECTIONS)
                nxt = order.index(parts[4]) + 1
                attempt["current"] = order[nxt] if nxt < len(order) else None
                return self._send(200, self._attempt_json(attempt))
            if parts[3] == "submit":
                attempt["status"] = "scored"
                with self.server.lock:
                    self.server.finished_order.append(attempt["finished"])
                return self._send(200, self._attempt_json(attempt))
        if parts == ["exams", "results"]:
            return self._send(200, {"items": []})
        if parts[:1] == ["reviews"]:
            if parts == ["reviews", "queue"]:
                return self._send(200, {"items": [{"id": 7, "current_step": 0, "version": 1}], "next_cursor": None})
            return self._send(200, {"counts": {}, "total": 0, "items": []})
        self._problem(f"unexpected {key}")
        return self._send(404, {"error": {"code": "NOT_FOUND", "message": "x"}})

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_PUT(self) -> None:
        self._route("PUT")

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _template(parts: list[str]) -> str:
    if parts[:2] == ["exams", "attempts"] and len(parts) > 2:
        return "/exams/attempts/" + "/".join(["[ref]", *(parts[3:4]), *(["[x]"] if len(parts) > 4 else [])])
    return "/" + "/".join(p if not p.isdigit() else "[id]" for p in parts)


@pytest.fixture()
def contract_server() -> Any:
    server = ContractServer()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


def test_candidates_sit_the_exam_and_reviewers_work_the_queue(contract_server: ContractServer, tmp_path: Path) -> None:
    # Never import locust here: its gevent monkey-patching would take over this process.
    assert importlib.util.find_spec("locust") is not None, "locust is a pinned dev dependency: reinstall the venv"
    credentials = {
        "password": "x",
        "candidates": [{"login": f"170{i:08d}"} for i in range(40)],
        "reviewers": [{"login": "inst", "approves": True}, {"login": "office", "approves": False}],
    }
    (tmp_path / "credentials.json").write_text(json.dumps(credentials))
    env = {
        **os.environ,
        "BENCH_CREDENTIALS": str(tmp_path / "credentials.json"),
        "BENCH_WAIT_SCALE": "0.01",
        "BENCH_REVIEWERS": "2",
        "PYTHONPATH": str(ROOT),
    }
    host = f"http://127.0.0.1:{contract_server.server_address[1]}"
    result = subprocess.run(
        [
            *(sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", host),
            *(
                "-u",
                "6",
                "-r",
                "6",
                "-t",
                "6s",
                "--csv",
                str(tmp_path / "run"),
                "--only-summary",
                "--stop-timeout",
                "2",
            ),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert not contract_server.problems, contract_server.problems[:5]
    with open(tmp_path / "run_stats.csv", newline="") as fh:
        rows = {row["Name"]: row for row in csv.DictReader(fh)}
    assert result.returncode in (0, 1), result.stderr[-2000:]
    assert int(rows["Aggregated"]["Failure Count"]) == 0, result.stderr[-2000:]
    calls = contract_server.calls
    assert calls["PUT /exams/attempts/[ref]/answers/[x]"] >= 5
    assert rows["PUT /exams/attempts/[ref]/answers/[q]"]["Request Count"] != "0"
    assert contract_server.finished_order and all(o == ["law", "humanities"] for o in contract_server.finished_order)
    assert calls["POST /exams/attempts/[ref]/submit"] >= 1
    assert calls["GET /reviews/queue"] >= 1 and calls["POST /reviews/items/[id]/approve"] >= 1
