from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture()
def emu(emulators: Any, db: None) -> Any:
    """The session's emulators with a clean memory, on clean tables and Redis."""
    emulators.state.reset()
    return emulators
