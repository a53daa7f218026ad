"""Importing a register from Excel (xlsx) or CSV, with a per-row error report.

Headers may be the English field names or their Chinese labels (each importer passes its own label table). Valid
rows are written (created or updated by their natural key) in one transaction, each row in a savepoint of its own;
invalid rows are skipped and reported with their row number, field and reason. The directory (regions,
institutions) and the registry (qualifications, registrations, multi-site filings) import through this module.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from tortoise.transactions import in_transaction

from server.common import audit
from server.db import run_atomic
from server.errors import AppError

MAX_ROWS = 20_000
TRUE_WORDS = frozenset({"1", "是", "true", "yes", "y"})

Row = dict[str, str]
Writer = Callable[[Row], Awaitable[bool]]  # True when the row created a record, False when it updated one


class ImportFileInvalid(AppError):
    code, status, message = "IMPORT_FILE_INVALID", 422, "导入文件无法读取，请使用 xlsx 或 csv 模板"


class RowError(Exception):
    """One row is refused: which field and why (Chinese, shown in the report)."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


@dataclass
class ImportReport:
    register: str
    total: int = 0
    created: int = 0
    updated: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "register_name": self.register,
            "total": self.total,
            "created": self.created,
            "updated": self.updated,
            "failed": len(self.errors),
            "errors": self.errors,
        }


def read_table(data: bytes, labels: Mapping[str, str]) -> list[Row]:
    """Blocking: rows of the first sheet (xlsx) or of the CSV, as field name → text."""
    rows: list[list[Any]]
    if data[:4] == b"PK\x03\x04":
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            rows = [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
            wb.close()
        except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the same answer
            raise ImportFileInvalid() from exc
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError:
                raise ImportFileInvalid("CSV 文件编码无法识别，请使用 UTF-8") from None
        rows = [list(r) for r in csv.reader(io.StringIO(text))]
    rows = [r for r in rows if any(c not in (None, "") for c in r)]
    if not rows:
        raise ImportFileInvalid("导入文件没有数据")
    if len(rows) - 1 > MAX_ROWS:
        raise ImportFileInvalid(f"一次最多导入 {MAX_ROWS} 行")
    headers = [labels.get(str(h or "").strip(), str(h or "").strip()) for h in rows[0]]
    return [{h: _cell(v) for h, v in zip(headers, r, strict=False) if h} for r in rows[1:]]


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, datetime):
        return v.date().isoformat()
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


# ---------------------------------------------------------------- cell readers for the writers


def required(row: Row, name: str, label: str) -> str:
    value = row.get(name, "").strip()
    if not value:
        raise RowError(name, f"{label}不能为空")
    return value


def date_cell(row: Row, name: str, label: str, *, optional: bool = False) -> date | None:
    value = row.get(name, "").strip()
    if not value:
        if not optional:
            raise RowError(name, f"{label}不能为空")
        return None
    try:
        return date.fromisoformat(value.replace("/", "-")[:10])
    except ValueError:
        raise RowError(name, f"{label}格式应为 YYYY-MM-DD") from None


def choice(
    row: Row, name: str, label: str, words: Mapping[str, str], allowed: set[str], default: str | None = None
) -> str:
    """A value from ``allowed``, written in English or as one of its Chinese ``words``."""
    value = row.get(name, "").strip()
    if not value and default is not None:
        return default
    value = words.get(value, value)
    if value not in allowed:
        raise RowError(name, f"{label}“{row.get(name, '')}”不在允许范围内")
    return value


def region_code(row: Row, name: str, label: str) -> str:
    value = required(row, name, label)
    if len(value) != 6 or not value.isdigit():
        raise RowError(name, f"{label}应为 6 位行政区划代码")
    return value


def word_list(value: str) -> list[str]:
    """``内科专业、外科专业`` (or with commas) as a list."""
    return [s.strip() for s in value.replace("，", "、").replace(",", "、").split("、") if s.strip()]


# ---------------------------------------------------------------- writing


async def import_rows(
    *, register: str, rows: list[Row], writer: Writer, actor_id: int | None, audit_action: str
) -> ImportReport:
    """Write the valid rows in one transaction (a savepoint per row), report the others."""
    report = ImportReport(register=register, total=len(rows))

    async def tx() -> None:
        for number, row in enumerate(rows, start=2):  # row 1 is the header
            try:
                async with in_transaction():
                    created = await writer(row)
            except RowError as exc:
                report.errors.append({"row": number, "field": exc.field, "message": exc.message})
                continue
            if created:
                report.created += 1
            else:
                report.updated += 1
        await audit.record(
            action=audit_action,
            actor_id=actor_id,
            subject_type="register",
            subject_id=register,
            details={
                "total": report.total,
                "created": report.created,
                "updated": report.updated,
                "failed": len(report.errors),
            },
        )

    await run_atomic(tx)
    return report


async def read_file(data: bytes, labels: Mapping[str, str]) -> list[Row]:
    """:func:`read_table` off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(None, read_table, data, labels)
