"""Vital signs as the history shows them: flags from tracker.clinical, charts, table rows."""

from __future__ import annotations

from dataclasses import dataclass

from tracker.clinical.news2 import alert_level_for
from tracker.clinical.vitals import UNITS, VitalsReading, abnormal_findings
from tracker.history.charts import Chart, time_chart
from tracker.models import VitalSigns


@dataclass
class VitalsRow:
    vitals: VitalSigns
    flags: dict[str, str]  # field -> plain message, for values NEWS2 scores >= 1


def reading(v: VitalSigns) -> VitalsReading:
    return VitalsReading(heart_rate=v.heart_rate, systolic=v.systolic, diastolic=v.diastolic,
                         respiratory_rate=v.respiratory_rate, temperature_c=v.temperature_c,
                         spo2=v.spo2, on_oxygen=v.on_oxygen, consciousness=v.consciousness,
                         pain=v.pain, weight_kg=v.weight_kg)


def rows(vitals: list[VitalSigns]) -> list[VitalsRow]:
    return [VitalsRow(v, abnormal_findings(reading(v))) for v in vitals]


def news2_references() -> list[tuple[float, str]]:
    """The NEWS2 totals at which a response is triggered, asked of the clinical rules."""
    urgent = next(t for t in range(21) if alert_level_for(t, False) == "urgent")
    emergency = next(t for t in range(21) if alert_level_for(t, False) == "emergency")
    return [(urgent, "Urgent review"), (emergency, "Emergency")]


def _series(vitals: list[VitalsRow], name: str, field: str, css: str):
    return (name, css, [(r.vitals.taken_at, getattr(r.vitals, field), field in r.flags)
                        for r in vitals])


def charts(vitals: list[VitalsRow], tz: str, prefix: str) -> list[Chart]:
    """Heart rate, blood pressure, temperature, SpO2, respiratory rate and NEWS2 over time."""
    return [
        time_chart(f"{prefix}-hr", "Heart rate", UNITS["heart_rate"],
                   [_series(vitals, "Heart rate", "heart_rate", "line")], tz),
        time_chart(f"{prefix}-bp", "Blood pressure", UNITS["systolic"],
                   [_series(vitals, "Systolic", "systolic", "line"),
                    _series(vitals, "Diastolic", "diastolic", "line line-2")], tz),
        time_chart(f"{prefix}-temp", "Temperature", UNITS["temperature_c"],
                   [_series(vitals, "Temperature", "temperature_c", "line")], tz),
        time_chart(f"{prefix}-spo2", "Oxygen saturation (SpO2)", UNITS["spo2"],
                   [_series(vitals, "SpO2", "spo2", "line")], tz),
        time_chart(f"{prefix}-rr", "Respiratory rate", UNITS["respiratory_rate"],
                   [_series(vitals, "Respiratory rate", "respiratory_rate", "line")], tz),
        time_chart(f"{prefix}-news2", "NEWS2 total", "points",
                   [("NEWS2", "line", [(r.vitals.taken_at, r.vitals.news2_total,
                                        bool(r.vitals.news2_band and r.vitals.news2_band != "low"))
                                       for r in vitals])], tz, references=news2_references()),
    ]
