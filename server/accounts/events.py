"""Events the accounts part publishes."""

from __future__ import annotations

from dataclasses import dataclass

from server.common.events import Event


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionsEnded(Event):
    """Log-ins ended (log-out, password change, reset, disabling): whatever was tied to them goes too."""

    user_id: int
    session_ids: tuple[str, ...]
