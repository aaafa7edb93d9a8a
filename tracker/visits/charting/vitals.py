"""Vital signs: as many sets as needed before, during and after the infusion, each scored
with NEWS2; an urgent or emergency score raises an alert and tells the nurse what to do."""

from __future__ import annotations

from dataclasses import dataclass

from tracker.alerts.services import raise_alert
from tracker.clinical.news2 import PARAMETERS as NEWS2_PARAMETERS
from tracker.clinical.news2 import RESPONSES, news2_score
from tracker.clinical.vitals import (
    CONSCIOUSNESS_LEVELS,
    LABELS,
    PLAUSIBLE_RANGES,
    UNITS,
    VitalsReading,
    abnormal_findings,
    celsius_to_fahrenheit,
    fahrenheit_to_celsius,
    plausibility_errors,
)
from tracker.extensions import db
from tracker.models import User, Visit, VitalSigns
from tracker.visits.charting.common import FORM, Reader, audit_entry, begin, clock, commit_entry

PHASES = {"before": "Before the infusion", "during": "During the infusion",
          "after": "After the infusion"}
TEMPERATURE_UNITS = {"C": "°C", "F": "°F"}
MEASUREMENTS = ("heart_rate", "systolic", "diastolic", "respiratory_rate", "temperature_c",
                "spo2", "pain", "weight_kg")
# The form names the temperature field "temperature" (typed in °C or °F); the rules use °C.
_FIELD = {"temperature_c": "temperature"}
# Band -> how loudly the page shows it (the thresholds live in tracker.clinical.news2).
BAND_LEVEL = {"low": None, "low-medium": "urgent", "medium": "urgent", "high": "emergency"}
BAND_LABELS = {"low": "Low", "low-medium": "Low-medium (one parameter scored 3)",
               "medium": "Medium", "high": "High"}


def record_vitals(visit: Visit, user: User, values: dict, client_id: str | None = None
                  ) -> VitalSigns:
    """Record one set of vital signs with its NEWS2 score (see module docstring)."""
    client_id, earlier = begin(visit, user, client_id, "record_vitals", VitalSigns,
                               "record vital signs")
    if earlier is not None:
        return earlier
    f = Reader(values, visit, user)
    phase = f.choice("phase", PHASES, required="Choose when this set was taken: before, "
                                               "during or after the infusion.")
    taken_at = f.moment("taken_at")
    reading = _reading(f)
    f.check()

    result = news2_score(reading)
    row = VitalSigns(taken_at=taken_at, phase=phase, news2_total=result.total,
                     news2_band=result.band, recorded_by_id=user.id,
                     **{name: getattr(reading, name) for name in (*MEASUREMENTS, "on_oxygen")},
                     consciousness=reading.consciousness)
    visit.vital_signs.append(row)
    db.session.flush()
    audit_entry("vitals_recorded", "vital_signs", row.id, visit, user,
                {"fields": _measured(reading)})
    if result.alert_level is not None:
        raise_alert(f"news2_{result.alert_level}", result.alert_level,
                    f"NEWS2 {result.total} ({result.band} risk) in the vital signs taken at "
                    f"{clock(taken_at, user.timezone)}. {result.response}",
                    patient_id=visit.patient_id, visit_id=visit.id, nurse_id=visit.nurse_id,
                    trigger=row)
    return commit_entry(user, client_id, "record_vitals", row, VitalSigns)


def _reading(f: Reader) -> VitalsReading:
    reading = VitalsReading(
        heart_rate=f.whole("heart_rate"),
        systolic=f.whole("systolic"),
        diastolic=f.whole("diastolic"),
        respiratory_rate=f.whole("respiratory_rate"),
        temperature_c=_temperature_c(f),
        spo2=f.whole("spo2"),
        on_oxygen=f.flag("on_oxygen"),
        consciousness=f.choice("consciousness", CONSCIOUSNESS_LEVELS,
                               required="Choose the level of consciousness (ACVPU).") or "A",
        pain=f.whole("pain"),
        weight_kg=f.number("weight_kg"),
    )
    if (reading.systolic is None) != (reading.diastolic is None) and not (
            {"systolic", "diastolic"} & f.errors.keys()):
        missing = "diastolic" if reading.diastolic is None else "systolic"
        f.fail(missing, "Enter both numbers of the blood pressure.")
    if not _measured(reading) and not {*MEASUREMENTS, "temperature"} & f.errors.keys():
        f.fail(FORM, "Enter at least one measurement.")
    for name, message in plausibility_errors(reading).items():
        if name == "temperature_c" and f.raw("temperature_unit") == "F":
            low, high = PLAUSIBLE_RANGES["temperature_c"]
            message = (f"{message[:-1]} ({celsius_to_fahrenheit(low):g} to "
                       f"{celsius_to_fahrenheit(high):g} °F).")
        f.fail(_FIELD.get(name, name), message)
    return reading


def _temperature_c(f: Reader) -> float | None:
    unit = f.choice("temperature_unit", TEMPERATURE_UNITS,
                    required="Choose °C or °F.") if f.raw("temperature_unit") else "C"
    value = f.number("temperature")
    if value is None or unit is None:
        return None
    return fahrenheit_to_celsius(value) if unit == "F" else value


def _measured(reading: VitalsReading) -> list[str]:
    return [name for name in MEASUREMENTS if getattr(reading, name) is not None]


@dataclass(frozen=True)
class VitalsSet:
    """One recorded set as the page shows it: values, findings in words, NEWS2."""

    row: VitalSigns
    findings: dict[str, str]
    not_measured: list[str]

    @property
    def band_label(self) -> str:
        return BAND_LABELS.get(self.row.news2_band or "", "")

    @property
    def level(self) -> str | None:
        return BAND_LEVEL.get(self.row.news2_band or "")

    @property
    def response(self) -> str:
        return RESPONSES.get(self.row.news2_band or "", "")

    @property
    def temperature_f(self) -> float | None:
        t = self.row.temperature_c
        return None if t is None else celsius_to_fahrenheit(t)


def describe(row: VitalSigns) -> VitalsSet:
    reading = VitalsReading(**{name: getattr(row, name) for name in MEASUREMENTS},
                            on_oxygen=row.on_oxygen, consciousness=row.consciousness)
    not_measured = [LABELS[name].lower() for name in NEWS2_PARAMETERS
                    if name not in ("on_oxygen", "consciousness") and getattr(row, name) is None]
    return VitalsSet(row=row, findings=abnormal_findings(reading), not_measured=not_measured)


def vitals_context(visit: Visit) -> dict:
    sets = [describe(row) for row in visit.vital_signs]
    latest = sets[-1] if sets else None
    return {
        "vitals_sets": sets,
        # The most recent set decides what the nurse must do now.
        "vitals_escalation": latest if latest is not None and latest.level else None,
        "vitals_phases": PHASES,
        "consciousness_levels": CONSCIOUSNESS_LEVELS,
        "vital_units": UNITS,
    }
