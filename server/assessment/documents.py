"""Synchronous renderers (run them in an executor): the result notice PDF and the progress workbook."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any

PROGRESS_LABELS = {
    "enrolment": "待报名",
    "enrolment_review": "报名审核中",
    "procedure": "待选择程序",
    "self_evaluation": "待自评",
    "self_evaluation_review": "自评审核中",
    "exams": "待测评",
    "passed": "合格",
    "failed": "不合格",
}


@dataclass(frozen=True, slots=True)
class NoticeData:
    name: str
    id_number: str
    institution_name: str
    cycle_name: str
    specialty: str
    procedure: str
    passed: bool
    decided_on: date
    verification_code: str


def render_result_notice(data: NoticeData) -> bytes:
    """考核结果通知书, A4, Chinese text in the built-in CID font STSong-Light (no font file needed)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    font = "STSong-Light"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4, pageCompression=0)
    pdf.setTitle("医师定期考核结果通知书")
    width, height = A4
    pdf.setFont(font, 22)
    pdf.drawCentredString(width / 2, height - 110, "医师定期考核结果通知书")
    pdf.setFont(font, 13)
    y = height - 170
    lines = [
        f"{data.name} 医师：",
        f"    您在 {data.cycle_name} 医师定期考核中，经卫生机构审核、考核机构复核及测评，",
        f"考核结果为：{'合格' if data.passed else '不合格'}。",
        "",
        f"姓名：{data.name}",
        f"证件号码：{data.id_number}",
        f"执业机构：{data.institution_name}",
        f"考核专业：{data.specialty}",
        f"考核程序：{data.procedure}",
        f"考核结果：{'合格' if data.passed else '不合格'}",
        f"结果日期：{data.decided_on.year}年{data.decided_on.month}月{data.decided_on.day}日",
        "",
        f"验证码：{data.verification_code}",
        "任何人可在医师服务平台“考核结果核验”中输入验证码核验本通知书的真伪。",
    ]
    for line in lines:
        pdf.drawString(72, y, line)
        y -= 26
    pdf.drawRightString(width - 72, y - 30, "医师定期考核办公室")
    pdf.showPage()
    pdf.save()
    return buf.getvalue()


def render_progress_xlsx(
    cycle_name: str, rows: list[dict[str, Any]], labels: dict[str, str] = PROGRESS_LABELS
) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "考核进度"
    ws.append([f"{cycle_name} 医师定期考核进度"])
    steps = list(labels)
    ws.append(["机构", "合计", *(labels[s] for s in steps)])
    for row in rows:
        ws.append([row["institution_name"], row["total"], *(row["counts"][s] for s in steps)])
    ws.column_dimensions["A"].width = 36
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def render_people_xlsx(cycle_name: str, rows: list[list[str]]) -> bytes:
    """The per-physician progress: institution, name, masked ID number, step, on the registry's active roll."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "考核进度明细"
    ws.append([f"{cycle_name} 医师定期考核进度明细"])
    ws.append(["机构", "姓名", "证件号码", "当前步骤", "在册"])
    for row in rows:
        ws.append(row)
    ws.column_dimensions["A"].width = 36
    ws.column_dimensions["C"].width = 22
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
