"""What the proctoring part does when the review engine decides one of its kinds (the non-face way)."""

from __future__ import annotations

from server.common.events import Subscriptions
from server.proctoring import identity
from server.workflow import api as workflow_api


async def apply_review(event: workflow_api.ReviewDecided) -> None:
    if event.kind == identity.REVIEW_KIND:
        await identity.apply_decision(event)


async def apply_withdrawal(event: workflow_api.ReviewWithdrawn) -> None:
    if event.kind == identity.REVIEW_KIND:
        await identity.apply_withdrawal(event)


SUBSCRIPTIONS: Subscriptions = {
    workflow_api.ReviewDecided: [apply_review],
    workflow_api.ReviewWithdrawn: [apply_withdrawal],
}
