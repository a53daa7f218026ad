"""The roll of registered physicians (在册医师) per institution, for the parts above (the assessment's progress)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from server.common import crypto
from server.common.masking import mask_id_number
from server.registry.models import PracticeRegistration, RegistrationStatus


@dataclass(frozen=True, slots=True)
class RegisteredPhysician:
    """One active registration: who (the ID number's blind index to match other records by), where, and the app
    account it is linked to (None for a physician who never activated one)."""

    registration_id: int
    name: str
    id_number_index: str
    id_number_masked: str
    institution_id: int
    user_id: int | None


async def registered_physicians(institution_ids: Collection[int]) -> list[RegisteredPhysician]:
    """Physicians whose active main practice registration is at one of the institutions, oldest first."""
    ids = [i for i in institution_ids if i]
    if not ids:
        return []
    rows = (
        await PracticeRegistration.filter(main_institution_id__in=ids, status=RegistrationStatus.ACTIVE)
        .order_by("id")
        .prefetch_related("qualification")
    )
    found = []
    for r in rows:
        q = r.qualification
        try:
            number = crypto.decrypt(q.id_number_enc, context="id_number")
        except Exception:  # an undecryptable number still counts the physician; it only cannot be shown
            number = None
        found.append(
            RegisteredPhysician(
                registration_id=r.id,
                name=q.name,
                id_number_index=q.id_number_index,
                id_number_masked=mask_id_number(number) or "",
                institution_id=r.main_institution_id,  # type: ignore[attr-defined]
                user_id=r.user_id,  # type: ignore[attr-defined]
            )
        )
    return found
