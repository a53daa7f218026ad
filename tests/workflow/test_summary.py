"""The queue rows' key fields: every real kind names some, read from the payload its owner writes, in words."""

from __future__ import annotations

from server.workflow.kinds import all_kinds, get_kind, summarize


def test_every_real_kind_has_key_fields() -> None:
    assert all(spec.summary for spec in all_kinds() if spec.owner != "tests")


def test_payloads_read_as_words() -> None:
    enrolment = {
        "cycle_id": 3,
        "specialty": "内科专业",
        "registry": {"practice": {"institution_name": "东城区示范医院", "institution_id": 2}},
    }
    assert summarize(get_kind("assessment_enrolment"), enrolment) == [
        ("报考专业", "内科专业"),
        ("执业机构", "东城区示范医院"),
    ]
    change = {"labels": {"education": "学历", "school": "毕业学校"}, "physician": {"practice_cert_no": "110101"}}
    assert summarize(get_kind("registry_info_change"), change) == [
        ("修改项目", "学历、毕业学校"),
        ("执业证书编码", "110101"),
    ]
    self_evaluation = {"specialty": None, "simplified_conditions": [{"code": "a", "label": "连续两个周期考核合格"}]}
    assert summarize(get_kind("assessment_self_evaluation"), self_evaluation) == [
        ("简易程序条件", "连续两个周期考核合格")
    ]
    application = {"requested": {"institution_name": "朝阳区示范医院"}, "confirming_institution": {"name": "东城医院"}}
    assert summarize(get_kind("registry_change"), application) == [
        ("执业机构", "朝阳区示范医院"),
        ("确认机构", "东城医院"),
    ]


def test_missing_or_odd_payloads_leave_fields_out() -> None:
    spec = get_kind("assessment_appeal")
    assert summarize(spec, None) == []
    assert summarize(spec, {"cycle_name": "", "result_label": ["不合格"], "specialty": {"x": None}}) == [
        ("考核结果", "不合格")
    ]
    assert summarize(get_kind("proctoring_identity"), {"reason_label": "无法人脸识别", "note": True}) == [
        ("原因", "无法人脸识别"),
        ("说明", "是"),
    ]
