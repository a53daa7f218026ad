"""Demo data for development: `python -m server seed-demo`, and once on the first `run`.

Each part that has demo data seeds it in its own ``demo.py`` (``async def seed_demo() -> list[str]``, lines for the
banner), in the manifest's order (``server.parts``), so a newcomer can try every flow on a fresh machine. Every demo
account shares ``DEMO_PASSWORD``; the seed refuses to run in production.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from server.config import DEMO_PASSWORD
from server.parts import with_

log = logging.getLogger(__name__)

__all__ = ["DEMO_ACCOUNTS", "DEMO_PASSWORD", "DemoAccount", "seed_demo"]


@dataclass(frozen=True)
class DemoAccount:
    role: str
    login: str
    description: str


DEMO_ACCOUNTS = [
    DemoAccount("admin", "admin", "平台管理员"),
    DemoAccount("institution_reviewer", "dc_hospital", "北京市东城区示范医院 机构审核员"),
    DemoAccount("institution_reviewer", "cy_hospital", "北京市朝阳区示范医院 机构审核员"),
    DemoAccount("institution_reviewer", "sjz_center", "石家庄市长安区示范社区卫生服务中心 机构审核员"),
    DemoAccount("office_reviewer", "bj_office", "北京市定期考核办公室（全市）"),
    DemoAccount("office_reviewer", "cy_office", "朝阳区定期考核办公室"),
    DemoAccount("commission_reviewer", "bj_commission", "北京市卫生健康委员会（全市）"),
    DemoAccount("commission_reviewer", "dc_commission", "东城区卫生健康委员会"),
    DemoAccount("physician", "13800000001", "医师 张明（执业医师·在册·东城区示范医院·已激活）"),
    DemoAccount("physician", "13800000002", "医师 李华（执业医师·在册·朝阳区示范医院·已激活·多点备案在东城）"),
    DemoAccount("physician", "13800000003", "医师 王芳（执业助理医师·在册·长安区，执业地点为区县·已激活）"),
    DemoAccount("physician", "13800000004", "医师 陈晨（在册·东城区示范医院·已校验未激活：机构发送激活码）"),
    DemoAccount("physician", "13800000005", "医师 林琳（在册·朝阳区示范医院·已校验未激活：机构直接激活）"),
    DemoAccount("physician", "13800000006", "医师 吴静（有资格从未注册·已校验：用资格证书编码自行激活）"),
    DemoAccount("physician", "13800000007", "医师 钱丽（变更出·未校验：先实名校验，再自行激活）"),
    DemoAccount("physician", "13800000008", "医师 郑好（规培医师·未校验：先实名校验，再自行激活）"),
]


async def seed_demo() -> tuple[list[DemoAccount], list[str]]:
    """Seed every part's demo data (each once); returns the demo log-ins and the parts' banner lines."""
    lines: list[str] = []
    for part in with_("demo"):
        lines += await part.module("demo").seed_demo() or []
    log.info("demo data ready")
    return DEMO_ACCOUNTS, lines
