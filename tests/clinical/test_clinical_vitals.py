"""Vital signs: unit conversion, plausibility refusal and abnormal-value highlighting."""

import math
from dataclasses import replace

import pytest

from tracker.clinical.vitals import (
    PLAUSIBLE_RANGES,
    UNITS,
    VitalsReading,
    abnormal_findings,
    celsius_to_fahrenheit,
    fahrenheit_to_celsius,
    plausibility_errors,
)

NORMAL = VitalsReading(
    heart_rate=70,
    systolic=120,
    diastolic=80,
    respiratory_rate=16,
    temperature_c=37.0,
    spo2=98,
    pain=2,
    weight_kg=70.0,
)


def only(**values):
    """A reading with just the given fields measured."""
    return replace(VitalsReading(None, None, None, None, None, None), **values)


@pytest.mark.parametrize(
    ("f", "c"),
    [
        (98.6, 37.0),
        (32, 0.0),
        (212, 100.0),
        (-40, -40.0),
        (100.4, 38.0),
        (95.0, 35.0),
        (102.2, 39.0),
        # 95.09 °F is exactly 35.05 °C: rounds half up, not by float error.
        (95.09, 35.1),
        (100.0, 37.8),
    ],
)
def test_fahrenheit_to_celsius(f, c):
    assert fahrenheit_to_celsius(f) == c


@pytest.mark.parametrize(("c", "f"), [(37.0, 98.6), (0, 32.0), (100, 212.0), (38.0, 100.4)])
def test_celsius_to_fahrenheit(c, f):
    assert celsius_to_fahrenheit(c) == f


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_conversion_refuses_non_numbers(bad):
    with pytest.raises(ValueError):
        fahrenheit_to_celsius(bad)
    with pytest.raises(ValueError):
        celsius_to_fahrenheit(bad)


def test_ranges_and_units_cover_the_same_fields():
    assert set(PLAUSIBLE_RANGES) == set(UNITS)


@pytest.mark.parametrize(
    ("field", "value", "refused"),
    [
        ("heart_rate", 19, True),
        ("heart_rate", 20, False),
        ("heart_rate", 250, False),
        ("heart_rate", 251, True),
        ("systolic", 49, True),
        ("systolic", 50, False),
        ("systolic", 300, False),
        ("systolic", 301, True),
        ("diastolic", 19, True),
        ("diastolic", 20, False),
        ("diastolic", 200, False),
        ("diastolic", 201, True),
        ("respiratory_rate", 3, True),
        ("respiratory_rate", 4, False),
        ("respiratory_rate", 70, False),
        ("respiratory_rate", 71, True),
        ("temperature_c", 29.9, True),
        ("temperature_c", 30.0, False),
        ("temperature_c", 45.0, False),
        ("temperature_c", 45.1, True),
        ("spo2", 49, True),
        ("spo2", 50, False),
        ("spo2", 100, False),
        ("spo2", 101, True),
        ("pain", -1, True),
        ("pain", 0, False),
        ("pain", 10, False),
        ("pain", 11, True),
        ("weight_kg", 0.4, True),
        ("weight_kg", 0.5, False),
        ("weight_kg", 400, False),
        ("weight_kg", 400.1, True),
        ("heart_rate", math.nan, True),
    ],
)
def test_plausible_range_boundaries(field, value, refused):
    errors = plausibility_errors(only(**{field: value}))
    assert (field in errors) is refused
    assert set(errors) <= {field}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("heart_rate", 251, "Heart rate must be between 20 and 250 /min."),
        ("systolic", 20, "Systolic blood pressure must be between 50 and 300 mmHg."),
        ("temperature_c", 46, "Temperature must be between 30 and 45 °C."),
        ("spo2", 101, "Oxygen saturation must be between 50 and 100 %."),
        ("pain", 11, "Pain score must be between 0 and 10."),
        ("weight_kg", 0, "Weight must be between 0.5 and 400 kg."),
    ],
)
def test_range_messages_name_the_range(field, value, message):
    assert plausibility_errors(only(**{field: value}))[field] == message


def test_normal_and_empty_readings_have_no_errors():
    assert plausibility_errors(NORMAL) == {}
    assert plausibility_errors(only()) == {}


@pytest.mark.parametrize(
    ("systolic", "diastolic", "refused"),
    [(120, 119, False), (120, 120, True), (120, 121, True)],
)
def test_diastolic_must_be_below_systolic(systolic, diastolic, refused):
    errors = plausibility_errors(only(systolic=systolic, diastolic=diastolic))
    assert ("diastolic" in errors) is refused
    if refused:
        assert errors == {"diastolic": "Diastolic must be lower than systolic."}


def test_order_check_skipped_when_a_pressure_is_already_impossible():
    errors = plausibility_errors(only(systolic=40, diastolic=60))
    assert set(errors) == {"systolic"}


@pytest.mark.parametrize(
    ("letter", "refused"),
    [
        ("A", False),
        ("C", False),
        ("V", False),
        ("P", False),
        ("U", False),
        ("u", False),
        ("", False),
        (None, False),
        ("X", True),
        ("AV", True),
    ],
)
def test_consciousness_letter(letter, refused):
    assert ("consciousness" in plausibility_errors(only(consciousness=letter))) is refused


def test_normal_reading_has_no_findings():
    assert abnormal_findings(NORMAL) == {}
    assert abnormal_findings(only()) == {}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("respiratory_rate", 11, "Low respiratory rate"),
        ("respiratory_rate", 12, None),
        ("respiratory_rate", 20, None),
        ("respiratory_rate", 21, "High respiratory rate"),
        ("spo2", 95, "Low oxygen saturation"),
        ("spo2", 96, None),
        ("spo2", 100, None),
        ("systolic", 110, "Low blood pressure"),
        ("systolic", 111, None),
        ("systolic", 219, None),
        ("systolic", 220, "High blood pressure"),
        ("heart_rate", 50, "Low heart rate"),
        ("heart_rate", 51, None),
        ("heart_rate", 90, None),
        ("heart_rate", 91, "High heart rate"),
        ("temperature_c", 36.0, "Low temperature"),
        ("temperature_c", 36.1, None),
        ("temperature_c", 38.0, None),
        ("temperature_c", 38.1, "High temperature"),
        ("pain", 6, None),
        ("pain", 7, "Severe pain"),
        ("pain", 10, "Severe pain"),
        ("on_oxygen", True, "On supplemental oxygen"),
        ("on_oxygen", False, None),
        ("consciousness", "C", "Not fully alert: new confusion"),
        ("consciousness", "u", "Not fully alert: unresponsive"),
        ("consciousness", "A", None),
    ],
)
def test_abnormal_finding_boundaries(field, value, message):
    findings = abnormal_findings(replace(NORMAL, **{field: value}))
    assert findings.get(field) == message
    assert set(findings) <= {field}


@pytest.mark.parametrize(
    ("field", "value"),
    [("heart_rate", 300), ("pain", 11), ("consciousness", "X"), ("spo2", 40)],
)
def test_impossible_values_are_not_reported_as_abnormal(field, value):
    reading = replace(NORMAL, **{field: value})
    assert field in plausibility_errors(reading)
    assert field not in abnormal_findings(reading)


def test_diastolic_is_never_an_abnormal_finding():
    assert "diastolic" not in abnormal_findings(replace(NORMAL, diastolic=115))
