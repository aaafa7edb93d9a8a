"""CSV files: streamed row by row, and safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, func, select, type_coerce

from tracker.clinical.duration import format_duration, time_status
from tracker.extensions import db
from tracker.history.filters import VisitFilter, conditions, worst_band_rank
from tracker.history.pagination import ordered
from tracker.history.sql import band_for_rank
from tracker.models import Complication, Patient, User, Visit, VisitBillingLine, VisitState, VitalSigns

# A cell starting with one of these is read as a formula by spreadsheet programs (OWASP
# "CSV injection"); such cells get a leading apostrophe so they stay text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FETCH_ROWS = 1000  # rows per round trip; the server-side cursor keeps memory flat
LINES_PER_CHUNK = 200  # lines sent together: one write per line would dominate a big export


def safe_cell(value) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value


def csv_lines(header: list[str], rows: Iterable[Iterable], *, cells_safe: bool = False) -> Iterator[str]:
    """CSV text, header first, a chunk of LINES_PER_CHUNK lines at a time. cells_safe: the
    rows passed every free-text cell through safe_cell already (a large export does it for
    the few columns that hold text people typed, not for every number and date)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(c) for c in header])
    pending = 1
    for cells in rows:
        writer.writerow(cells if cells_safe else [safe_cell(c) for c in cells])
        pending += 1
        if pending >= LINES_PER_CHUNK:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if pending:
        yield buffer.getvalue()


def _units(code: str):
    return (select(func.coalesce(func.sum(VisitBillingLine.units), 0))
            .where(VisitBillingLine.visit_id == Visit.id, VisitBillingLine.code == code)
            .scalar_subquery())


def visit_export_query(flt: VisitFilter, tz: str):
    worst = (select(worst_band_rank()).where(VitalSigns.visit_id == Visit.id).scalar_subquery())
    kinds = (select(func.aggregate_strings(Complication.kind, "; "))
             .where(Complication.visit_id == Visit.id).scalar_subquery())
    # Stored naive UTC, read as such: LocalTimes converts them faster than the column type.
    naive = [type_coerce(c, DateTime()) for c in (Visit.planned_start, Visit.checked_in_at,
                                                  Visit.checked_out_at, Visit.signed_at)]
    query = (select(Visit.id, naive[0], Visit.state, Patient.id, Patient.mrn,
                    Patient.last_name, Patient.first_name, User.id, User.name,
                    naive[1], naive[2], naive[3],
                    worst, kinds, _units("99601"), _units("99602"))
             .join(Patient, Patient.id == Visit.patient_id)
             .join(User, User.id == Visit.nurse_id)
             .where(*conditions(flt, tz)))
    return ordered(query, ascending=flt.sort == "asc").execution_options(yield_per=FETCH_ROWS)


def visit_header(tz: str) -> list[str]:
    return ["Visit id", f"Planned start ({tz})", "State", "Patient id", "MRN", "Patient",
            "Nurse id", "Nurse", f"Checked in ({tz})", f"Checked out ({tz})", "Length",
            "Over 2 hours", "Worst NEWS2 band", "Complications", "99601 units", "99602 units",
            f"Signed ({tz})"]


class LocalTimes:
    """Naive UTC datetimes written as local 'YYYY-MM-DD HH:MM', fast: the zone's offset is
    looked up once per quarter hour of UTC time (offsets change on quarter hours at most)."""

    def __init__(self, tz: str):
        self.zone = ZoneInfo(tz)
        self.offsets: dict[datetime, timedelta] = {}

    def __call__(self, value: datetime | None) -> str:
        if value is None:
            return ""
        quarter = value.replace(minute=value.minute - value.minute % 15, second=0, microsecond=0)
        offset = self.offsets.get(quarter)
        if offset is None:
            offset = self.offsets[quarter] = quarter.replace(tzinfo=UTC).astimezone(self.zone).utcoffset()
        t = value + offset
        return f"{t.year:04d}-{t.month:02d}-{t.day:02d} {t.hour:02d}:{t.minute:02d}"


def visit_rows(flt: VisitFilter, tz: str) -> Iterator[list]:
    """Every visit the filter matches, fetched FETCH_ROWS at a time."""
    local_time, labels = LocalTimes(tz), {s.value: s.label for s in VisitState}
    for (visit_id, planned, state, patient_id, mrn, last, first, nurse_id, nurse, checked_in,
         checked_out, signed, worst, kinds, u1, u2) in db.session.execute(visit_export_query(flt, tz)):
        length = checked_out - checked_in if checked_in and checked_out else None
        yield [visit_id, local_time(planned), labels[state], patient_id, safe_cell(mrn),
               safe_cell(f"{last}, {first}"), nurse_id, safe_cell(nurse), local_time(checked_in),
               local_time(checked_out),
               format_duration(length) if length is not None else "",
               ("yes" if time_status(length) == "over" else "no") if length is not None else "",
               band_for_rank(worst) or "", safe_cell(kinds or ""), int(u1 or 0), int(u2 or 0),
               local_time(signed)]


def visit_history_csv(flt: VisitFilter, tz: str) -> Iterator[str]:
    return csv_lines(visit_header(tz), visit_rows(flt, tz), cells_safe=True)
