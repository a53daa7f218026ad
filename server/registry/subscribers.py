"""What the registry does when the review engine decides one of its kinds."""

from __future__ import annotations

from server.common.apidoc import raises
from server.common.events import Subscriptions
from server.registry import applications, changes
from server.registry.errors import ApplicationNotAllowed
from server.workflow import api as workflow_api


@raises(ApplicationNotAllowed)  # the registers changed since the item was submitted
async def apply_review(event: workflow_api.ReviewDecided) -> None:
    if applications.is_application_kind(event.kind):
        await applications.apply_decision(event)
    elif changes.is_change_kind(event.kind):
        await changes.apply_decision(event)
    elif workflow_api.KINDS[event.kind].owner == "registry":
        raise RuntimeError(f"the registry owns review kind {event.kind!r} but does not apply it")


SUBSCRIPTIONS: Subscriptions = {workflow_api.ReviewDecided: [apply_review]}
