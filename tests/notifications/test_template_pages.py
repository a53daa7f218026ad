"""Every page a message opens (inbox link, subscribe message `page`) is a page the mini-program has."""

from __future__ import annotations

import json

import pytest

from server.config import ROOT
from server.notifications import templates


def _pages() -> set[str]:
    app = json.loads((ROOT / "miniprogram" / "app.json").read_text(encoding="utf-8"))
    pages = set(app["pages"])
    for package in app.get("subpackages", []):
        pages |= {f"{package['root']}/{page}" for page in package["pages"]}
    return pages


PAYLOADS = {
    "review.decided": [
        {"item_id": 1, "kind": kind, "title": "信息确认", "decision": "approved"}
        for kind in ("assessment_enrolment", "registry_photo", "registry_register", "unknown_kind")
    ],
    "exam.scored": [{"exam_kind": "humanities", "score": 80, "passed": True, "attempt_ref": "abc"}],
    "assessment.result_ready": [{"assessment_id": 3, "result": "passed", "verification_code": "X"}],
    "account.security": [{"action": "password_changed"}],
}


@pytest.mark.parametrize("kind", sorted(PAYLOADS))
def test_message_pages_exist_in_the_mini_program(kind: str) -> None:
    pages = _pages()
    for payload in PAYLOADS[kind]:
        rendered = templates.render(kind, payload)
        targets = [rendered.link] if rendered.link else []
        if rendered.subscribe is not None:
            targets.append(rendered.subscribe.page)
        assert targets, f"{kind} opens no page"
        for target in targets:
            path = target.lstrip("/").split("?", 1)[0]
            assert path in pages, f"{kind}: {target} is not a mini-program page"
