"""The guide in app_api_docs/ names only operations the spec has, and its links and stated limits match the code."""

from __future__ import annotations

import json
import re
from pathlib import Path

from server.config import ROOT

DOCS = ROOT / "app_api_docs"
GUIDE = [DOCS / "README.md", *sorted((DOCS / "guide").glob("*.md"))]
# `GET /inbox`, `POST /exams/{exam_kind}/attempts`, `PUT …/answers/{question_ref}` (an elided prefix is skipped)
OPERATION = re.compile(r"`(GET|POST|PUT|PATCH|DELETE) (/[^`?\s]*)")


def _spec_paths() -> dict[str, set[str]]:
    spec = json.loads((DOCS / "openapi.json").read_text(encoding="utf-8"))
    return {path: {m.upper() for m in ops} for path, ops in spec["paths"].items()}


def _normalise(path: str) -> str:
    path = path.rstrip("/")
    if not path.startswith(("/api/", "/healthz", "/readyz")):
        path = "/api/v1" + path
    return path


def test_every_operation_named_in_the_guide_is_in_the_spec() -> None:
    paths = _spec_paths()
    named = 0
    for page in GUIDE:
        for method, raw in OPERATION.findall(page.read_text(encoding="utf-8")):
            path = _normalise(raw)
            named += 1
            assert method in paths.get(path, set()), f"{page.name}: {method} {raw} is not in openapi.json"
    assert named > 60


def test_every_relative_link_resolves() -> None:
    for page in GUIDE:
        for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            if target.startswith("http"):
                continue
            assert (page.parent / target).exists(), f"{page.name}: broken link {target}"


def test_the_numbers_the_guide_states_are_the_code_s() -> None:
    from server.accounts import captchas, lockout, sms
    from server.assessment import binding, proofs
    from server.config import Settings
    from server.exams import definitions, hot
    from server.proctoring.id_photo import ID_PHOTO_HEIGHT, ID_PHOTO_MAX_BYTES, ID_PHOTO_WIDTH
    from server.proctoring.image import DEFAULT_THRESHOLDS
    from server.registry import activation, applications

    class Defaults:  # what a deployment gets unless it sets otherwise (the test environment may)
        def __getattr__(self, name: str) -> object:
            return Settings.model_fields[name].default

    settings = Defaults()
    assert settings.access_token_ttl_s == 15 * 60 and settings.refresh_token_ttl_s == 30 * 86400
    assert (lockout.CAPTCHA_AFTER_FAILURES, lockout.LOCK_AFTER_FAILURES, lockout.LOCK_S) == (5, 10, 15 * 60)
    assert lockout.FAILURE_MEMORY_S == 24 * 3600 and captchas.CAPTCHA_TTL_S == 300
    assert sms.SEND_LIMITS == (("minute", 1, 60), ("hour", 5, 3600), ("day", 10, 86400))
    assert sms.IP_SEND_LIMITS == (("minute", 10, 60), ("hour", 50, 3600), ("day", 200, 86400))
    assert (settings.sms_code_ttl_minutes, sms.MAX_WRONG_TRIES) == (10, 5)
    assert (binding.BIND_FAILURES_MAX, binding.BIND_FAILURES_WINDOW_S) == (10, 3600)
    assert activation.MAX_CODE_TRIES_PER_HOUR == 5 and applications.MAX_ATTACHMENTS == 5
    assert binding.CREDENTIAL_TTL.days == 7
    assert (proofs.PROOF_MAX_BYTES, proofs.PROOF_MAX_FILES, proofs.PROOF_MAX_TOTAL) == (
        4 * 1024 * 1024,
        5,
        8 * 1024 * 1024,
    )
    assert (ID_PHOTO_WIDTH, ID_PHOTO_HEIGHT, ID_PHOTO_MAX_BYTES) == (354, 472, 80 * 1024)
    t = DEFAULT_THRESHOLDS
    assert (t.max_bytes, t.max_pixels, t.min_side) == (2 * 1024 * 1024, 4096 * 3072, 240)
    assert (t.min_face_ratio, t.edge_margin, t.max_center_offset) == (0.2, 0.15, 0.25)
    assert (t.min_brightness, t.max_brightness, t.min_sharpness) == (60.0, 200.0, 20.0)
    assert settings.face_capture_valid_minutes == 30 and settings.face_retention_days == 180
    assert (settings.face_snapshot_count, settings.face_snapshot_window_s, settings.face_snapshot_grace_s) == (
        3,
        3300,
        120,
    )
    assert hot.GRACE_S == 60 and settings.request_max_size == 10 * 1024 * 1024
    for rules in definitions.DEFAULT_RULES.values():
        assert rules["duration_s"] == 3600 and all(s["pass_mark"] == 60.0 for s in rules["sections"])


def test_the_walkthrough_is_documented_and_uses_the_published_spec() -> None:
    text = (DOCS / "walkthrough.py").read_text(encoding="utf-8")
    assert 'Path(__file__).resolve().parent / "openapi.json"' in text
    assert "walkthrough.py" in (DOCS / "README.md").read_text(encoding="utf-8")
    assert Path(DOCS / "error-codes.md").exists()


def test_the_capture_size_limit_is_one_setting_stated_alike_in_the_spec_and_the_guide() -> None:
    from server.config import Settings
    from server.proctoring.checks import capture_size_text, face_thresholds
    from server.proctoring.image import DEFAULT_THRESHOLDS

    stated = capture_size_text()
    width, height = (int(n) for n in stated.split("×"))
    assert width * height == DEFAULT_THRESHOLDS.max_pixels == face_thresholds().max_pixels
    assert capture_size_text(Settings(face_max_width=1920, face_max_height=1080)) == "1920×1080"
    spec = (DOCS / "openapi.json").read_text(encoding="utf-8")
    assert spec.count(f"总像素不超过 {stated}") == 2  # the capture and the snapshot upload
    for name in ("exams.md", "uploads.md"):
        assert f"总像素 ≤ {stated}" in (DOCS / "guide" / name).read_text(encoding="utf-8"), name
    for path in [DOCS / "openapi.json", *GUIDE]:
        text = path.read_text(encoding="utf-8")
        # a limit is "最大（约）/ ≤ / 不超过 W×H"; a recommended size (640×480) is not one
        sizes = set(re.findall(r"(?:最大约?|≤|不超过)\s*(\d{3,5}×\d{3,5})", text)) - {stated}
        assert not sizes, f"{path.name} states another capture size limit: {sizes}"


def test_the_demo_identities_page_matches_the_demo_data() -> None:
    from server.accounts.demo import STAFF
    from server.registry.demo import PEOPLE

    page = (DOCS / "guide" / "demo-identities.md").read_text(encoding="utf-8")
    rows = {
        cells[0]: cells
        for line in page.splitlines()
        if line.startswith("| ") and (cells := [c.strip() for c in line.strip("|").split("|")])
    }
    for seq, person in enumerate(PEOPLE, start=1):
        row = rows.get(person.name)
        assert row is not None, f"{person.name} is not on the page"
        assert row[1] == person.id_number(seq), person.name
        assert row[2].startswith(person.phone) if person.phone else row[2] == "无", person.name
        assert row[3] == person.qualification_cert_no(seq), person.name
    for username, *_ in STAFF:
        assert f"`{username}`" in rows, username
    for doc in (ROOT / "README.md", DOCS / "README.md"):
        assert "guide/demo-identities.md" in doc.read_text(encoding="utf-8"), doc
