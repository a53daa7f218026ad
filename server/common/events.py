"""Domain events: how a lower part tells the parts above it that something happened.

A part publishes a small frozen dataclass, named in the past tense, from inside its own transaction::

    await events.publish(AttemptScored(attempt_ref=..., user_id=..., ...))

Every subscriber runs there and then, inside that same transaction: what a subscriber changes commits or rolls
back with the change it reacts to, and a subscriber that raises (an ``AppError`` the client should read, or a bug)
undoes the whole thing. Work that must wait for the commit (a message to a user) goes through the outbox
(``server.common.outbox.emit``), never through a task started here.

Subscribers are declared by the part that reacts, in its ``subscribers.py``::

    SUBSCRIPTIONS = {AttemptScored: [record_exam_result], ReviewDecided: [apply_review]}

and the manifest (``server.parts``) says which parts have one. Only a part above the publisher may subscribe: the
publisher never knows who listens, and nobody imports upward.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from tortoise import connections
from tortoise.backends.base.client import TransactionalDBClient

from server.parts import with_

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Base of every domain event."""


E = TypeVar("E", bound=Event)
Handler = Callable[[Any], Awaitable[None]]
Subscriptions = Mapping[type[Event], Sequence[Handler]]

_index: dict[type[Event], list[Handler]] | None = None
_extra: dict[type[Event], list[Handler]] = {}


def _load() -> dict[type[Event], list[Handler]]:
    index: dict[type[Event], list[Handler]] = {}
    for part in with_("subscribers"):
        declared: Subscriptions = part.module("subscribers").SUBSCRIPTIONS
        for event_type, handlers in declared.items():
            index.setdefault(event_type, []).extend(handlers)
    return index


def subscribers(event_type: type[Event]) -> list[Handler]:
    """Who reacts to ``event_type``, lower parts first (the manifest's order)."""
    global _index
    if _index is None:
        _index = _load()
    return [*_index.get(event_type, []), *_extra.get(event_type, [])]


def in_transaction() -> bool:
    return isinstance(connections.get("default"), TransactionalDBClient)


async def publish(event: Event) -> None:
    """Run every subscriber of the event now, inside the caller's transaction."""
    if not in_transaction():
        # A subscriber's writes would commit one by one, and a failure half-way would leave them half done.
        raise RuntimeError(f"{type(event).__name__} published outside a transaction")
    for handler in subscribers(type(event)):
        await handler(event)


@contextmanager
def subscribed(event_type: type[E], handler: Callable[[E], Awaitable[None]]) -> Iterator[None]:
    """Tests: add a subscriber for the duration of a block."""
    _extra.setdefault(event_type, []).append(handler)
    try:
        yield
    finally:
        _extra[event_type].remove(handler)
