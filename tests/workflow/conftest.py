"""Fixtures of the engine tests: the throw-away review kinds and the small world of tests/support/workflow.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from server.common import events
from server.workflow.events import ReviewDecided
from server.workflow.kinds import KINDS
from tests.support import workflow as wt


@pytest.fixture(autouse=True)
def test_kinds(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The engine's kinds are data: the tests add theirs to the table and subscribe as their owner."""
    for name, spec in wt.TEST_KINDS.items():
        monkeypatch.setitem(KINDS, name, spec)
    with events.subscribed(ReviewDecided, wt.apply_test_kind):
        yield


@pytest.fixture()
async def world(db: None) -> wt.World:
    return await wt.world()
