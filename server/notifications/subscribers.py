"""What the notifications part does when other parts report something."""

from __future__ import annotations

from server.accounts.api import SessionsEnded
from server.common.events import Subscriptions
from server.notifications import service


async def forget_session_devices(event: SessionsEnded) -> None:
    """A device whose log-in ended must not get this account's pushes."""
    for session_id in event.session_ids:
        await service.unregister_session_devices(user_id=event.user_id, session_id=session_id)


SUBSCRIPTIONS: Subscriptions = {SessionsEnded: [forget_session_devices]}
