"""Migration operations that change only the migration state, never the database.

A table that moves from one part to another (the audit trail into core, institutions into the directory) keeps its
name and its rows: the new owner declares it with ``StateOnly(CreateModel(...))`` and the old owner forgets it with
``StateOnly(DeleteModel(...))`` (and points its foreign keys at the new owner with ``StateOnly(AlterField(...))``).
The database is not touched, so existing deployments and fresh ones end with the same schema.
"""

from __future__ import annotations

from typing import Any

from tortoise.migrations.operations import Operation, TortoiseOperation


class StateOnly(TortoiseOperation):
    """Apply ``operation`` to the migration state only."""

    def __init__(self, operation: Operation) -> None:
        self.operation = operation

    def describe(self) -> str:
        return f"{self.operation.describe()} (state only)"

    def state_forward(self, app_label: str, state: Any) -> None:
        self.operation.state_forward(app_label, state)

    async def run(self, app_label: str, state: Any, dry_run: bool, state_editor: Any = None) -> None:
        self.state_forward(app_label, state)

    # database_forward / database_backward: TortoiseOperation's, which do nothing
