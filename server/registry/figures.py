"""Figures for the health commission: business applications per institution and kind, counted by state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from server.common import audit, scope
from server.common.auth import Principal
from server.common.enums import Role
from server.db import run_atomic
from server.directory import api as directory_api
from server.errors import Forbidden
from server.registry.application_kinds import kind_of
from server.registry.applications import STATUS_LABELS, status_of
from server.registry.models import BusinessApplication
from server.workflow import api as workflow_api

# Drafts are the physician's own until submitted: a commission counts what reached a reviewer
STATES = tuple(s for s in STATUS_LABELS if s != "draft")


@dataclass(frozen=True, slots=True)
class FigureRow:
    institution_id: int | None
    institution_name: str
    kind: str
    kind_title: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


async def application_figures(
    *,
    principal: Principal,
    region_code: str | None = None,
    kind: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    ip: str | None = None,
) -> list[FigureRow]:
    """Submitted applications in the commission's region (or a region below it), by institution and kind."""
    if principal.role == Role.ADMIN:
        region = region_code
    elif principal.role == Role.COMMISSION_REVIEWER and principal.region_code:
        if region_code and not scope.region_covers(principal.region_code, region_code):
            raise Forbidden("只能查看本辖区的业务申请统计", field="region_code")
        region = region_code or principal.region_code
    else:
        raise Forbidden()
    qs = BusinessApplication.filter(review_item_id__isnull=False)
    if region:
        qs = qs.filter(scope.region_q(region))
    if kind:
        qs = qs.filter(kind=kind)
    if since:
        qs = qs.filter(submitted_at__gte=since)
    if until:
        qs = qs.filter(submitted_at__lt=until)
    apps = await qs
    states = await workflow_api.item_states({a.review_item_id for a in apps if a.review_item_id})
    per: dict[tuple[int | None, str], dict[str, int]] = {}
    for a in apps:
        counts = per.setdefault((a.institution_id, a.kind), dict.fromkeys(STATES, 0))  # type: ignore[attr-defined]
        state = status_of(a, states.get(a.review_item_id or 0))
        if state in counts:
            counts[state] += 1
    names = await directory_api.institution_names({i for i, _ in per if i})
    await run_atomic(
        audit.record,
        action="registry.figures_read",
        actor_id=principal.user_id,
        subject_type="region",
        subject_id=region,
        ip=ip,
        details={"kind": kind},
    )
    return [
        FigureRow(
            institution_id=inst,
            institution_name=names.get(inst or 0, "（未指定机构）"),
            kind=k,
            kind_title=workflow_api.kind_title(kind_of(k).review_kind),
            counts=counts,
        )
        for (inst, k), counts in sorted(per.items(), key=lambda e: (e[0][0] or 0, e[0][1]))
    ]
