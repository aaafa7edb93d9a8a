"""Each report as a CSV table: (file name, header, rows)."""

from __future__ import annotations

from collections.abc import Callable

from tracker.history import hooks, reports
from tracker.history.reports import DateRange


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}"


def _rate(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def billing_patients(rng: DateRange):
    rows = reports.billing_by_patient(rng)
    return (["Patient id", "MRN", "Patient", "Visits billed", "99601 units", "99602 units"],
            [[r.id, r.reference, r.name, r.visits, r.units_99601, r.units_99602] for r in rows]
            + [["", "", "Total", *reports.billing_totals(rows)]])


def billing_nurses(rng: DateRange):
    rows = reports.billing_by_nurse(rng)
    return (["Nurse id", "Nurse", "Visits billed", "99601 units", "99602 units"],
            [[r.id, r.name, r.visits, r.units_99601, r.units_99602] for r in rows]
            + [["", "Total", *reports.billing_totals(rows)]])


def visit_lengths(rng: DateRange):
    report = reports.visit_lengths(rng)
    rows = [[b.label, b.count, _percent(reports.share(b.count, report.visits))]
            for b in report.buckets]
    rows.append(["All visits with check-in and check-out", report.visits,
                 _percent(1 if report.visits else None)])
    rows.append(["Over 2 hours", report.over_2h, _percent(report.over_2h_share)])
    return ["Visit length", "Visits", "Percent"], rows


def complications(rng: DateRange):
    report = reports.complication_rates(rng)
    rows = [[r.kind, r.label, r.count, _rate(r.per_100)] for r in report.rows]
    rows.append(["any", "Visits with at least one complication", report.visits_with_any,
                 _rate(report.any_per_100)])
    rows.append(["", "Visits that took place", report.visits, ""])
    return ["Kind", "Complication", "Count", "Per 100 visits"], rows


def on_time(rng: DateRange):
    r = reports.on_time(rng)
    return (["Measure", "Visits", "Percent of check-ins"],
            [["Checked in", r.checked_in, _percent(1 if r.checked_in else None)],
             [f"On time (within {r.window_minutes} min of the planned start)", r.on_time, _percent(r.rate)],
             [f"Early (more than {r.window_minutes} min before)", r.early,
              _percent(reports.share(r.early, r.checked_in))],
             [f"Late (more than {r.window_minutes} min after)", r.late,
              _percent(reports.share(r.late, r.checked_in))],
             ["Missed (not counted in the percentages)", r.missed, ""]])


class NotAvailable(LookupError):
    """The area behind this report has not landed yet."""


def reminder_delivery(rng: DateRange):
    d = hooks.reminder_delivery(rng.start, rng.end)
    if d is None:
        raise NotAvailable()
    return (["Measure", "Reminders", "Percent"],
            [["Due", d.due, ""], ["Delivered", d.delivered, _percent(d.success_rate)],
             ["Failed", d.failed, _percent(None if d.success_rate is None else 1 - d.success_rate)]])


def checklists(rng: DateRange):
    c = hooks.checklist_completion(rng.start, rng.end)
    if c is None:
        raise NotAvailable()
    return (["Measure", "Visits", "Percent"],
            [["Visits with a preparation checklist", c.visits, ""],
             ["Checklist complete before the visit", c.completed_before, _percent(c.rate)]])


TABLES: dict[str, tuple[str, Callable]] = {
    "billing-patients": ("Billing units per patient", billing_patients),
    "billing-nurses": ("Billing units per nurse", billing_nurses),
    "visit-lengths": ("Visit length", visit_lengths),
    "complications": ("Complications per 100 visits", complications),
    "on-time": ("Check-in on time", on_time),
    "reminders": ("Reminder delivery", reminder_delivery),
    "checklists": ("Preparation checklists", checklists),
}
