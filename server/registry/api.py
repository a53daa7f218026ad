"""The registry's public face, for the parts above it (the assessment).

summary = await registry_api.registration_summary(user_id=..., id_number_index=...)
    qualification, the active practice registration (with institution and region names) and filed multi-site
    institutions, as plain data; None when the registers know nobody.
is_valid_document(IdType.PASSPORT, "E12345678")     the shape each document type's number must have
NOT_FOUND_GUIDANCE                                  the legacy 资格补【改】指南 lines, for a person not found
rows = await registry_api.registered_physicians(institution_ids)
    the active registrations at those institutions (RegisteredPhysician), for progress lists.
"""

from __future__ import annotations

from server.registry.documents import ID_TYPE_LABELS, IdType, normalise
from server.registry.documents import is_valid as is_valid_document
from server.registry.identity import NOT_FOUND_GUIDANCE
from server.registry.rolls import RegisteredPhysician, registered_physicians
from server.registry.service import registration_summary

__all__ = [
    "ID_TYPE_LABELS",
    "NOT_FOUND_GUIDANCE",
    "IdType",
    "RegisteredPhysician",
    "is_valid_document",
    "normalise",
    "registered_physicians",
    "registration_summary",
]
