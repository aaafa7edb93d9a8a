"""CSV files: streamed row by row, and safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

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


def csv_lines(header: list[str], rows: Iterable[Iterable]) -> Iterator[str]:
    """CSV text, header first, a chunk of LINES_PER_CHUNK lines at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(c) for c in header])
    pending = 1
    for cells in rows:
        writer.writerow([safe_cell(c) for c in cells])
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
    query = (select(Visit.id, Visit.planned_start, Visit.state, Patient.id, Patient.mrn,
                    Patient.last_name, Patient.first_name, User.id, User.name,
                    Visit.checked_in_at, Visit.checked_out_at, Visit.signed_at,
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


def _time(value, zone: ZoneInfo) -> str:
    if not value:
        return ""
    t = value.astimezone(zone)  # values come back aware, in UTC (models.types.UTCDateTime)
    return f"{t.year:04d}-{t.month:02d}-{t.day:02d} {t.hour:02d}:{t.minute:02d}"


def visit_rows(flt: VisitFilter, tz: str) -> Iterator[list]:
    """Every visit the filter matches, fetched FETCH_ROWS at a time."""
    zone, labels = ZoneInfo(tz), {s.value: s.label for s in VisitState}
    for (visit_id, planned, state, patient_id, mrn, last, first, nurse_id, nurse, checked_in,
         checked_out, signed, worst, kinds, u1, u2) in db.session.execute(visit_export_query(flt, tz)):
        length = checked_out - checked_in if checked_in and checked_out else None
        yield [visit_id, _time(planned, zone), labels[state], patient_id, mrn,
               f"{last}, {first}", nurse_id, nurse, _time(checked_in, zone), _time(checked_out, zone),
               format_duration(length) if length is not None else "",
               ("yes" if time_status(length) == "over" else "no") if length is not None else "",
               band_for_rank(worst) or "", kinds or "", int(u1 or 0), int(u2 or 0),
               _time(signed, zone)]


def visit_history_csv(flt: VisitFilter, tz: str) -> Iterator[str]:
    return csv_lines(visit_header(tz), visit_rows(flt, tz))
