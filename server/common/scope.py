"""The one scope policy: where a physician belongs, and who may see what.

Regions are GB/T 2260 codes: a province ``110000`` covers every code starting ``11``, a city ``110100`` every code
starting ``1101``, a county ``110105`` only itself. Every part asks here, never works it out on its own:

    province_of("110105")                        -> "110000"
    region_covers("110000", "110105")            -> True
    region_chain("110105")                       -> ["110105", "110100", "110000"]
    await affiliation_of(user_id)                -> Affiliation(institution_id, region_code, province_code) | None
    may_see(principal, Subject(...))             -> bool   the subject's owner, or a reviewer whose scope covers it
    scope_filter(principal)                      -> Q | None   the same rule as a query filter for lists

An institution reviewer's scope is their institution; an office or commission reviewer's is their region and
everything below it; an administrator's is everything. A physician sees only what they own.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from tortoise.expressions import Q

from server.common.auth import Principal
from server.common.enums import REVIEWER_ROLES, Role
from server.common.models import Affiliation as AffiliationRow


def province_of(region_code: str) -> str:
    """The province of a region: ``110105`` → ``110000``."""
    return region_code[:2] + "0000"


def region_prefix(code: str) -> str:
    """The code prefix a region covers: province 110000 → ``11``, city 110100 → ``1101``, county → itself."""
    prefix = code
    while len(prefix) > 2 and prefix.endswith("00") and len(prefix) <= 6:
        prefix = prefix[:-2]
    return prefix


def region_covers(mine: str | None, theirs: str | None) -> bool:
    """Whether region ``mine`` is ``theirs`` or above it."""
    if not mine or not theirs:
        return False
    return theirs == mine or theirs.startswith(region_prefix(mine))


def region_chain(code: str) -> list[str]:
    """The region and every region above it, nearest first: ``110105`` → ``["110105", "110100", "110000"]``."""
    chain = [code]
    for parent in (code[:4] + "00", code[:2] + "0000"):
        if parent not in chain:
            chain.append(parent)
    return chain


def is_province(code: str | None) -> bool:
    return bool(code) and len(code or "") == 6 and (code or "").endswith("0000")


@dataclass(frozen=True, slots=True)
class Subject:
    """What is being looked at: whose it is, and the institution and region it belongs to."""

    owner_id: int | None = None
    institution_id: int | None = None
    region_code: str | None = None


def covers(principal: Principal, subject: Subject) -> bool:
    """Whether the principal's reviewer scope (or an administrator's) covers the subject; ownership aside."""
    if principal.role == Role.ADMIN:
        return True
    if principal.role == Role.INSTITUTION_REVIEWER:
        return principal.institution_id is not None and principal.institution_id == subject.institution_id
    if principal.role in (Role.OFFICE_REVIEWER, Role.COMMISSION_REVIEWER):
        return region_covers(principal.region_code, subject.region_code)
    return False


def may_see(principal: Principal, subject: Subject, *, roles: Collection[Role] = REVIEWER_ROLES) -> bool:
    """The subject's owner, or a principal of one of ``roles`` whose scope covers it."""
    if subject.owner_id is not None and subject.owner_id == principal.user_id:
        return True
    if principal.role not in roles:
        return False
    return covers(principal, subject)


def region_q(region_code: str, *, field: str = "region_code") -> Q:
    """Rows whose ``field`` is ``region_code`` or lies below it."""
    return Q(**{field: region_code}) | Q(**{f"{field}__startswith": region_prefix(region_code)})


def scope_filter(
    principal: Principal,
    *,
    institution_field: str = "institution_id",
    region_field: str = "region_code",
    roles: Collection[Role] = REVIEWER_ROLES,
) -> Q | None:
    """The rows a reviewer of ``roles`` may list, as a filter; None when the principal may list none."""
    if principal.role not in roles:
        return None
    if principal.role == Role.ADMIN:
        return Q()
    if principal.role == Role.INSTITUTION_REVIEWER:
        if principal.institution_id is None:
            return None
        return Q(**{institution_field: principal.institution_id})  # type: ignore[arg-type]
    if not principal.region_code:
        return None
    return region_q(principal.region_code, field=region_field)


# ---------------------------------------------------------------- where a physician belongs


@dataclass(frozen=True, slots=True)
class Affiliation:
    user_id: int
    institution_id: int | None
    region_code: str
    province_code: str
    source: str  # "registry" (main practice institution) or "assessment" (the credential's institution)

    def subject(self) -> Subject:
        return Subject(owner_id=self.user_id, institution_id=self.institution_id, region_code=self.region_code)


REGISTRY = "registry"
ASSESSMENT = "assessment"


async def affiliation_of(user_id: int) -> Affiliation | None:
    """The physician's main institution and its region, as the registry (or, before activation, the assessment)
    last recorded them; None for someone who belongs nowhere yet."""
    row = await AffiliationRow.get_or_none(user_id=user_id)
    if row is None:
        return None
    return Affiliation(row.user_id, row.institution_id, row.region_code, row.province_code, row.source)


async def set_affiliation(*, user_id: int, institution_id: int | None, region_code: str, source: str) -> None:
    """Record where a physician belongs (in the caller's transaction).

    The registry's answer always wins; the assessment's is kept only while the registry has none.
    """
    row = await AffiliationRow.get_or_none(user_id=user_id)
    if row is not None and row.source == REGISTRY and source != REGISTRY:
        return
    values: dict[str, Any] = {
        "institution_id": institution_id,
        "region_code": region_code,
        "province_code": province_of(region_code),
        "source": source,
    }
    if row is None:
        await AffiliationRow.create(user_id=user_id, **values)
    else:
        await AffiliationRow.filter(user_id=user_id).update(**values)


async def clear_affiliation(*, user_id: int, source: str = REGISTRY) -> None:
    """Forget the registry's answer (the physician left the active roll)."""
    await AffiliationRow.filter(user_id=user_id, source=source).delete()
