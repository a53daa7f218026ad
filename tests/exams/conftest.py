"""Fixtures of the exam tests: a small bank and rules, the candidacy the test decides, a physician with headers.

The exams part is tested on its own: the test app's ``/_test/exams/...`` routes start attempts with the
``Candidacy`` a test sets (what the assessment decides in production, through ``/api/v1/exams/...``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from server.accounts.models import User
from server.common import events
from server.exams.events import AttemptScored
from tests.exams import factories as ef
from tests.workflow import factories as f


@dataclass
class ExamWorld:
    hooks: ef.Candidacy
    physician: User
    headers: dict[str, str]
    other: User
    other_headers: dict[str, str]


@pytest.fixture()
async def world(db: None) -> AsyncIterator[ExamWorld]:
    await ef.small_bank()
    await ef.small_definitions()
    hooks = ef.Candidacy()
    physician = await f.physician()
    other = await f.physician()
    ef.CURRENT[:] = [hooks]
    with events.subscribed(AttemptScored, hooks.record):
        yield ExamWorld(
            hooks=hooks,
            physician=physician,
            headers=await f.auth_headers(physician),
            other=other,
            other_headers=await f.auth_headers(other),
        )
