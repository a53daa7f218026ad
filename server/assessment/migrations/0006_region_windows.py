import re

from tortoise import fields, migrations
from tortoise.migrations import operations as ops
from tortoise.migrations.constraints import UniqueConstraint

from server.common.migration_ops import StateOnly

# Windows become per region: a city or county office may set its own, narrower window inside the province's.
# Every existing window is a province's, so its region is its province. The old unique (cycle, province, kind) goes:
# SQLite cannot drop a constraint written into CREATE TABLE, so the table is rebuilt without it (tortoise's own
# RemoveConstraint looks for an index of that name and fails); PostgreSQL drops it by the name it has.

_OLD_UNIQUE = re.compile(r',\s*CONSTRAINT\s+"[^"]+"\s+UNIQUE\s*\(\s*"cycle_id",\s*"province_code",\s*"kind"\s*\)')


async def windows_of_provinces(apps, schema_editor) -> None:
    client = schema_editor.client
    await client.execute_script("UPDATE cycle_window SET region_code = province_code")
    if client.capabilities.dialect == "postgres":
        rows = await client.execute_query_dict(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'cycle_window'::regclass AND contype = 'u'"
        )
        for row in rows:
            await client.execute_script(f'ALTER TABLE cycle_window DROP CONSTRAINT "{row["conname"]}"')
        rows = await client.execute_query_dict(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'cycle_window' AND indexdef LIKE 'CREATE UNIQUE%'"
            " AND indexdef LIKE '%province_code%'"
        )
        for row in rows:
            await client.execute_script(f'DROP INDEX "{row["indexname"]}"')
        return
    rows = await client.execute_query_dict("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'cycle_window'")
    create = rows[0]["sql"]
    if _OLD_UNIQUE.search(create):
        columns = [c["name"] for c in await client.execute_query_dict('PRAGMA table_info("cycle_window")')]
        listed = ", ".join(f'"{c}"' for c in columns)
        create = _OLD_UNIQUE.sub("", create).replace('"cycle_window"', '"cycle_window__new"', 1)
        await client.execute_script(create)
        await client.execute_script(f'INSERT INTO "cycle_window__new" ({listed}) SELECT {listed} FROM "cycle_window"')
        await client.execute_script('DROP TABLE "cycle_window"')
        await client.execute_script('ALTER TABLE "cycle_window__new" RENAME TO "cycle_window"')
    for row in await client.execute_query_dict('PRAGMA index_list("cycle_window")'):
        info = await client.execute_query_dict(f'PRAGMA index_info("{row["name"]}")')
        if row["unique"] and "province_code" in [i["name"] for i in info] and not row["name"].startswith("sqlite_"):
            await client.execute_script(f'DROP INDEX "{row["name"]}"')


class Migration(migrations.Migration):
    dependencies = [('accounts', '0001_initial'), ('accounts', '0002_user_institution'), ('accounts', '0003_sessions_wechat_audit'), ('accounts', '0004_initial_login_at'), ('accounts', '0005_email_verified_at'), ('accounts', '0006_audit_to_core'), ('accounts', '0007_institution_in_directory'), ('assessment', '0005_appeals_document_types'), ('directory', '0001_initial')]

    initial = False

    operations = [
        ops.AddField(
            model_name='CycleWindow',
            name='region_code',
            field=fields.CharField(default='', db_default='', max_length=12),
        ),
        ops.AddField(
            model_name='CycleWindow',
            name='set_by_id',
            field=fields.BigIntField(null=True),
        ),
        ops.RunPython(windows_of_provinces, ops.RunPython.noop),
        StateOnly(
            ops.RemoveConstraint(
                model_name='CycleWindow',
                name=None,
                fields=['cycle', 'province_code', 'kind'],
            )
        ),
        ops.AlterModelOptions(
            name='CycleWindow',
            options={'table': 'cycle_window', 'app': 'assessment', 'unique_together': (('cycle', 'region_code', 'kind'),), 'pk_attr': 'id', 'table_description': "One window of a cycle for one region: the province's (set by the provincial office), or a city's or"},
        ),
        ops.AddConstraint(
            model_name='CycleWindow',
            constraint=UniqueConstraint(fields=('cycle', 'region_code', 'kind'), name=None),
        ),
    ]
