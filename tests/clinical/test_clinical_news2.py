"""NEWS2 scoring: every band edge, risk bands, alert levels and completeness."""

from dataclasses import replace

import pytest

from tracker.clinical.news2 import (
    EMERGENCY_RESPONSE,
    PARAMETERS,
    ROUTINE_RESPONSE,
    URGENT_RESPONSE,
    alert_level_for,
    news2_score,
    parameter_score,
    risk_band,
    score_direction,
)
from tracker.clinical.vitals import VitalsReading

NORMAL = VitalsReading(
    heart_rate=70,
    systolic=120,
    diastolic=80,
    respiratory_rate=16,
    temperature_c=37.0,
    spo2=98,
    on_oxygen=False,
    consciousness="A",
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(4, 3), (8, 3), (9, 1), (11, 1), (12, 0), (20, 0), (21, 2), (24, 2), (25, 3), (70, 3)],
)
def test_respiratory_rate_bands(value, expected):
    assert parameter_score("respiratory_rate", value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(50, 3), (91, 3), (92, 2), (93, 2), (94, 1), (95, 1), (96, 0), (100, 0)],
)
def test_spo2_scale_1_bands(value, expected):
    assert parameter_score("spo2", value) == expected


@pytest.mark.parametrize(("value", "expected"), [(True, 2), (False, 0)])
def test_supplemental_oxygen(value, expected):
    assert parameter_score("on_oxygen", value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (50, 3),
        (90, 3),
        (91, 2),
        (100, 2),
        (101, 1),
        (110, 1),
        (111, 0),
        (219, 0),
        (220, 3),
        (300, 3),
    ],
)
def test_systolic_bands(value, expected):
    assert parameter_score("systolic", value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (20, 3),
        (40, 3),
        (41, 1),
        (50, 1),
        (51, 0),
        (90, 0),
        (91, 1),
        (110, 1),
        (111, 2),
        (130, 2),
        (131, 3),
        (250, 3),
    ],
)
def test_heart_rate_bands(value, expected):
    assert parameter_score("heart_rate", value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (30.0, 3),
        (35.0, 3),
        (35.1, 1),
        (36.0, 1),
        (36.1, 0),
        (38.0, 0),
        (38.1, 1),
        (39.0, 1),
        (39.1, 2),
        (45.0, 2),
        # Values between the printed 1-decimal bands fall into the next band up.
        (35.05, 1),
        (38.05, 1),
        (39.05, 2),
    ],
)
def test_temperature_bands(value, expected):
    assert parameter_score("temperature_c", value) == expected


@pytest.mark.parametrize(
    ("letter", "expected"),
    [("A", 0), ("C", 3), ("V", 3), ("P", 3), ("U", 3), ("v", 3), (" a ", 0)],
)
def test_consciousness(letter, expected):
    assert parameter_score("consciousness", letter) == expected


@pytest.mark.parametrize("name", PARAMETERS)
def test_missing_parameter_scores_zero(name):
    assert parameter_score(name, None) == 0


@pytest.mark.parametrize(
    ("name", "value"),
    [("consciousness", "X"), ("blood_sugar", 5), ("heart_rate", float("nan"))],
)
def test_parameter_score_refuses_unknown(name, value):
    with pytest.raises(ValueError):
        parameter_score(name, value)


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("respiratory_rate", 11, "low"),
        ("respiratory_rate", 12, None),
        ("respiratory_rate", 20, None),
        ("respiratory_rate", 21, "high"),
        ("spo2", 95, "low"),
        ("spo2", 96, None),
        ("spo2", 100, None),
        ("systolic", 110, "low"),
        ("systolic", 111, None),
        ("systolic", 219, None),
        ("systolic", 220, "high"),
        ("heart_rate", 50, "low"),
        ("heart_rate", 51, None),
        ("heart_rate", 90, None),
        ("heart_rate", 91, "high"),
        ("temperature_c", 36.0, "low"),
        ("temperature_c", 36.1, None),
        ("temperature_c", 38.0, None),
        ("temperature_c", 38.1, "high"),
    ],
)
def test_score_direction(name, value, expected):
    assert score_direction(name, value) == expected


def test_score_direction_only_for_numeric_parameters():
    with pytest.raises(ValueError):
        score_direction("consciousness", 3)


@pytest.mark.parametrize(
    ("total", "single_three", "band", "alert"),
    [
        (0, False, "low", None),
        (4, False, "low", None),
        (3, True, "low-medium", "urgent"),
        (4, True, "low-medium", "urgent"),
        (5, False, "medium", "urgent"),
        (5, True, "medium", "urgent"),
        (6, False, "medium", "urgent"),
        (6, True, "medium", "urgent"),
        (7, False, "high", "emergency"),
        (7, True, "high", "emergency"),
        (20, True, "high", "emergency"),
    ],
)
def test_band_and_alert_level(total, single_three, band, alert):
    assert risk_band(total, single_three) == band
    assert alert_level_for(total, single_three) == alert


def test_normal_reading():
    result = news2_score(NORMAL)
    assert result.total == 0
    assert result.scores == dict.fromkeys(PARAMETERS, 0)
    assert list(result.scores) == list(PARAMETERS)
    assert result.band == "low"
    assert result.any_single_three is False
    assert result.complete is True
    assert result.response == ROUTINE_RESPONSE
    assert result.alert_level is None


@pytest.mark.parametrize(
    ("changes", "total", "band", "alert", "response"),
    [
        # 2 + 2 = 4, no single 3.
        ({"respiratory_rate": 22, "spo2": 93}, 4, "low", None, ROUTINE_RESPONSE),
        # 3 + 1 = 4 with a single 3.
        ({"respiratory_rate": 25, "heart_rate": 95}, 4, "low-medium", "urgent", URGENT_RESPONSE),
        ({"consciousness": "V"}, 3, "low-medium", "urgent", URGENT_RESPONSE),
        # 2 + 2 + 1 = 5.
        (
            {"respiratory_rate": 22, "spo2": 93, "heart_rate": 95},
            5,
            "medium",
            "urgent",
            URGENT_RESPONSE,
        ),
        # 2 + 2 + 2 = 6.
        (
            {"respiratory_rate": 22, "spo2": 93, "on_oxygen": True},
            6,
            "medium",
            "urgent",
            URGENT_RESPONSE,
        ),
        # 2 + 2 + 2 + 1 = 7.
        (
            {"respiratory_rate": 22, "spo2": 93, "on_oxygen": True, "heart_rate": 95},
            7,
            "high",
            "emergency",
            EMERGENCY_RESPONSE,
        ),
        # Everything at its worst: 3 + 3 + 2 + 3 + 3 + 3 + 3 = 20.
        (
            {
                "respiratory_rate": 30,
                "spo2": 85,
                "on_oxygen": True,
                "systolic": 80,
                "heart_rate": 140,
                "consciousness": "U",
                "temperature_c": 34.0,
            },
            20,
            "high",
            "emergency",
            EMERGENCY_RESPONSE,
        ),
    ],
)
def test_news2_score_totals(changes, total, band, alert, response):
    result = news2_score(replace(NORMAL, **changes))
    assert result.total == total
    assert result.band == band
    assert result.alert_level == alert
    assert result.response == response
    assert result.complete is True


def test_single_three_flag():
    result = news2_score(replace(NORMAL, systolic=90))
    assert result.scores["systolic"] == 3
    assert result.any_single_three is True


@pytest.mark.parametrize(
    "missing", ["respiratory_rate", "spo2", "systolic", "heart_rate", "temperature_c"]
)
def test_missing_parameter_makes_result_incomplete(missing):
    result = news2_score(replace(NORMAL, **{missing: None}))
    assert result.scores[missing] == 0
    assert result.complete is False


@pytest.mark.parametrize("blank", [None, "", "  "])
def test_missing_consciousness_makes_result_incomplete(blank):
    result = news2_score(replace(NORMAL, consciousness=blank))
    assert result.scores["consciousness"] == 0
    assert result.complete is False


def test_nothing_measured():
    result = news2_score(VitalsReading(None, None, None, None, None, None))
    assert result.total == 0
    assert result.band == "low"
    assert result.complete is False


def test_unknown_consciousness_letter_is_refused():
    with pytest.raises(ValueError):
        news2_score(replace(NORMAL, consciousness="X"))
