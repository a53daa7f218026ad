"""Helper for the mini-program's end-to-end test (not part of the app). Shares DATA_DIR with the server the
test started (`python -m server run`).

    python helper.py frames DIR     writes face.jpg and noface.jpg (camera frames built from the scikit-image
                                    astronaut, as tests/proctoring does) into DIR
    python helper.py person PHONE   prints {"name", "id_number", "province_code", "qualification_cert_no"} of the
                                    demo physician with that phone: what the physician types from the ID card
                                    and the certificate, needed for the assessment binding and recovery
"""

from __future__ import annotations

import asyncio
import json
import sys


def frames(directory: str) -> None:
    from pathlib import Path

    from tests.support.images import face_frame, jpeg, no_face_frame

    out = Path(directory)
    (out / "face.jpg").write_bytes(jpeg(face_frame()))
    (out / "noface.jpg").write_bytes(jpeg(no_face_frame()))


async def person(phone: str) -> dict[str, str]:
    from server import db
    from server.accounts.models import User
    from server.common import crypto
    from server.registry.models import PracticeRegistration, Qualification

    await db.init_db()
    try:
        user = await User.get(phone=phone)
        reg = await PracticeRegistration.filter(user_id=user.id).prefetch_related("main_institution").first()
        if reg is None or reg.main_institution is None or not user.id_number_enc:
            raise SystemExit(f"{phone} has no practice registration or ID number")
        qualification = await Qualification.filter(user_id=user.id).order_by("id").first()
        return {
            "name": user.real_name or "",
            "id_number": crypto.decrypt(user.id_number_enc, context="id_number"),
            "province_code": reg.main_institution.province_code,
            "qualification_cert_no": qualification.qualification_cert_no if qualification else "",
        }
    finally:
        await db.close_db()


if __name__ == "__main__":
    if sys.argv[1:2] == ["frames"] and len(sys.argv) == 3:
        frames(sys.argv[2])
    elif sys.argv[1:2] == ["person"] and len(sys.argv) == 3:
        sys.stdout.write(json.dumps(asyncio.run(person(sys.argv[2])), ensure_ascii=False) + "\n")
    else:
        raise SystemExit(__doc__)
