"""National Early Warning Score 2 (NEWS2), using SpO2 scale 1 only."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # A runtime import would be circular: vitals imports news2.
    from tracker.clinical.vitals import VitalsReading

# Scored parameters, in the order of the NEWS2 chart.
PARAMETERS: tuple[str, ...] = (
    "respiratory_rate",
    "spo2",
    "on_oxygen",
    "systolic",
    "heart_rate",
    "consciousness",
    "temperature_c",
)

# Source: Royal College of Physicians, National Early Warning Score (NEWS) 2, 2017, chart 1
# (SpO2 scale 1). Each band is (inclusive upper limit, score); the first band whose limit
# is >= the value applies, so in-between decimals (e.g. 35.05 °C) fall in the higher band.
_BANDS: dict[str, tuple[tuple[float, int], ...]] = {
    "respiratory_rate": ((8, 3), (11, 1), (20, 0), (24, 2), (math.inf, 3)),
    "spo2": ((91, 3), (93, 2), (95, 1), (math.inf, 0)),
    "systolic": ((90, 3), (100, 2), (110, 1), (219, 0), (math.inf, 3)),
    "heart_rate": ((40, 3), (50, 1), (90, 0), (110, 1), (130, 2), (math.inf, 3)),
    "temperature_c": ((35.0, 3), (36.0, 1), (38.0, 0), (39.0, 1), (math.inf, 2)),
}

# Source: RCP NEWS2 2017 — supplemental oxygen scores 2, air scores 0.
OXYGEN_SCORE = 2

# Source: RCP NEWS2 2017 — ACVPU: only Alert scores 0; new Confusion, Voice, Pain,
# Unresponsive all score 3.
_CONSCIOUSNESS_SCORES: dict[str, int] = {"A": 0, "C": 3, "V": 3, "P": 3, "U": 3}

BANDS: tuple[str, ...] = ("low", "low-medium", "medium", "high")

# Plain-language actions for a nurse alone in the patient's home (adapted from the RCP
# NEWS2 2017 clinical response table, where the escalation target is the prescriber).
EMERGENCY_RESPONSE = (
    "Emergency: call emergency services (911) now, stay with the patient, stop the infusion "
    "if it may be the cause, then call the prescriber."
)
URGENT_RESPONSE = (
    "Urgent: contact the prescriber or on-call clinician now for review; repeat vital signs "
    "at least every 30 minutes."
)
ROUTINE_RESPONSE = "Continue routine monitoring."
RESPONSES: dict[str, str] = {
    "high": EMERGENCY_RESPONSE,
    "medium": URGENT_RESPONSE,
    "low-medium": URGENT_RESPONSE,
    "low": ROUTINE_RESPONSE,
}


@dataclass(frozen=True)
class News2Result:
    """Outcome of scoring one set of vital signs."""

    total: int
    scores: dict[str, int]
    band: str
    any_single_three: bool
    complete: bool
    response: str
    alert_level: str | None


def normalise_consciousness(letter: str | None) -> str | None:
    """Return the upper-case ACVPU letter, or None when blank/missing."""
    if letter is None:
        return None
    letter = str(letter).strip().upper()
    return letter or None


def _band_index(name: str, value: float) -> int:
    """Index of the NEWS2 band containing ``value`` for a numeric parameter."""
    if math.isnan(value):
        raise ValueError(f"{name} is not a number")
    for index, (upper, _score) in enumerate(_BANDS[name]):
        if value <= upper:
            return index
    raise AssertionError("unreachable: last band is unbounded")


def parameter_score(name: str, value: float | str | bool | None) -> int:
    """NEWS2 score of one parameter; a missing value (None) scores 0.

    Raises ValueError for an unknown parameter name or ACVPU letter.
    """
    if name not in PARAMETERS:
        raise ValueError(f"Unknown NEWS2 parameter: {name!r}")
    if name == "on_oxygen":
        return OXYGEN_SCORE if value else 0
    if name == "consciousness":
        letter = normalise_consciousness(None if value is None else str(value))
        if letter is None:
            return 0
        if letter not in _CONSCIOUSNESS_SCORES:
            raise ValueError(f"Unknown consciousness level: {value!r}")
        return _CONSCIOUSNESS_SCORES[letter]
    if value is None:
        return 0
    return _BANDS[name][_band_index(name, float(value))][1]


def score_direction(name: str, value: float) -> str | None:
    """'low' or 'high' when a numeric parameter scores >= 1, else None.

    Only for respiratory_rate, spo2, systolic, heart_rate and temperature_c.
    """
    if name not in _BANDS:
        raise ValueError(f"No numeric NEWS2 bands for: {name!r}")
    bands = _BANDS[name]
    index = _band_index(name, value)
    if bands[index][1] == 0:
        return None
    normal_index = next(i for i, (_upper, score) in enumerate(bands) if score == 0)
    return "low" if index < normal_index else "high"


def risk_band(total: int, any_single_three: bool) -> str:
    """Clinical risk band from the total and the single-parameter-3 flag."""
    # Source: RCP NEWS2 2017 — 7+ high, 5-6 medium, a 3 in one parameter low-medium.
    if total >= 7:
        return "high"
    if total >= 5:
        return "medium"
    if any_single_three:
        return "low-medium"
    return "low"


def alert_level_for(total: int, any_single_three: bool) -> str | None:
    """'emergency' (total >= 7), 'urgent' (total >= 5 or any single 3) or None."""
    # Source: RCP NEWS2 2017 — same trigger points as the risk bands above.
    if total >= 7:
        return "emergency"
    if total >= 5 or any_single_three:
        return "urgent"
    return None


def news2_score(r: VitalsReading) -> News2Result:
    """Score a reading. Missing parameters score 0 and make ``complete`` False.

    Values are not checked for plausibility here; call vitals.plausibility_errors first.
    """
    values = {name: getattr(r, name) for name in PARAMETERS}
    scores = {name: parameter_score(name, value) for name, value in values.items()}
    complete = all(
        normalise_consciousness(value) is not None if name == "consciousness" else value is not None
        for name, value in values.items()
    )
    total = sum(scores.values())
    any_three = any(score == 3 for score in scores.values())
    band = risk_band(total, any_three)
    return News2Result(
        total=total,
        scores=scores,
        band=band,
        any_single_three=any_three,
        complete=complete,
        response=RESPONSES[band],
        alert_level=alert_level_for(total, any_three),
    )
