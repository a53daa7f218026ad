"""End-to-end fixture for the mini-program's journey test (not part of the app).

No physician-facing route submits a reviewed item yet (the assessment part lands later), so this script plays
that part: it registers one review kind with the enrolment's chain (institution, then assessment office) and

    python review_fixture.py run            is `python -m server run` with that kind registered
    python review_fixture.py submit PHONE   submits one pending item for the physician with that phone
    python review_fixture.py frames DIR     writes face.jpg and noface.jpg (camera frames built from the
                                            scikit-image astronaut, as tests/proctoring does) into DIR

Both share DATA_DIR (and any DATABASE_URL) from the environment. Once the assessment part submits real
enrolments, the journey test uses those and this file goes.
"""

from __future__ import annotations

import asyncio
import json
import sys

from server.common.models import Role
from server.workflow.kinds import KindSpec, Step, register_kind

KIND = "e2e_enrolment"

register_kind(
    KindSpec(
        name=KIND,
        title="定期考核报名（联调）",
        chain=[Step(Role.INSTITUTION_REVIEWER, "institution"), Step(Role.OFFICE_REVIEWER, "region")],
    )
)


async def submit(phone: str) -> int:
    from server import db
    from server.accounts.models import User
    from server.registry.models import PracticeRegistration
    from server.workflow import service

    await db.init_db()
    try:
        user = await User.get(phone=phone)
        reg = await PracticeRegistration.filter(user=user).prefetch_related("main_institution").first()
        if reg is None:
            raise SystemExit(f"{phone} has no practice registration")
        inst = reg.main_institution
        item = await service.submit_item(
            kind=KIND,
            subject_type="assessment",
            subject_id=f"e2e-{user.id}",
            applicant_id=user.id,
            institution_id=inst.id,
            region_code=inst.region_code,
            payload={"name": user.real_name, "procedure": "general", "note": "端到端测试提交的报名"},
            attachments=[],
        )
        return item.id
    finally:
        await db.close_db()


def frames(directory: str) -> None:
    from pathlib import Path

    from tests.proctoring.images import face_frame, jpeg, no_face_frame

    out = Path(directory)
    (out / "face.jpg").write_bytes(jpeg(face_frame()))
    (out / "noface.jpg").write_bytes(jpeg(no_face_frame()))


if __name__ == "__main__":
    if sys.argv[1:2] == ["run"]:
        from server.cli import main

        main(["run"])
    elif sys.argv[1:2] == ["submit"] and len(sys.argv) == 3:
        sys.stdout.write(json.dumps({"item_id": asyncio.run(submit(sys.argv[2]))}) + "\n")
    elif sys.argv[1:2] == ["frames"] and len(sys.argv) == 3:
        frames(sys.argv[2])
    else:
        raise SystemExit(__doc__)
