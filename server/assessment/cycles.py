"""Cycles (考核周期) and their windows per province (报名, 自评, 考试, 补考), in Asia/Shanghai time."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from server.assessment.errors import (
    CycleNotFound,
    CycleOverlaps,
    NoCurrentCycle,
    WindowClosed,
    WindowInvalid,
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


async def find_window(*, cycle_id: int, province_code: str, kind: WindowKind) -> CycleWindow | None:
    return await CycleWindow.get_or_none(cycle_id=cycle_id, province_code=province_code, kind=kind)


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


async def require_window(*, cycle_id: int, province_code: str, kind: WindowKind) -> CycleWindow:
    """The open window of ``kind``, or WINDOW_CLOSED naming it and its dates."""
    window = await find_window(cycle_id=cycle_id, province_code=province_code, kind=kind)
    now = utcnow()
    if window is None or not window.opens_at <= now < window.closes_at:
        raise window_error(kind, window)
    return window


async def windows_of(cycle_id: int, province_code: str) -> list[CycleWindow]:
    return await CycleWindow.filter(cycle_id=cycle_id, province_code=province_code).order_by("opens_at")


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
        raise Forbidden("仅省级考核机构可设置考核时间与分数线")
    return principal.region_code


async def cycle_or_current(cycle_id: int | None) -> Cycle:
    if cycle_id is None:
        return await current_cycle()
    cycle = await Cycle.get_or_none(id=cycle_id)
    if cycle is None:
        raise CycleNotFound(field="cycle_id")
    return cycle


async def list_windows(*, principal: Principal, cycle_id: int | None) -> tuple[Cycle, list[CycleWindow]]:
    cycle = await cycle_or_current(cycle_id)
    province = scope.province_of(principal.region_code or "")
    return cycle, await windows_of(cycle.id, province)


async def set_window(
    *,
    principal: Principal,
    cycle_id: int | None,
    kind: WindowKind,
    opens_at: datetime,
    closes_at: datetime,
    ip: str | None = None,
) -> CycleWindow:
    """Set (create or move) one window of the office's province; naive times are Asia/Shanghai."""
    province = office_province(principal)
    cycle = await cycle_or_current(cycle_id)
    opens_at = opens_at if opens_at.tzinfo else opens_at.replace(tzinfo=CN_TZ)
    closes_at = closes_at if closes_at.tzinfo else closes_at.replace(tzinfo=CN_TZ)
    if closes_at <= opens_at:
        raise WindowInvalid(field="closes_at")

    async def tx() -> CycleWindow:
        window, created = await CycleWindow.get_or_create(
            cycle_id=cycle.id,
            province_code=province,
            kind=kind,
            defaults={"opens_at": opens_at, "closes_at": closes_at},
        )
        if not created:
            window.opens_at, window.closes_at = opens_at, closes_at
            await window.save(update_fields=["opens_at", "closes_at"])
        await audit.record(
            action="assessment.window_set",
            actor_id=principal.user_id,
            subject_type="cycle_window",
            subject_id=str(window.id),
            ip=ip,
            details={"kind": kind.value, "opens_at": opens_at.isoformat(), "closes_at": closes_at.isoformat()},
        )
        return window

    return await run_atomic(tx)
