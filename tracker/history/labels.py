"""Plain labels for the codes stored in visits (complication kinds, states, bands)."""

from sqlalchemy import distinct, select

from tracker.clinical.news2 import BANDS
from tracker.extensions import db
from tracker.models import Complication, VisitState
from tracker.procedures.services import ProcedureRecordMissing, current_record

BAND_LABELS = {"low": "Low", "low-medium": "Low-medium (a 3 in one sign)", "medium": "Medium",
               "high": "High"}
# Dashboard groups: which states a coordinator follows through the day.
STATE_CHOICES = [(s.value, s.label) for s in VisitState]


def risk_labels() -> dict[str, str]:
    try:
        risks = current_record()["risks"] or {}
    except ProcedureRecordMissing:
        return {}
    return {r["key"]: r["label"] for group in ("common", "rare") for r in risks.get(group, [])}


def complication_label(kind: str, other: str = "", labels: dict[str, str] | None = None) -> str:
    if kind == "other" and other:
        return f"Other: {other}"
    labels = risk_labels() if labels is None else labels
    return labels.get(kind) or kind.replace("_", " ").capitalize()


def complication_choices() -> list[tuple[str, str]]:
    """The procedure record's listed risks, then any other kind already recorded."""
    labels = risk_labels()
    recorded = db.session.scalars(select(distinct(Complication.kind))).all()
    kinds = list(labels) + sorted(k for k in recorded if k not in labels)
    return [(k, complication_label(k, labels=labels)) for k in kinds]


def band_choices() -> list[tuple[str, str]]:
    return [(b, BAND_LABELS[b]) for b in BANDS]
