"""Cycles (考核周期) and their windows per province (报名, 自评, 考试, 补考), in Asia/Shanghai time."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from tortoise.expressions import Q

from server.assessment.errors import (
    CycleNotFound,
    CycleOverlaps,
    NoCurrentCycle,
    WindowClosed,
    WindowInvalid,
    WindowNotSet,
)
from server.assessment.models import (
    Cycle,
    CycleWindow,
    WindowKind,
)
from server.common import audit, scope
from server.common.auth import Principal
from server.common.enums import Role
from server.db import run_atomic
from server.errors import Forbidden

CN_TZ = ZoneInfo("Asia/Shanghai")
WINDOW_LABELS = {
    WindowKind.ENROLMENT: "报名",
    WindowKind.SELF_EVALUATION: "自评",
    WindowKind.EXAM: "考试",
    WindowKind.MAKE_UP: "补考",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    return datetime.now(CN_TZ).date()


def local_time(dt: datetime) -> str:
    return dt.astimezone(CN_TZ).strftime("%Y-%m-%d %H:%M")


async def current_cycle() -> Cycle:
    cycle = await Cycle.filter(starts_on__lte=today(), ends_on__gte=today()).order_by("-starts_on").first()
    if cycle is None:
        raise NoCurrentCycle()
    return cycle


async def find_window(*, cycle_id: int, region_code: str, kind: WindowKind) -> CycleWindow | None:
    """The window of ``kind`` that applies in a region: its own, else its city's, else its province's."""
    chain = scope.region_chain(region_code)
    found = await CycleWindow.filter(cycle_id=cycle_id, region_code__in=chain, kind=kind)
    return min(found, key=lambda w: chain.index(w.region_code), default=None)


def window_error(kind: WindowKind, window: CycleWindow | None) -> WindowClosed:
    label = WINDOW_LABELS[kind]
    if window is None:
        return WindowClosed(f"{label}时间尚未公布，请留意考核机构通知", details={"window": kind.value})
    return WindowClosed(
        f"当前不在{label}时间内（{label}时间：{local_time(window.opens_at)} 至 {local_time(window.closes_at)}，"
        "北京时间）",
        details={
            "window": kind.value,
            "opens_at": window.opens_at.astimezone(CN_TZ).isoformat(),
            "closes_at": window.closes_at.astimezone(CN_TZ).isoformat(),
        },
    )


async def require_window(*, cycle_id: int, region_code: str, kind: WindowKind) -> CycleWindow:
    """The open window of ``kind`` in the region, or WINDOW_CLOSED naming it and its dates."""
    window = await find_window(cycle_id=cycle_id, region_code=region_code, kind=kind)
    now = utcnow()
    if window is None or not window.opens_at <= now < window.closes_at:
        raise window_error(kind, window)
    return window


async def windows_of(cycle_id: int, region_code: str) -> list[CycleWindow]:
    """The windows that apply in a region, one per kind (the nearest one above it), in time order."""
    chain = scope.region_chain(region_code)
    nearest: dict[WindowKind, CycleWindow] = {}
    for w in await CycleWindow.filter(cycle_id=cycle_id, region_code__in=chain):
        held = nearest.get(w.kind)
        if held is None or chain.index(w.region_code) < chain.index(held.region_code):
            nearest[w.kind] = w
    return sorted(nearest.values(), key=lambda w: w.opens_at)


async def list_cycles() -> list[Cycle]:
    return await Cycle.all().order_by("-starts_on")


async def cycles_with_windows(province_code: str | None) -> list[tuple[Cycle, list[CycleWindow]]]:
    """Every cycle, latest first, with the province's windows (none when no province is named): the public look-up."""
    cycles = await list_cycles()
    if province_code is None or not cycles:
        return [(c, []) for c in cycles]
    windows = await CycleWindow.filter(cycle_id__in=[c.id for c in cycles], province_code=province_code).order_by(
        "opens_at"
    )
    by_cycle: dict[int, list[CycleWindow]] = {}
    for w in windows:
        by_cycle.setdefault(w.cycle_id, []).append(w)  # type: ignore[attr-defined]
    return [(c, by_cycle.get(c.id, [])) for c in cycles]


def is_current(cycle: Cycle) -> bool:
    return cycle.starts_on <= today() <= cycle.ends_on


async def create_cycle(
    *, principal: Principal, name: str, starts_on: date, ends_on: date, ip: str | None = None
) -> Cycle:
    """A new three-year cycle (admin); cycles may not overlap, so "the current cycle" is always one."""
    if ends_on <= starts_on:
        raise WindowInvalid("结束日期应晚于开始日期", field="ends_on")
    if await Cycle.filter(starts_on__lte=ends_on, ends_on__gte=starts_on).exists():
        raise CycleOverlaps(field="starts_on")

    async def tx() -> Cycle:
        cycle = await Cycle.create(name=name, starts_on=starts_on, ends_on=ends_on)
        await audit.record(
            action="assessment.cycle_created",
            actor_id=principal.user_id,
            subject_type="cycle",
            subject_id=str(cycle.id),
            ip=ip,
            details={"name": name, "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()},
        )
        return cycle

    return await run_atomic(tx)


def office_province(principal: Principal) -> str:
    if principal.role != Role.OFFICE_REVIEWER or not principal.region_code:
        raise Forbidden()
    if not principal.region_code.endswith("0000"):
        raise Forbidden("仅省级考核机构可设置分数线")
    return principal.region_code


async def cycle_or_current(cycle_id: int | None) -> Cycle:
    if cycle_id is None:
        return await current_cycle()
    cycle = await Cycle.get_or_none(id=cycle_id)
    if cycle is None:
        raise CycleNotFound(field="cycle_id")
    return cycle


async def list_windows(*, principal: Principal, cycle_id: int | None) -> tuple[Cycle, list[CycleWindow]]:
    """The windows an office works with: those above its region (which bind it) and every one set within it."""
    if principal.role != Role.OFFICE_REVIEWER or not principal.region_code:
        raise Forbidden()
    cycle = await cycle_or_current(cycle_id)
    region = principal.region_code
    rows = await CycleWindow.filter(
        Q(region_code__in=scope.region_chain(region)) | scope.region_q(region), cycle_id=cycle.id
    ).order_by("region_code", "opens_at")
    return cycle, list(rows)


def _office_region(principal: Principal, region_code: str | None) -> str:
    """The region a window is set for: the office's own, or one below it."""
    if principal.role != Role.OFFICE_REVIEWER or not principal.region_code:
        raise Forbidden()
    region = region_code or principal.region_code
    if not scope.region_covers(principal.region_code, region):
        raise Forbidden("只能设置本辖区的考核时间", field="region_code")
    return region


async def set_window(
    *,
    principal: Principal,
    cycle_id: int | None,
    kind: WindowKind,
    opens_at: datetime,
    closes_at: datetime,
    region_code: str | None = None,
    ip: str | None = None,
) -> CycleWindow:
    """Set (create or move) one window for the office's region (or one below it); naive times are Asia/Shanghai.

    A province's window lies within the cycle; a city's or county's own window lies within the nearest window above
    it (the province's, or its city's), which must be set first; and moving a window may not leave a narrower one
    below it outside.
    """
    region = _office_region(principal, region_code)
    cycle = await cycle_or_current(cycle_id)
    opens_at = opens_at if opens_at.tzinfo else opens_at.replace(tzinfo=CN_TZ)
    closes_at = closes_at if closes_at.tzinfo else closes_at.replace(tzinfo=CN_TZ)
    if closes_at <= opens_at:
        raise WindowInvalid(field="closes_at")
    if opens_at.astimezone(CN_TZ).date() < cycle.starts_on or closes_at.astimezone(CN_TZ).date() > cycle.ends_on:
        raise WindowInvalid(
            f"时间应在考核周期内（{cycle.starts_on.isoformat()} 至 {cycle.ends_on.isoformat()}）", field="opens_at"
        )
    label = WINDOW_LABELS[kind]
    above = scope.region_chain(region)[1:]
    if above:
        outer = await find_window(cycle_id=cycle.id, region_code=above[0], kind=kind)
        if outer is None:
            raise WindowInvalid(f"上级考核机构尚未设置{label}时间，本辖区时间须在其范围内", field="kind")
        if opens_at < outer.opens_at or closes_at > outer.closes_at:
            raise WindowInvalid(
                f"本辖区{label}时间须在上级设置的时间内"
                f"（{local_time(outer.opens_at)} 至 {local_time(outer.closes_at)}，北京时间）",
                field="opens_at",
            )
    inner = await CycleWindow.filter(scope.region_q(region), cycle_id=cycle.id, kind=kind).exclude(region_code=region)
    outside = sorted(w.region_code for w in inner if w.opens_at < opens_at or w.closes_at > closes_at)
    if outside:
        raise WindowInvalid(
            f"下级辖区已设置的{label}时间将超出新时间范围，请先调整下级辖区的时间",
            field="opens_at",
            details={"regions": outside},
        )

    async def tx() -> CycleWindow:
        window, created = await CycleWindow.get_or_create(
            cycle_id=cycle.id,
            region_code=region,
            kind=kind,
            defaults={
                "province_code": scope.province_of(region),
                "opens_at": opens_at,
                "closes_at": closes_at,
                "set_by_id": principal.user_id,
            },
        )
        if not created:
            window.opens_at, window.closes_at, window.set_by_id = opens_at, closes_at, principal.user_id
            await window.save(update_fields=["opens_at", "closes_at", "set_by_id"])
        await audit.record(
            action="assessment.window_set",
            actor_id=principal.user_id,
            subject_type="cycle_window",
            subject_id=str(window.id),
            ip=ip,
            details={
                "kind": kind.value,
                "region_code": region,
                "opens_at": opens_at.isoformat(),
                "closes_at": closes_at.isoformat(),
            },
        )
        return window

    return await run_atomic(tx)


async def clear_window(
    *,
    principal: Principal,
    cycle_id: int | None,
    kind: WindowKind,
    region_code: str | None = None,
    ip: str | None = None,
) -> CycleWindow | None:
    """Remove a city's or county's own window: the one above it applies again. A province's window stays."""
    region = _office_region(principal, region_code)
    if scope.is_province(region):
        raise WindowInvalid("省级考核时间不能删除，只能修改", field="region_code")
    cycle = await cycle_or_current(cycle_id)
    window = await CycleWindow.get_or_none(cycle_id=cycle.id, region_code=region, kind=kind)
    if window is None:
        raise WindowNotSet(field="kind")
    if await CycleWindow.filter(scope.region_q(region), cycle_id=cycle.id, kind=kind).exclude(id=window.id).exists():
        raise WindowInvalid("下级辖区仍有自己的时间，请先删除下级辖区的时间", field="region_code")

    async def tx() -> None:
        await CycleWindow.filter(id=window.id).delete()
        await audit.record(
            action="assessment.window_cleared",
            actor_id=principal.user_id,
            subject_type="cycle_window",
            subject_id=str(window.id),
            ip=ip,
            details={"kind": kind.value, "region_code": region},
        )

    await run_atomic(tx)
    return await find_window(cycle_id=cycle.id, region_code=region, kind=kind)
