"""Demo data of the exams part: the demo question bank, loaded through the importer."""

from __future__ import annotations

from pathlib import Path

from server.exams import bank

DEMO_BANK = Path(__file__).resolve().parent / "demo_bank"


async def seed_demo() -> list[str]:
    """Import server/exams/demo_bank/*.json (idempotent: known refs are updated); returns summary lines."""
    lines = []
    for path in sorted(DEMO_BANK.glob("*.json")):
        result = await bank.import_questions(kind="json", data=path.read_bytes())
        lines.append(f"题库 {path.stem}: 新增 {result['created']} 题，更新 {result['updated']} 题")
    return lines
