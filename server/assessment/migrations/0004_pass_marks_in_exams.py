import json

from tortoise import migrations
from tortoise.migrations import operations as ops

# The office's pass marks move into the exam definitions (the one place they live, the one candidates see).
# Each assessment_rule row becomes (or updates) the humanities and professional definitions of its cycle and
# province; the defaults below are the exams' built-in rules as they were when the pass marks moved.

_DEFAULTS = {
    "humanities": {
        "title": "人文医学测评",
        "sections": [
            {"section": "humanities", "specialty": None, "counts": {"single": 35, "multiple": 10, "true_false": 5}, "pass_mark": 60.0}
        ],
        "main": "humanities",
    },
    "professional": {
        "title": "业务水平测评",
        "sections": [
            {"section": "law", "specialty": None, "counts": {"single": 14, "multiple": 4, "true_false": 2}, "pass_mark": 60.0},
            {"section": "professional", "specialty": None, "counts": {"single": 56, "multiple": 16, "true_false": 8}, "pass_mark": 60.0},
        ],
        "main": "professional",
    },
}


async def move_pass_marks(apps, schema_editor) -> None:
    client = schema_editor.client
    pg = client.capabilities.dialect == "postgres"

    def q(sql: str) -> str:
        if not pg:
            return sql
        n = 0
        out = []
        for ch in sql:
            if ch == "?":
                n += 1
                out.append(f"${n}")
            else:
                out.append(ch)
        return "".join(out)

    rules = await client.execute_query_dict(
        "SELECT cycle_id, province_code, professional_pass_mark, humanities_pass_mark, updated_by_id FROM assessment_rule"
    )
    for rule in rules:
        for kind, mark in (("professional", rule["professional_pass_mark"]), ("humanities", rule["humanities_pass_mark"])):
            found = await client.execute_query_dict(
                q("SELECT id, sections FROM exam_definition WHERE cycle_id = ? AND province_code = ? AND exam_kind = ?"),
                [rule["cycle_id"], rule["province_code"], kind],
            )
            main = _DEFAULTS[kind]["main"]
            if found:
                sections = found[0]["sections"]
                sections = json.loads(sections) if isinstance(sections, str) else sections
                for s in sections:
                    if s["section"] == main:
                        s["pass_mark"] = float(mark)
                await client.execute_query(
                    q("UPDATE exam_definition SET sections = ? WHERE id = ?"), [json.dumps(sections), found[0]["id"]]
                )
                continue
            sections = [dict(s) for s in _DEFAULTS[kind]["sections"]]
            for s in sections:
                if s["section"] == main:
                    s["pass_mark"] = float(mark)
            await client.execute_query(
                q(
                    "INSERT INTO exam_definition (cycle_id, province_code, exam_kind, title, duration_s, sections,"
                    " attempts_allowed, make_up_allowed, updated_by, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, 3600, ?, 1, ?, ?, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                [
                    rule["cycle_id"],
                    rule["province_code"],
                    kind,
                    _DEFAULTS[kind]["title"],
                    json.dumps(sections),
                    True,
                    rule["updated_by_id"],
                ],
            )


class Migration(migrations.Migration):
    dependencies = [("assessment", "0003_institution_in_directory"), ("exams", "0001_initial")]

    operations = [
        ops.RunPython(move_pass_marks, ops.RunPython.noop),
        ops.DeleteModel(name="AssessmentRule"),
    ]
