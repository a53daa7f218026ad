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


def ensure_indexes(*columns: tuple[str, str]) -> Any:
    """A migration operation that creates an index on each (table, column) that no index of the table leads with.

    For indexes the models declare that an earlier migration failed to make (SQLite rebuilds a table to alter it and
    the rebuild dropped the table's indexes; a field added with ``db_index`` got its column only). Where an index
    already leads with the column, as tortoise made it on PostgreSQL, nothing is done: no duplicate.
    """
    from tortoise.migrations import operations as ops

    async def run(apps: Any, schema_editor: Any) -> None:
        client = schema_editor.client
        for table, column in columns:
            if client.capabilities.dialect == "postgres":
                rows = await client.execute_query_dict(
                    "SELECT a.attname FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid "
                    "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = i.indkey[0] "
                    "WHERE t.relname = $1 AND t.relnamespace = current_schema()::regnamespace",
                    [table],
                )
                leading = {r["attname"] for r in rows}
            else:
                leading = set()
                for index in await client.execute_query_dict(f'PRAGMA index_list("{table}")'):
                    info = await client.execute_query_dict(f'PRAGMA index_info("{index["name"]}")')
                    leading.update(i["name"] for i in info if i["seqno"] == 0)
            if column not in leading:
                await client.execute_script(f'CREATE INDEX "idx_{table}_{column}" ON "{table}" ("{column}")')

    return ops.RunPython(run, ops.RunPython.noop)
