"""Vital signs: plausibility (impossible-value refusal) and abnormal-value highlighting."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from tracker.clinical.news2 import normalise_consciousness, score_direction

# Project choice, not a clinical threshold: outer limits of what can be measured in a
# living patient, used only to refuse typos (e.g. 720 for 72). Abnormal-but-possible
# values are handled by abnormal_findings.
PLAUSIBLE_RANGES: dict[str, tuple[float, float]] = {
    "heart_rate": (20, 250),
    "systolic": (50, 300),
    "diastolic": (20, 200),
    "respiratory_rate": (4, 70),
    "temperature_c": (30, 45),
    "spo2": (50, 100),
    "pain": (0, 10),
    "weight_kg": (0.5, 400),
}

UNITS: dict[str, str] = {
    "heart_rate": "/min",
    "systolic": "mmHg",
    "diastolic": "mmHg",
    "respiratory_rate": "/min",
    "temperature_c": "°C",
    "spo2": "%",
    "pain": "",  # 0-10 numeric rating scale has no unit.
    "weight_kg": "kg",
}

LABELS: dict[str, str] = {
    "heart_rate": "Heart rate",
    "systolic": "Systolic blood pressure",
    "diastolic": "Diastolic blood pressure",
    "respiratory_rate": "Respiratory rate",
    "temperature_c": "Temperature",
    "spo2": "Oxygen saturation",
    "pain": "Pain score",
    "weight_kg": "Weight",
    "on_oxygen": "Supplemental oxygen",
    "consciousness": "Consciousness",
}

# Source: RCP NEWS2 2017 — ACVPU scale (new Confusion added to AVPU).
CONSCIOUSNESS_LEVELS: dict[str, str] = {
    "A": "Alert",
    "C": "New confusion",
    "V": "Responds to voice",
    "P": "Responds to pain",
    "U": "Unresponsive",
}

# Source: Serlin et al., Pain 1995 — 0-10 numeric rating scale, 7-10 is severe pain.
SEVERE_PAIN = 7

_ABNORMAL_MESSAGES: dict[str, dict[str, str]] = {
    "respiratory_rate": {"low": "Low respiratory rate", "high": "High respiratory rate"},
    "spo2": {"low": "Low oxygen saturation"},  # NEWS2 scores only low SpO2.
    "systolic": {"low": "Low blood pressure", "high": "High blood pressure"},
    "heart_rate": {"low": "Low heart rate", "high": "High heart rate"},
    "temperature_c": {"low": "Low temperature", "high": "High temperature"},
}


@dataclass
class VitalsReading:
    """One set of vital signs; None means not measured."""

    heart_rate: int | None = None
    systolic: int | None = None
    diastolic: int | None = None
    respiratory_rate: int | None = None
    temperature_c: float | None = None
    spo2: int | None = None
    on_oxygen: bool = False
    consciousness: str = "A"
    pain: int | None = None
    weight_kg: float | None = None


def _round_1(value: Decimal) -> float:
    # Half-up on the decimal value, so 95.09 °F -> 35.05 -> 35.1 °C regardless of float error.
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def fahrenheit_to_celsius(f: float) -> float:
    """Convert °F to °C, rounded to 1 decimal."""
    if not math.isfinite(f):
        raise ValueError("Temperature is not a number")
    return _round_1((Decimal(str(f)) - 32) * 5 / 9)


def celsius_to_fahrenheit(c: float) -> float:
    """Convert °C to °F, rounded to 1 decimal."""
    if not math.isfinite(c):
        raise ValueError("Temperature is not a number")
    return _round_1(Decimal(str(c)) * 9 / 5 + 32)


def _range_message(name: str) -> str:
    low, high = PLAUSIBLE_RANGES[name]
    unit = f" {UNITS[name]}" if UNITS[name] else ""
    return f"{LABELS[name]} must be between {low:g} and {high:g}{unit}."


def plausibility_errors(r: VitalsReading) -> dict[str, str]:
    """Field -> message for impossible values. Missing (None) values are not errors."""
    errors: dict[str, str] = {}
    for name, (low, high) in PLAUSIBLE_RANGES.items():
        value = getattr(r, name)
        # "not (low <= value <= high)" also refuses NaN.
        if value is not None and not (low <= value <= high):
            errors[name] = _range_message(name)
    if (
        r.systolic is not None
        and r.diastolic is not None
        and "systolic" not in errors
        and "diastolic" not in errors
        and r.diastolic >= r.systolic
    ):
        errors["diastolic"] = "Diastolic must be lower than systolic."
    letter = normalise_consciousness(r.consciousness)
    if letter is not None and letter not in CONSCIOUSNESS_LEVELS:
        errors["consciousness"] = "Consciousness must be one of A, C, V, P or U."
    return errors


def abnormal_findings(r: VitalsReading) -> dict[str, str]:
    """Field -> plain message for possible but abnormal values (NEWS2 parameter score >= 1).

    Fields that fail plausibility_errors are skipped: they are impossible, not abnormal.
    """
    errors = plausibility_errors(r)
    findings: dict[str, str] = {}
    for name, messages in _ABNORMAL_MESSAGES.items():
        value = getattr(r, name)
        if value is None or name in errors:
            continue
        direction = score_direction(name, value)
        if direction is not None:
            findings[name] = messages[direction]
    if r.on_oxygen:
        findings["on_oxygen"] = "On supplemental oxygen"
    letter = normalise_consciousness(r.consciousness)
    if letter is not None and letter != "A" and "consciousness" not in errors:
        findings["consciousness"] = f"Not fully alert: {CONSCIOUSNESS_LEVELS[letter].lower()}"
    if r.pain is not None and "pain" not in errors and r.pain >= SEVERE_PAIN:
        findings["pain"] = "Severe pain"
    return findings
