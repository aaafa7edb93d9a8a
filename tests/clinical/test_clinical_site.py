"""Access-site scales, device types and the insertion-attempt limit."""

import pytest

from tracker.clinical.site import (
    DEVICE_TYPES,
    INS_PHLEBITIS,
    INSERTION_ATTEMPT_LIMIT,
    VIP_SCORE,
    ScaleEntry,
    phlebitis_entry,
    too_many_attempts,
    vip_entry,
)


def test_scales_cover_their_grades():
    assert sorted(INS_PHLEBITIS) == [0, 1, 2, 3, 4]
    assert sorted(VIP_SCORE) == [0, 1, 2, 3, 4, 5]
    for scale in (INS_PHLEBITIS, VIP_SCORE):
        for score, entry in scale.items():
            assert isinstance(entry, ScaleEntry)
            assert entry.score == score
            assert entry.meaning and entry.action


@pytest.mark.parametrize("score", [0, 1, 2, 3, 4])
def test_phlebitis_entry(score):
    assert phlebitis_entry(score) is INS_PHLEBITIS[score]


@pytest.mark.parametrize("score", [0, 1, 2, 3, 4, 5])
def test_vip_entry(score):
    assert vip_entry(score) is VIP_SCORE[score]


@pytest.mark.parametrize("score", [-1, 5, 6, None, True])
def test_phlebitis_out_of_range(score):
    with pytest.raises(ValueError):
        phlebitis_entry(score)


@pytest.mark.parametrize("score", [-1, 6, None, True])
def test_vip_out_of_range(score):
    with pytest.raises(ValueError):
        vip_entry(score)


@pytest.mark.parametrize("score", [0, 1])
def test_low_ins_grades_do_not_ask_for_removal(score):
    assert "remove it" not in phlebitis_entry(score).action


@pytest.mark.parametrize("score", [2, 3, 4])
def test_ins_grade_2_and_up_remove_and_notify(score):
    action = phlebitis_entry(score).action
    assert "remove" in action and "prescriber" in action and "document" in action


def test_ins_grade_4_cultures_drainage():
    assert "Culture" in phlebitis_entry(4).action


@pytest.mark.parametrize(
    ("score", "resite"), [(0, False), (1, False), (2, True), (3, True), (4, True), (5, True)]
)
def test_vip_resite_from_grade_2(score, resite):
    assert ("Resite" in vip_entry(score).action or "resite" in vip_entry(score).action) is resite


def test_device_types():
    assert [key for key, _label in DEVICE_TYPES] == [
        "peripheral_iv",
        "midline",
        "picc",
        "implanted_port",
        "other",
    ]
    assert all(label for _key, label in DEVICE_TYPES)


@pytest.mark.parametrize(("n", "expected"), [(0, False), (1, False), (2, False), (3, True)])
def test_too_many_attempts(n, expected):
    assert INSERTION_ATTEMPT_LIMIT == 2
    assert too_many_attempts(n) is expected


def test_negative_attempts_refused():
    with pytest.raises(ValueError):
        too_many_attempts(-1)
