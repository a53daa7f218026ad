"""The printable application form (业务申请表), in Chinese with reportlab's built-in CID font STSong-Light."""

from __future__ import annotations

import io
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from server.directory import api as directory_api

FONT = "STSong-Light"
LEVELS = {"practitioner": "执业医师", "assistant": "执业助理医师"}
REQUESTED_LABELS = {
    "institution_name": "执业机构",
    "practice_region_name": "执业地点",
    "practice_region_code": "执业地点代码",
    "practice_scopes": "执业范围",
    "title": "任职资格",
    "residency_training": "是否规培医师",
    "training_months": "培训月数",
    "military_unit": "军队单位",
    "reason_label": "申请原因",
    "reason": "申请原因",
    "note": "备注",
    "filing_institution_name": "取消备案的机构",
}


def _font() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def _text(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(str(v) for v in value) or "—"
    return str(value)


def render_application(payload: dict[str, Any]) -> bytes:
    """Blocking: call it in an executor."""
    _font()
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4)
    pdf.setTitle(f"{payload['kind_title']}申请表")
    width, height = A4
    y = height - 25 * mm
    pdf.setFont(FONT, 18)
    pdf.drawCentredString(width / 2, y, f"医师{payload['kind_title']}申请表")
    y -= 10 * mm
    pdf.setFont(FONT, 10)
    pdf.drawString(20 * mm, y, f"申请编号：{payload['application_id']}    状态：{payload.get('status_label', '')}")
    pdf.drawRightString(width - 20 * mm, y, f"提交时间：{_text(payload.get('submitted_at'))}")
    y -= 6 * mm

    def section(title: str, rows: list[tuple[str, Any]]) -> None:
        nonlocal y
        y -= 4 * mm
        pdf.setFont(FONT, 12)
        pdf.drawString(20 * mm, y, title)
        y -= 2 * mm
        pdf.line(20 * mm, y, width - 20 * mm, y)
        pdf.setFont(FONT, 10.5)
        for label, value in rows:
            y -= 7 * mm
            pdf.drawString(24 * mm, y, f"{label}：")
            pdf.drawString(62 * mm, y, _text(value)[:60])
        y -= 2 * mm

    p = payload["physician"]
    section(
        "一、医师信息",
        [
            ("姓名", p.get("name")),
            ("证件号码", p.get("id_number")),
            ("医师资格证书编码", p.get("qualification_cert_no")),
            ("医师级别", LEVELS.get(str(p.get("qualification_level")), p.get("qualification_level"))),
            ("医师类别", directory_api.CATEGORY_LABELS.get(str(p.get("category")), p.get("category"))),
            ("取得资格日期", p.get("qualified_on")),
        ],
    )
    reg = payload.get("current_registration")
    if reg:
        section(
            "二、现执业注册信息",
            [
                ("医师执业证书编码", reg.get("practice_cert_no")),
                ("主执业机构", reg.get("main_institution_name")),
                ("执业地点", reg.get("practice_region_name") or reg.get("practice_region_code")),
                ("执业范围", reg.get("practice_scopes")),
                ("审批机关", reg.get("approval_authority")),
            ],
        )
    requested = payload.get("requested") or {}
    rows = [(label, requested[key]) for key, label in REQUESTED_LABELS.items() if key in requested]
    if "reason_label" in requested:
        rows = [r for r in rows if r[0] != "申请原因" or r[1] == requested["reason_label"]]
    section("三、申请事项", rows or [("事项", payload["kind_title"])])
    section(
        "四、确认与审批",
        [
            ("确认机构", payload["confirming_institution"]["name"]),
            ("附件", [a.get("name") for a in payload.get("attachments", [])]),
        ],
    )
    y -= 12 * mm
    pdf.setFont(FONT, 10.5)
    pdf.drawString(24 * mm, y, "申请人签字：")
    pdf.drawString(110 * mm, y, "医疗机构（盖章）：")
    y -= 12 * mm
    pdf.drawString(24 * mm, y, "日期：    年   月   日")
    pdf.drawString(110 * mm, y, "卫生健康行政部门审批意见：")
    pdf.setFont(FONT, 8)
    pdf.drawString(20 * mm, 15 * mm, "本表由医师服务平台生成，请打印后携带纸质材料到卫生健康行政部门办理。")
    pdf.showPage()
    pdf.save()
    return buf.getvalue()
