"""The visit history filter: parsed from the query string, which holds ids and codes only."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, func, select

from tracker.clinical.duration import LIMIT
from tracker.clinical.news2 import BANDS
from tracker.history.sql import band_rank, elapsed_whole_seconds
from tracker.models import Complication, Visit, VitalSigns

SORTS = ("desc", "asc")


@dataclass(frozen=True)
class VisitFilter:
    patient_id: int | None = None
    nurse_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    state: str | None = None
    complication: str | None = None  # a complication kind code, e.g. "phlebitis"
    over_2h: bool = False
    news2_band: str | None = None  # the worst band of the visit's vital sign sets
    sort: str = "desc"

    def query_args(self) -> dict[str, str]:
        """The filter as URL query arguments: ids, codes and dates only, never names."""
        args = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "sort":
                if value != "desc":
                    args["sort"] = value
            elif value is True:
                args[f.name] = "1"
            elif value not in (None, False, ""):
                args[f.name] = value.isoformat() if isinstance(value, date) else str(value)
        return args

    def audit_detail(self) -> dict:
        return {"filters": sorted(k for k in self.query_args() if k != "sort")}


def day_start(day: date, tz: str) -> datetime:
    """Midnight at the start of `day` in the viewer's zone (aware)."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(tz))


def day_bounds(date_from: date | None, date_to: date | None, tz: str):
    """[start, end) datetimes for a range of whole local days; either may be None."""
    start = day_start(date_from, tz) if date_from else None
    end = day_start(date_to + timedelta(days=1), tz) if date_to else None
    return start, end


def over_two_hours():
    """The CPT 99601 limit passed: more than 2 h in whole seconds, as duration.time_status says."""
    seconds = elapsed_whole_seconds(Visit.checked_in_at, Visit.checked_out_at)
    return and_(Visit.checked_out_at.is_not(None), Visit.checked_in_at.is_not(None),
                seconds > int(LIMIT.total_seconds()))


def worst_band_rank():
    """The rank of the worst NEWS2 band among a visit's vital sign sets (use with GROUP BY)."""
    return func.max(band_rank(VitalSigns.news2_band))


def conditions(flt: VisitFilter, tz: str) -> list:
    """SQL conditions on Visit for a filter; dates are whole days in the viewer's zone."""
    where = []
    if flt.patient_id:
        where.append(Visit.patient_id == flt.patient_id)
    if flt.nurse_id:
        where.append(Visit.nurse_id == flt.nurse_id)
    start, end = day_bounds(flt.date_from, flt.date_to, tz)
    if start:
        where.append(Visit.planned_start >= start)
    if end:
        where.append(Visit.planned_start < end)
    if flt.state:
        where.append(Visit.state == flt.state)
    if flt.complication:
        where.append(exists().where(Complication.visit_id == Visit.id,
                                    Complication.kind == flt.complication))
    if flt.over_2h:
        where.append(over_two_hours())
    if flt.news2_band:
        with_band = (select(VitalSigns.visit_id).group_by(VitalSigns.visit_id)
                     .having(worst_band_rank() == BANDS.index(flt.news2_band)))
        where.append(Visit.id.in_(with_band))
    return where
