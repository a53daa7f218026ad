"""The registry's public face, for the parts above it (the assessment).

summary = await registry_api.registration_summary(user_id=..., id_number_index=...)
    qualification, the active practice registration (with institution and region names) and filed multi-site
    institutions, as plain data; None when the registers know nobody.
rows = await registry_api.registered_physicians(institution_ids)
    the active registrations at those institutions (RegisteredPhysician), for progress lists.
"""

from __future__ import annotations

from server.registry.documents import ID_TYPE_LABELS, IdType
from server.registry.rolls import RegisteredPhysician, registered_physicians
from server.registry.service import registration_summary

__all__ = ["ID_TYPE_LABELS", "IdType", "RegisteredPhysician", "registered_physicians", "registration_summary"]
