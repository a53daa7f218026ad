"""Fixtures of the exam tests: a small bank and rules, the candidacy the test decides, a physician with headers.

The exams part is tested on its own: the test app's ``/_test/exams/...`` routes start attempts with the
``Candidacy`` a test sets (what the assessment decides in production, through ``/api/v1/exams/...``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from server.common import events
from server.exams.events import AttemptScored
from tests.support import exams as ef


@pytest.fixture()
async def world(db: None) -> AsyncIterator[ef.ExamWorld]:
    w = await ef.world()
    with events.subscribed(AttemptScored, w.hooks.record):
        yield w
