"""The registry of reviewed kinds: each owning part registers its chain of reviewer steps as data."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from server.common.enums import Role
from server.workflow.errors import UnknownKind

if TYPE_CHECKING:
    from server.workflow.models import ReviewItem

Callback = Callable[["ReviewItem"], Awaitable[None]]
Scope = Literal["institution", "region"]


@dataclass(frozen=True, slots=True)
class Step:
    """One link of a chain: who reviews (role) and how their scope is matched against the item."""

    role: Role
    scope: Scope


@dataclass(frozen=True, slots=True)
class KindSpec:
    """A reviewed kind. Callbacks run inside the deciding transaction and may change the subject."""

    name: str
    chain: list[Step]
    title: str
    on_approved: Callback | None = None
    on_rejected: Callback | None = None
    on_returned: Callback | None = None
    steps: tuple[Step, ...] = field(init=False)

    def __post_init__(self) -> None:
        if not self.chain:
            raise ValueError(f"kind {self.name!r} needs at least one step")
        for step in self.chain:
            if step.scope == "institution" and step.role != Role.INSTITUTION_REVIEWER:
                raise ValueError("an institution-scoped step must be reviewed by an institution reviewer")
            if step.scope == "region" and step.role not in (Role.OFFICE_REVIEWER, Role.COMMISSION_REVIEWER):
                raise ValueError("a region-scoped step must be reviewed by an office or commission reviewer")
        object.__setattr__(self, "steps", tuple(self.chain))


_KINDS: dict[str, KindSpec] = {}


def register_kind(spec: KindSpec, *, replace: bool = False) -> KindSpec:
    """Register ``spec`` under its name; a second registration of the same name is a bug unless ``replace``."""
    if spec.name in _KINDS and not replace and _KINDS[spec.name] is not spec:
        raise ValueError(f"review kind {spec.name!r} is already registered")
    _KINDS[spec.name] = spec
    return spec


def get_kind(name: str) -> KindSpec:
    try:
        return _KINDS[name]
    except KeyError:
        raise UnknownKind() from None


def all_kinds() -> list[KindSpec]:
    return list(_KINDS.values())
