"""Fixtures of the exam tests: a small bank and rules, controllable hooks, a physician with auth headers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from server.accounts.models import User
from server.exams import hooks as exam_hooks
from tests.exams import factories as ef
from tests.workflow import factories as f


@dataclass
class ExamWorld:
    hooks: ef.Hooks
    physician: User
    headers: dict[str, str]
    other: User
    other_headers: dict[str, str]


@pytest.fixture()
async def world(db: None) -> AsyncIterator[ExamWorld]:
    await ef.small_bank()
    await ef.small_definitions()
    hooks = ef.Hooks()
    physician = await f.physician()
    other = await f.physician()
    with exam_hooks.installed(
        check_eligibility=hooks.check_eligibility, claim_capture=hooks.claim_capture, on_result=hooks.on_result
    ):
        yield ExamWorld(
            hooks=hooks,
            physician=physician,
            headers=await f.auth_headers(physician),
            other=other,
            other_headers=await f.auth_headers(other),
        )
