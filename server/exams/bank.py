"""Question bank import (JSON and Excel, with a per-row error report) and export.

Import is all or nothing: a file with any bad row stores nothing and the report names every bad row, so that an
office never ends up with half a bank. Rows are matched on ``ref``: a known ref updates the question.
"""

from __future__ import annotations

import asyncio
import io
from typing import Any, Final

import orjson

from server.db import run_atomic
from server.directory import api as directory_api
from server.exams.errors import ImportInvalid
from server.exams.models import Question, QuestionType, Section

IMPORT_KINDS: Final = ("xlsx", "json")  # file kinds by content (server.common.uploads.sniff), never by name

EXCEL_COLUMNS = [
    "ref",
    "section",
    "specialty",
    "type",
    "stem",
    "A",
    "B",
    "C",
    "D",
    "E",
    "F",
    "answer",
    "explanation",
    "difficulty",
]
LETTERS = "ABCDEF"
TRUE_FALSE_OPTIONS = ["正确", "错误"]


def _check_row(raw: dict[str, Any], defaults: dict[str, Any]) -> tuple[dict[str, Any] | None, list[str], list[str]]:
    """A clean question dict, or the Chinese reasons why the row is refused and the column each one is about."""
    problems: list[str] = []
    columns: list[str] = []

    def problem(column: str, message: str) -> None:
        columns.append(column)
        problems.append(message)

    ref = str(raw.get("ref") or "").strip()
    if not ref or len(ref) > 64:
        problem("ref", "ref 不能为空且不超过64个字符")
    section = raw.get("section") or defaults.get("section")
    if section not in {s.value for s in Section}:
        problem("section", "section 应为 law、humanities、professional 或 practice（练习题库）")
    specialty = raw.get("specialty", defaults.get("specialty"))
    specialty = str(specialty).strip() if specialty not in (None, "") else None
    if section == Section.PROFESSIONAL and specialty not in directory_api.SPECIALTIES:
        # A professional question outside the list would sit in a pool no candidate is ever examined from.
        problem("specialty", "specialty 应为考核专业列表中的编码（见 /api/v1/lookups/specialties）")
    elif section != Section.PROFESSIONAL and specialty is not None:
        problem("specialty", "只有 professional 部分的题目属于某个专业，specialty 应为空")
    qtype = raw.get("type")
    if qtype not in {t.value for t in QuestionType}:
        problem("type", "type 应为 single、multiple 或 true_false")
    stem = str(raw.get("stem") or "").strip()
    if not stem:
        problem("stem", "题干不能为空")
    options = raw.get("options")
    if not isinstance(options, list) or not all(isinstance(o, str) and o.strip() for o in options):
        problem("options", "选项应为非空文本列表")
        options = []
    options = [o.strip() for o in options]
    if qtype == QuestionType.TRUE_FALSE and options and len(options) != 2:
        problem("options", "判断题应有2个选项")
    if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE) and not 2 <= len(options) <= 6:
        problem("options", "选择题应有2～6个选项")
    if len(set(options)) != len(options):
        problem("options", "选项不能重复")
    answer = raw.get("answer")
    if (
        not isinstance(answer, list)
        or not answer
        or not all(isinstance(a, int) and not isinstance(a, bool) for a in answer)
    ):
        problem("answer", "答案应为从0开始的选项下标列表")
        answer = []
    elif any(a < 0 or a >= len(options) for a in answer) or len(set(answer)) != len(answer):
        problem("answer", "答案下标超出选项范围或重复")
    if qtype in (QuestionType.SINGLE, QuestionType.TRUE_FALSE) and len(answer) != 1:
        problem("answer", "单选题和判断题只能有1个正确答案")
    if qtype == QuestionType.MULTIPLE and len(answer) < 2:
        problem("answer", "多选题至少有2个正确答案")
    difficulty = raw.get("difficulty", 1)
    try:
        difficulty = int(difficulty)
    except (TypeError, ValueError):
        difficulty = 0
    if difficulty not in (1, 2, 3):
        problem("difficulty", "难度应为1、2或3")
    if problems:
        return None, problems, columns
    return (
        {
            "ref": ref,
            "section": section,
            "specialty": specialty,
            "type": qtype,
            "stem": stem,
            "options": options,
            "answer": sorted(answer),
            "explanation": str(raw.get("explanation") or "").strip(),
            "difficulty": difficulty,
        },
        [],
        [],
    )


def _rows_from_json(data: bytes) -> tuple[list[tuple[int, dict[str, Any]]], dict[str, Any]]:
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError:
        raise ImportInvalid("文件不是有效的 JSON", details={"rows": []}) from None
    defaults: dict[str, Any] = {}
    if isinstance(doc, dict):
        defaults = {"section": doc.get("section"), "specialty": doc.get("specialty")}
        doc = doc.get("questions")
    if not isinstance(doc, list):
        raise ImportInvalid("JSON 应为题目列表，或含 questions 列表的对象", details={"rows": []})
    return [(i + 1, q if isinstance(q, dict) else {}) for i, q in enumerate(doc)], defaults


def _parse_answer_letters(value: Any) -> Any:
    text = str(value or "").replace(",", "").replace("，", "").replace(" ", "").upper()
    if not text or any(c not in LETTERS for c in text):
        return None
    return [LETTERS.index(c) for c in text]


def _rows_from_excel(data: bytes) -> list[tuple[int, dict[str, Any]]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise ImportInvalid("文件不是有效的 Excel (.xlsx) 文件", details={"rows": []}) from None
    ws = wb.worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    wb.close()
    if not rows:
        return []
    header = [str(h or "").strip() for h in rows[0]]
    out: list[tuple[int, dict[str, Any]]] = []
    for number, values in enumerate(rows[1:], start=2):
        cells = dict(zip(header, values, strict=False))
        if all(v in (None, "") for v in values):
            continue
        qtype = str(cells.get("type") or "").strip()
        options = [str(cells[c]).strip() for c in LETTERS if cells.get(c) not in (None, "")]
        if qtype == QuestionType.TRUE_FALSE and not options:
            options = list(TRUE_FALSE_OPTIONS)
        out.append(
            (
                number,
                {
                    "ref": cells.get("ref"),
                    "section": str(cells.get("section") or "").strip(),
                    "specialty": cells.get("specialty"),
                    "type": qtype,
                    "stem": cells.get("stem"),
                    "options": options,
                    "answer": _parse_answer_letters(cells.get("answer")),
                    "explanation": cells.get("explanation"),
                    "difficulty": cells.get("difficulty") or 1,
                },
            )
        )
    return out


async def import_questions(*, kind: str, data: bytes) -> dict[str, Any]:
    """Check every row, then store all of them in one transaction; returns created/updated counts.

    ``kind`` is one of ``IMPORT_KINDS``, as the upload parser read it from the content.
    """
    defaults: dict[str, Any] = {}
    if kind == "json":
        rows, defaults = _rows_from_json(data)
    elif kind == "xlsx":
        rows = await asyncio.get_running_loop().run_in_executor(None, _rows_from_excel, data)
    else:
        raise ValueError(f"not a question-bank file kind: {kind!r}")
    clean: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    seen: set[str] = set()
    rows_of: dict[str, int] = {}
    for number, raw in rows:
        question, problems, columns = _check_row(raw, defaults)
        if question is not None and question["ref"] in seen:
            question, problems, columns = None, ["ref 在文件中重复"], ["ref"]
        if question is None:
            # `columns[i]` names the column (xlsx) or key (JSON) that `errors[i]` is about
            errors.append({"row": number, "ref": str(raw.get("ref") or ""), "errors": problems, "columns": columns})
            continue
        seen.add(question["ref"])
        rows_of[question["ref"]] = number
        clean.append(question)
    errors += await _pool_moves(clean, rows_of)
    if errors:
        errors.sort(key=lambda e: int(e["row"]))
        raise ImportInvalid(details={"rows": errors[:500], "error_count": len(errors)})
    if not clean:
        raise ImportInvalid("文件中没有题目", details={"rows": []})
    return await run_atomic(_store, clean)


async def _pool_moves(clean: list[dict[str, Any]], rows_of: dict[str, int]) -> list[dict[str, Any]]:
    """Refuse moving a known question between the practice pool and an exam pool: practice has shown (or would
    show) its answer, so it may never sit on a paper, and a question that sat on papers must not be revealed."""
    known = dict(await Question.filter(ref__in=[c["ref"] for c in clean]).values_list("ref", "section"))
    errors = []
    for c in clean:
        before = known.get(c["ref"])
        if before is not None and (str(before) == Section.PRACTICE) != (c["section"] == Section.PRACTICE):
            errors.append(
                {
                    "row": rows_of[c["ref"]],
                    "ref": c["ref"],
                    "errors": ["练习题与考试题不能互相转换：练习会公布答案，请为新题另起 ref"],
                    "columns": ["section"],
                }
            )
    return errors


async def _store(clean: list[dict[str, Any]]) -> dict[str, Any]:
    existing = {q.ref: q for q in await Question.filter(ref__in=[c["ref"] for c in clean])}
    new = [Question(**c) for c in clean if c["ref"] not in existing]
    if new:
        await Question.bulk_create(new, batch_size=500)
    updated = 0
    for c in clean:
        found = existing.get(c["ref"])
        if found is None:
            continue
        found.update_from_dict(c)
        await found.save()
        updated += 1
    return {"created": len(new), "updated": updated}


def _question_dict(q: Question) -> dict[str, Any]:
    return {
        "ref": q.ref,
        "section": str(q.section),
        "specialty": q.specialty,
        "type": str(q.type),
        "stem": q.stem,
        "options": q.options,
        "answer": q.answer,
        "explanation": q.explanation,
        "difficulty": q.difficulty,
    }


def _to_excel(questions: list[dict[str, Any]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "questions"
    ws.append(EXCEL_COLUMNS)
    for q in questions:
        opts = list(q["options"]) + [""] * (6 - len(q["options"]))
        ws.append(
            [
                q["ref"],
                q["section"],
                q["specialty"] or "",
                q["type"],
                q["stem"],
                *opts[:6],
                "".join(LETTERS[i] for i in q["answer"]),
                q["explanation"],
                q["difficulty"],
            ]
        )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


async def export_questions(*, fmt: str, section: str | None = None) -> bytes:
    qs = Question.filter(is_active=True).order_by("ref")
    if section:
        qs = qs.filter(section=section)
    questions = [_question_dict(q) for q in await qs]
    if fmt == "xlsx":
        return await asyncio.get_running_loop().run_in_executor(None, _to_excel, questions)
    return orjson.dumps({"questions": questions}, option=orjson.OPT_INDENT_2)
