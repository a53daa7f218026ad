"""The domain's shared enumerations: roles, physician categories and licence levels (GLOSSARY words)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    PHYSICIAN = "physician"
    INSTITUTION_REVIEWER = "institution_reviewer"
    OFFICE_REVIEWER = "office_reviewer"
    COMMISSION_REVIEWER = "commission_reviewer"
    ADMIN = "admin"


REVIEWER_ROLES = frozenset({Role.INSTITUTION_REVIEWER, Role.OFFICE_REVIEWER, Role.COMMISSION_REVIEWER})


class Category(StrEnum):
    CLINICAL = "clinical"
    DENTAL = "dental"
    PUBLIC_HEALTH = "public_health"
    TCM = "tcm"


class Level(StrEnum):
    PRACTITIONER = "practitioner"
    ASSISTANT = "assistant"
