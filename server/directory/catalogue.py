"""Practice scopes (执业范围) per physician category, and the exam specialty (报考专业) that examines each.

The scopes follow the 执业范围 list of physician registration (《关于医师执业注册中执业范围的暂行规定》); a
physician's registration holds up to three of them. The professional exam of the periodic assessment draws its
specialty questions from the pool of one exam specialty, the one the physician's enrolled scope maps to.
"""

from __future__ import annotations

from dataclasses import dataclass

CATEGORY_LABELS: dict[str, str] = {"clinical": "临床", "dental": "口腔", "public_health": "公共卫生", "tcm": "中医"}


@dataclass(frozen=True, slots=True)
class Specialty:
    code: str  # the question bank's specialty value
    name: str


@dataclass(frozen=True, slots=True)
class PracticeScope:
    name: str  # as registrations store it, e.g. "内科专业"
    category: str  # clinical | dental | public_health | tcm
    specialty: str | None  # the exam specialty code that examines it


SPECIALTIES: dict[str, Specialty] = {
    s.code: s
    for s in (
        Specialty("internal_medicine", "内科"),
        Specialty("surgery", "外科"),
        Specialty("obstetrics_gynecology", "妇产科"),
        Specialty("pediatrics", "儿科"),
        Specialty("ophthalmology_ent", "眼耳鼻咽喉科"),
        Specialty("dermatology", "皮肤病与性病"),
        Specialty("psychiatry", "精神卫生"),
        Specialty("occupational_medicine", "职业病"),
        Specialty("medical_imaging", "医学影像和放射治疗"),
        Specialty("laboratory_pathology", "医学检验、病理"),
        Specialty("general_practice", "全科医学"),
        Specialty("emergency_medicine", "急救医学"),
        Specialty("rehabilitation", "康复医学"),
        Specialty("preventive_care", "预防保健"),
        Specialty("stomatology", "口腔"),
        Specialty("public_health", "公共卫生"),
        Specialty("tcm", "中医"),
        Specialty("integrated_medicine", "中西医结合"),
    )
}

_SCOPES: tuple[PracticeScope, ...] = (
    PracticeScope("内科专业", "clinical", "internal_medicine"),
    PracticeScope("外科专业", "clinical", "surgery"),
    PracticeScope("妇产科专业", "clinical", "obstetrics_gynecology"),
    PracticeScope("儿科专业", "clinical", "pediatrics"),
    PracticeScope("眼耳鼻咽喉科专业", "clinical", "ophthalmology_ent"),
    PracticeScope("皮肤病与性病专业", "clinical", "dermatology"),
    PracticeScope("精神卫生专业", "clinical", "psychiatry"),
    PracticeScope("职业病专业", "clinical", "occupational_medicine"),
    PracticeScope("医学影像和放射治疗专业", "clinical", "medical_imaging"),
    PracticeScope("医学检验、病理专业", "clinical", "laboratory_pathology"),
    PracticeScope("全科医学专业", "clinical", "general_practice"),
    PracticeScope("急救医学专业", "clinical", "emergency_medicine"),
    PracticeScope("康复医学专业", "clinical", "rehabilitation"),
    PracticeScope("预防保健专业", "clinical", "preventive_care"),
    PracticeScope("特种医学与军事医学专业", "clinical", None),
    PracticeScope("计划生育技术服务专业", "clinical", "obstetrics_gynecology"),
    PracticeScope("口腔专业", "dental", "stomatology"),
    PracticeScope("公共卫生类别专业", "public_health", "public_health"),
    PracticeScope("中医专业", "tcm", "tcm"),
    PracticeScope("中西医结合专业", "tcm", "integrated_medicine"),
    PracticeScope("蒙医专业", "tcm", "tcm"),
    PracticeScope("藏医专业", "tcm", "tcm"),
    PracticeScope("维医专业", "tcm", "tcm"),
    PracticeScope("傣医专业", "tcm", "tcm"),
)
PRACTICE_SCOPES: dict[str, PracticeScope] = {s.name: s for s in _SCOPES}


def specialty_of(practice_scope: str | None) -> str | None:
    """The exam specialty that examines a practice scope (None: unknown scope, or none examines it)."""
    found = PRACTICE_SCOPES.get(practice_scope or "")
    return found.specialty if found else None


def specialty_name(code: str | None) -> str | None:
    """The Chinese name of an exam specialty (None for an unknown code)."""
    found = SPECIALTIES.get(code or "")
    return found.name if found else None


def scopes_examined_by(code: str) -> list[str]:
    """The practice scopes whose physicians are examined in this specialty, in catalogue order."""
    return [s.name for s in _SCOPES if s.specialty == code]


def scopes_of(category: str | None = None) -> list[PracticeScope]:
    return [s for s in _SCOPES if category is None or s.category == category]
