"""Encryption at rest, the blind index, masks and ID-number checks."""

from __future__ import annotations

from datetime import date

import pytest
from cryptography.exceptions import InvalidTag

from server.common import crypto, idcard
from server.common.masking import mask_email, mask_id_number, mask_name, mask_phone


def test_encryption_round_trips_and_is_randomised() -> None:
    a = crypto.encrypt("11010519491231002X", context="id_number")
    b = crypto.encrypt("11010519491231002X", context="id_number")
    assert a != b
    assert "1101051949" not in a
    assert crypto.decrypt(a, context="id_number") == "11010519491231002X"


def test_ciphertext_is_bound_to_its_context() -> None:
    token = crypto.encrypt("secret", context="id_number")
    with pytest.raises(InvalidTag):
        crypto.decrypt(token, context="phone")


def test_blind_index_is_stable_normalised_and_keyed() -> None:
    assert crypto.blind_index("11010519491231002x ") == crypto.blind_index("11010519491231002X")
    assert crypto.blind_index("11010519491231002X") != crypto.blind_index("110105194912310011")
    assert "11010519491231002X" not in crypto.blind_index("11010519491231002X")


def test_masks() -> None:
    assert mask_phone("15175070658") == "151****0658"
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_name("张三丰") == "张*丰"
    assert mask_name("李四") == "李*"
    assert mask_email("doctor@example.cn") == "d***@example.cn"
    assert mask_phone(None) is None


def test_id_numbers_follow_gb11643() -> None:
    assert idcard.is_valid("11010519491231002X")
    assert idcard.is_valid("11010519491231002x")
    assert not idcard.is_valid("110105194912310021")  # wrong check character
    assert not idcard.is_valid("110105194913310028")  # month 13
    assert not idcard.is_valid("11010519491231002")  # 17 characters
    made = idcard.make("310101", date(1990, 1, 2), 7)
    assert idcard.is_valid(made) and made.startswith("31010119900102007")
