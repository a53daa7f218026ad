"""A client generated from app_api_docs/openapi.json with openapi-python-client runs the physician journey against a
live development server: register with an SMS code, log in, refresh, bind the assessment account, start an exam,
save an answer, resume, read the inbox.

A spec the generator cannot use (any warning fails: ``--fail-on-warning``), or that disagrees with the server (an
undocumented status: ``raise_on_unexpected_status``; a body that does not parse into the generated model), fails.
"""

from __future__ import annotations

import importlib
import io
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.config import ROOT
from server.registry import demo as registry_demo
from tests.support.devserver import DevServer, postgres_url_for
from tests.support.images import face_frame, jpeg

pytestmark = pytest.mark.system

SPEC = ROOT / "app_api_docs" / "openapi.json"
CONFIG = ROOT / "app_api_docs" / "client" / "openapi-python-client.yaml"
DEMO_PASSWORD = "Yishi-Demo-2026"
PHYSICIAN_PHONE = "13800000001"
NEW_PASSWORD = "Generated-2026!"


def _generator() -> str:
    found = shutil.which("openapi-python-client", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail("openapi-python-client is not installed (it is pinned in pyproject.toml's dev extras)")
    return found


@pytest.fixture(scope="module")
def client_package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    out = tmp_path_factory.mktemp("generated") / "yishi_client"
    run = subprocess.run(
        [
            _generator(),
            "generate",
            "--path",
            str(SPEC),
            "--meta",
            "none",
            "--config",
            str(CONFIG),
            "--output-path",
            str(out),
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    sys.path.insert(0, str(out.parent))
    try:
        yield importlib.import_module("yishi_client")
    finally:
        sys.path.remove(str(out.parent))
        for name in [m for m in sys.modules if m == "yishi_client" or m.startswith("yishi_client.")]:
            del sys.modules[name]


@pytest.fixture(scope="module")
def dev_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevServer]:
    server = DevServer(tmp_path_factory.mktemp("client"), database_url=postgres_url_for("yishi_generated_client"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _mod(name: str) -> Any:
    return importlib.import_module(f"yishi_client.api.{name}")


def _ok(response: Any, *statuses: int) -> Any:
    """The parsed answer of a call that had to succeed (one of ``statuses``)."""
    wanted = statuses or (200,)
    assert response.status_code in wanted, (response.status_code, response.content[:800])
    return response.parsed


def _demo_identity() -> tuple[str, str]:
    for seq, person in enumerate(registry_demo.PEOPLE, start=1):
        if person.phone == PHYSICIAN_PHONE:
            return person.name, person.id_number(seq)
    raise AssertionError("the demo physician is not in server/registry/demo.py")


def test_generated_client_runs_the_physician_journey(client_package: Any, dev_server: DevServer) -> None:
    c = client_package
    m = importlib.import_module("yishi_client.models")
    from yishi_client.types import File

    anonymous = c.Client(base_url=dev_server.base_url, raise_on_unexpected_status=True, timeout=httpx.Timeout(60))

    def signed_in(token: str) -> Any:
        return c.AuthenticatedClient(
            base_url=dev_server.base_url, token=token, raise_on_unexpected_status=True, timeout=httpx.Timeout(60)
        )

    # -- register with an SMS code (the code from the development SMS emulator), log in, refresh
    phone = f"139{uuid.uuid4().int % 10**8:08d}"
    agreements = _ok(_mod("accounts.accounts_agreements").sync_detailed(client=anonymous))
    body = m.SmsCodeIn(phone=phone, purpose=m.SmsPurpose("register"))
    _ok(_mod("accounts.accounts_send_sms_code").sync_detailed(client=anonymous, body=body), 202)
    sms = httpx.get(f"{dev_server.emulator_url}/_emulator/sms", params={"phone": phone}, timeout=10).json()
    code = str(sms[-1]["params"]["code"])
    registered = _ok(
        _mod("accounts.accounts_register").sync_detailed(
            client=anonymous,
            body=m.RegisterIn(
                phone=phone,
                sms_code=code,
                password=NEW_PASSWORD,
                agreement_version=agreements.agreement_version,
                privacy_version=agreements.privacy_version,
            ),
        ),
        201,
    )
    assert registered.access_token
    tokens = _ok(
        _mod("accounts.accounts_login").sync_detailed(
            client=anonymous, body=m.LoginIn(login=phone, password=NEW_PASSWORD)
        )
    )
    fresh = _ok(
        _mod("accounts.accounts_refresh").sync_detailed(
            client=anonymous, body=m.RefreshIn(refresh_token=tokens.refresh_token)
        )
    )
    assert fresh.refresh_token != tokens.refresh_token
    me = _ok(_mod("accounts.accounts_me").sync_detailed(client=signed_in(fresh.access_token)))
    assert me.phone.endswith(phone[-4:])
    # a look-up the registration form needs, through the same generated code
    provinces = _ok(_mod("lookups.directory_list_regions").sync_detailed(client=anonymous))
    assert any(r.code == "110000" for r in provinces.items)

    # -- the demo physician binds the assessment account the hospital issued a credential for
    name, id_number = _demo_identity()
    hospital = signed_in(
        _ok(
            _mod("accounts.accounts_login").sync_detailed(
                client=anonymous, body=m.LoginIn(login="dc_hospital", password=DEMO_PASSWORD)
            )
        ).access_token
    )
    issued = _ok(
        _mod("assessment_admin.assessment_office_issue_credential").sync_detailed(
            client=hospital, body=m.CredentialIn(id_number=id_number, name=name)
        ),
        200,
        201,
    )
    physician = signed_in(
        _ok(
            _mod("accounts.accounts_login").sync_detailed(
                client=anonymous, body=m.LoginIn(login=PHYSICIAN_PHONE, password=DEMO_PASSWORD)
            )
        ).access_token
    )
    _ok(
        _mod("assessment.assessment_bind").sync_detailed(
            client=physician,
            body=m.BindIn(
                credential=issued.credential,
                id_number=id_number,
                name=name,
                new_password=NEW_PASSWORD,
                province_code=id_number[:2] + "0000",
            ),
        ),
        200,
        201,
    )
    notice = _ok(_mod("assessment.assessment_notice").sync_detailed(client=physician))
    _ok(
        _mod("assessment.assessment_accept_notice").sync_detailed(
            client=physician, body=m.NoticeAcceptIn(version=notice.version)
        ),
        200,
        201,
    )
    enrolment = _ok(_mod("assessment.assessment_enrolment").sync_detailed(client=physician))
    specialty = enrolment.specialty if isinstance(enrolment.specialty, str) else "内科专业"
    _ok(
        _mod("assessment.assessment_submit_enrolment").sync_detailed(
            client=physician, body=m.EnrolmentIn(data_correct=True, specialty=specialty)
        ),
        200,
        201,
    )
    _approve_both(c, m, anonymous, signed_in, "assessment_enrolment")
    _ok(
        _mod("assessment.assessment_choose_procedure").sync_detailed(
            client=physician, body=m.ProcedureIn(procedure=m.Procedure("general"))
        )
    )
    _ok(
        _mod("assessment.assessment_save_self_evaluation").sync_detailed(
            client=physician,
            body=m.SelfEvaluationIn(
                practice_record="本周期无不良执业行为记录。",
                work_performance="完成门诊与病房工作。",
                professional_ethics="遵守医德规范。",
            ),
        )
    )
    _ok(_mod("assessment.assessment_submit_self_evaluation").sync_detailed(client=physician), 200, 201)
    _approve_both(c, m, anonymous, signed_in, "assessment_self_evaluation")

    # -- face capture, start the exam, save an answer, resume on the same device
    consent = _ok(_mod("proctoring.proctoring_get_consent").sync_detailed(client=physician))
    _ok(
        _mod("proctoring.proctoring_give_consent").sync_detailed(
            client=physician, body=m.ConsentIn(version=consent.version)
        ),
        200,
        201,
    )
    frame = File(payload=io.BytesIO(jpeg(face_frame())), file_name="face.jpg", mime_type="image/jpeg")
    capture = _ok(
        _mod("proctoring.proctoring_create_capture").sync_detailed(
            client=physician,
            body=m.ProctoringCreateCaptureBody(
                exam_kind=m.ProctoringCreateCaptureBodyExamKind("professional"), image=frame
            ),
        ),
        201,
    )
    device = f"generated-{uuid.uuid4().hex[:12]}"
    attempt = _ok(
        _mod("exams.assessment_exams_start_attempt").sync_detailed(
            exam_kind=m.AssessmentExamsStartAttemptExamKind("professional"),
            client=physician,
            body=m.StartAttemptIn(capture_id=capture.capture_id, device_id=device),
        ),
        201,
    )
    question = next(q for q in attempt.questions if q.section == attempt.current_section)
    choice = [question.options[0].option_id]
    saved = _ok(
        _mod("exams.exams_save_answer").sync_detailed(
            attempt_ref=attempt.attempt_ref,
            question_ref=question.question_ref,
            client=physician,
            body=m.SaveAnswerIn(option_ids=choice, seq=1),
            x_device_id=device,
        )
    )
    assert saved.applied is True
    resumed = _ok(
        _mod("exams.exams_get_attempt").sync_detailed(
            attempt_ref=attempt.attempt_ref, client=physician, x_device_id=device
        )
    )
    assert {a.question_ref: a.option_ids for a in resumed.answers}[question.question_ref] == choice

    # -- the inbox (the review decisions above were delivered to it by the worker)
    inbox = None
    for _ in range(40):
        inbox = _ok(_mod("notifications.notifications_list_inbox").sync_detailed(client=physician))
        if inbox.items:
            break
        time.sleep(0.5)
    assert inbox is not None and inbox.items, "the review decisions reached the inbox"


def _approve_both(c: Any, m: Any, anonymous: Any, signed_in: Any, kind: str) -> None:
    for login in ("dc_hospital", "bj_office"):
        token = _ok(
            _mod("accounts.accounts_login").sync_detailed(
                client=anonymous, body=m.LoginIn(login=login, password=DEMO_PASSWORD)
            )
        ).access_token
        reviewer = signed_in(token)
        items: list[Any] = []
        for _ in range(20):
            items = _ok(_mod("reviews.workflow_review_queue").sync_detailed(client=reviewer, kind=kind)).items
            if items:
                break
            time.sleep(0.5)
        assert items, f"{login}: no {kind} item in the queue"
        detail = _ok(_mod("reviews.workflow_review_item").sync_detailed(item_id=items[0].id, client=reviewer))
        _ok(
            _mod("reviews.workflow_approve").sync_detailed(
                item_id=items[0].id, client=reviewer, body=m.ApproveIn(comment="同意", version=detail.version)
            )
        )
