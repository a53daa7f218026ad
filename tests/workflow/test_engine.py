"""The engine through its service functions: chains, callbacks, return and resubmit, withdraw, scope, outbox."""

from __future__ import annotations

import pytest

from server.common import events, scope
from server.common.enums import Role
from server.common.models import AuditEntry, OutboxEvent
from server.directory.models import Region
from server.workflow import service
from server.workflow.errors import (
    AlreadyDecided,
    NotReturned,
    NotWithdrawable,
    ReasonRequired,
    ReviewNotFound,
    StepNotReached,
    SubjectChanged,
    UnknownKind,
)
from server.workflow.events import ReviewDecided
from server.workflow.kinds import KINDS, KindSpec, Step
from server.workflow.models import ReviewAction, ReviewItem
from tests.support.factories import principal_of
from tests.support.workflow import BOOM, ONE_STEP, TWO_STEP, World


async def _name() -> str:
    return (await Region.get(code="110105")).name


async def test_two_step_chain_changes_subject_only_on_final_approval(world: World) -> None:
    item = await world.submit(name="朝阳新区")
    step0 = await service.approve_step(principal=principal_of(world.inst_reviewer), item_id=item.id, comment="同意")
    assert (step0.status, step0.current_step) == ("pending", 1)
    assert await _name() == "朝阳区"
    assert await OutboxEvent.all().count() == 0  # no decision for the applicant yet
    done = await service.approve_step(principal=principal_of(world.province_commission), item_id=item.id)
    assert (done.status, done.current_step) == ("approved", 1)
    assert done.decided_at is not None
    assert await _name() == "朝阳新区"
    actions = await ReviewAction.filter(item_id=item.id).order_by("id").values_list("action", "step")
    assert actions == [("submit", 0), ("approve", 0), ("approve", 1)]
    trail = await AuditEntry.filter(subject_type="review_item", subject_id=str(item.id)).order_by("id")
    assert [(e.action, e.actor_id) for e in trail] == [
        ("review.submit", world.physician.id),
        ("review.approve", world.inst_reviewer.id),
        ("review.approve", world.province_commission.id),
    ]
    event = await OutboxEvent.get()
    assert event.kind == "review.decided"
    assert event.user_id == world.physician.id
    assert event.payload == {
        "item_id": item.id,
        "kind": TWO_STEP,
        "title": "测试两级审核",
        "decision": "approved",
        "reason": None,
    }


async def test_rejection_leaves_the_subject_untouched(world: World) -> None:
    item = await world.submit(name="不该生效")
    await service.approve_step(principal=principal_of(world.inst_reviewer), item_id=item.id)
    with pytest.raises(ReasonRequired):
        await service.reject_step(principal=principal_of(world.city_commission), item_id=item.id, reason="  ")
    done = await service.reject_step(principal=principal_of(world.city_commission), item_id=item.id, reason="材料不全")
    assert done.status == "rejected"
    region = await Region.get(code="110105")
    assert region.name == "朝阳区"
    assert region.parent_code == "REJ"  # on_rejected ran
    event = await OutboxEvent.get()
    assert event.payload["decision"] == "rejected" and event.payload["reason"] == "材料不全"


async def test_one_step_chain_is_decided_by_the_office(world: World) -> None:
    item = await world.submit(ONE_STEP, name="单级")
    with pytest.raises(ReviewNotFound):  # institution reviewers are not in this chain
        await service.approve_step(principal=principal_of(world.inst_reviewer), item_id=item.id)
    done = await service.approve_step(principal=principal_of(world.county_office), item_id=item.id)
    assert done.status == "approved"
    assert await _name() == "单级"


async def test_return_then_resubmit_starts_again_and_keeps_history(world: World) -> None:
    item = await world.submit(name="第一次")
    await service.approve_step(principal=principal_of(world.inst_reviewer), item_id=item.id)
    returned = await service.return_step(
        principal=principal_of(world.county_commission), item_id=item.id, reason="请补充材料"
    )
    assert returned.status == "returned"
    with pytest.raises(AlreadyDecided):
        await service.approve_step(principal=principal_of(world.county_commission), item_id=item.id)
    with pytest.raises(ReviewNotFound):  # someone else's item
        await service.resubmit_item(applicant_id=world.other_physician.id, item_id=item.id, payload={"name": "x"})
    again = await service.resubmit_item(applicant_id=world.physician.id, item_id=item.id, payload={"name": "第二次"})
    assert (again.status, again.current_step, again.payload) == ("pending", 0, {"name": "第二次"})
    with pytest.raises(NotReturned):
        await service.resubmit_item(applicant_id=world.physician.id, item_id=item.id, payload={"name": "第三次"})
    await service.approve_step(principal=principal_of(world.inst_reviewer), item_id=item.id)
    await service.approve_step(principal=principal_of(world.county_commission), item_id=item.id)
    assert await _name() == "第二次"
    actions = await ReviewAction.filter(item_id=item.id).order_by("id").values_list("action", flat=True)
    assert actions == ["submit", "approve", "return", "resubmit", "approve", "approve"]
    assert [e.payload["decision"] for e in await OutboxEvent.all().order_by("id")] == ["returned", "approved"]


async def test_withdraw_only_before_the_first_decision(world: World) -> None:
    item = await world.submit()
    with pytest.raises(ReviewNotFound):
        await service.withdraw_item(applicant_id=world.other_physician.id, item_id=item.id)
    withdrawn = await service.withdraw_item(applicant_id=world.physician.id, item_id=item.id)
    assert withdrawn.status == "withdrawn"
    with pytest.raises(AlreadyDecided):
        await service.approve_step(principal=principal_of(world.inst_reviewer), item_id=item.id)
    second = await world.submit()
    await service.approve_step(principal=principal_of(world.inst_reviewer), item_id=second.id)
    with pytest.raises(NotWithdrawable):
        await service.withdraw_item(applicant_id=world.physician.id, item_id=second.id)
    assert (await ReviewItem.get(id=second.id)).status == "pending"


async def test_scope_and_step_order(world: World) -> None:
    item = await world.submit()
    for outsider in (world.other_inst_reviewer, world.other_commission, world.county_office, world.physician):
        with pytest.raises(ReviewNotFound):
            await service.approve_step(principal=principal_of(outsider), item_id=item.id)
    with pytest.raises(StepNotReached):  # in scope, but the institution has not decided yet
        await service.approve_step(principal=principal_of(world.province_commission), item_id=item.id)
    assert (await ReviewItem.get(id=item.id)).current_step == 0
    with pytest.raises(ReviewNotFound):
        await service.approve_step(principal=principal_of(world.inst_reviewer), item_id=999999)


async def test_double_tap_by_the_same_reviewer_is_already_decided(world: World) -> None:
    item = await world.submit()
    reviewer = principal_of(world.inst_reviewer)
    await service.approve_step(principal=reviewer, item_id=item.id)
    with pytest.raises(AlreadyDecided):
        await service.approve_step(principal=reviewer, item_id=item.id)
    with pytest.raises(AlreadyDecided):  # a stale version is refused too
        await service.approve_step(principal=principal_of(world.county_commission), item_id=item.id, expected_version=1)
    assert await ReviewAction.filter(item_id=item.id, action="approve").count() == 1


async def test_a_failing_owner_rolls_back_the_decision(world: World) -> None:
    async def boom(event: ReviewDecided) -> None:
        if event.kind == BOOM:
            await Region.filter(code=event.subject_id).update(name="半途")
            raise RuntimeError("subject update failed")

    item = await world.submit(BOOM)
    with events.subscribed(ReviewDecided, boom), pytest.raises(RuntimeError):
        await service.approve_step(principal=principal_of(world.county_office), item_id=item.id)
    fresh = await ReviewItem.get(id=item.id)
    assert (fresh.status, fresh.version) == ("pending", 1)
    assert await _name() == "朝阳区"
    assert await ReviewAction.filter(item_id=item.id).count() == 1
    assert await OutboxEvent.all().count() == 0
    assert not await AuditEntry.filter(action="review.approve").exists()


async def test_an_owner_that_cannot_apply_refuses_the_decision_with_a_clear_error(world: World) -> None:
    async def moved_on(event: ReviewDecided) -> None:
        if event.kind == BOOM:
            raise SubjectChanged()

    item = await world.submit(BOOM)
    with events.subscribed(ReviewDecided, moved_on), pytest.raises(SubjectChanged) as refused:
        await service.approve_step(principal=principal_of(world.county_office), item_id=item.id)
    assert refused.value.status == 409 and "状态已变化" in refused.value.text
    assert (await ReviewItem.get(id=item.id)).status == "pending"


async def test_unknown_kind_and_bad_chains_are_refused(world: World) -> None:
    with pytest.raises(UnknownKind):
        await world.submit("no_such_kind")
    assert await ReviewItem.all().count() == 0
    with pytest.raises(ValueError):
        KindSpec("bad", "坏", "tests", (Step(role=Role.OFFICE_REVIEWER, scope="institution", label="x"),))
    with pytest.raises(ValueError):
        KindSpec("empty", "空", "tests", ())


async def test_an_item_of_a_kind_nobody_declares_is_an_error_not_a_gap(world: World) -> None:
    item = await world.submit()
    await ReviewItem.filter(id=item.id).update(kind="vanished_kind")
    with pytest.raises(RuntimeError, match="vanished_kind"):
        await service.get_visible_item(principal=principal_of(world.inst_reviewer), item_id=item.id)


def test_every_declared_kind_has_an_owner_that_applies_it() -> None:
    """Each kind's owner subscribes to the engine's decisions (an unapplied kind would approve nothing)."""
    owners = {spec.owner for spec in KINDS.values() if spec.owner != "tests"}
    subscribed = {h.__module__.split(".")[1] for h in events.subscribers(ReviewDecided)}
    assert owners <= subscribed, owners - subscribed


def test_region_prefix_rule() -> None:
    assert scope.region_prefix("110000") == "11"
    assert scope.region_prefix("110100") == "1101"
    assert scope.region_prefix("110105") == "110105"
    assert scope.region_covers("110000", "110105")
    assert scope.region_covers("110100", "110105")
    assert scope.region_covers("110105", "110105")
    assert not scope.region_covers("110106", "110105")
    assert not scope.region_covers("310000", "110105")
    assert not scope.region_covers(None, "110105")
    assert scope.province_of("110105") == "110000"
