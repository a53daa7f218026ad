"""The one place the assessment part reads the registry.

The registry part is adding ``server.registry.service.registration_summary(*, user_id)``; when it lands, the body
of :func:`registration_summary` becomes a call to it (same shape: plain dicts, no ORM objects).
"""

from __future__ import annotations

from typing import Any

from server.registry.models import (
    MultiSiteFiling,
    MultiSiteStatus,
    PracticeRegistration,
    Qualification,
    RegistrationStatus,
)


async def registration_summary(*, user_id: int, id_number_index: str | None = None) -> dict[str, Any] | None:
    """Qualification, active practice registration and filed multi-site institutions of a physician, or None."""
    qualification = await Qualification.filter(user_id=user_id).first()
    if qualification is None and id_number_index:
        qualification = await Qualification.filter(id_number_index=id_number_index).first()
    if qualification is None:
        return None
    registration = (
        await PracticeRegistration.filter(qualification_id=qualification.id, status=RegistrationStatus.ACTIVE)
        .prefetch_related("main_institution", "department")
        .first()
    )
    practice: dict[str, Any] | None = None
    sites: list[dict[str, Any]] = []
    if registration is not None:
        inst = registration.main_institution
        practice = {
            "practice_cert_no": registration.practice_cert_no,
            "institution_id": inst.id if inst else None,
            "institution_name": inst.name if inst else None,
            "department": registration.department.name if registration.department else None,
            "practice_region_code": registration.practice_region_code,
            "category": str(registration.category),
            "level": str(registration.level),
            "practice_scopes": list(registration.practice_scopes or []),
            "title": registration.title,
        }
        filings = await MultiSiteFiling.filter(
            registration_id=registration.id, status=MultiSiteStatus.FILED
        ).prefetch_related("institution")
        sites = [
            {
                "institution_id": f.institution.id,
                "institution_name": f.institution.name,
                "region_code": f.region_code,
                "filed_on": f.filed_on.isoformat(),
            }
            for f in filings
        ]
    return {
        "qualification": {
            "qualification_cert_no": qualification.qualification_cert_no,
            "name": qualification.name,
            "category": str(qualification.category),
            "level": str(qualification.level),
            "obtained_on": qualification.obtained_on.isoformat(),
        },
        "practice": practice,
        "multi_sites": sites,
    }
