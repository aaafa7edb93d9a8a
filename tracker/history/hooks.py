"""Parts of the history that areas not built yet will fill in: reminders (with their
delivery outcome), preparation checklists and problems reported by patients.

Each hook returns [] or None while no provider is plugged in, i.e. while the area's models
and tables do not exist yet, and the pages then say "not available". An area plugs in by
registering one function per hook at import time, e.g. in tracker/reminders/__init__.py:

    from tracker.history import hooks
    hooks.provide("reminder_delivery", delivery_summary)

Provider contracts (all times aware UTC, all lists ordered by time):
- "visit_timeline": (visit_id) -> list[TimelineEntry]  reminders sent, checklist ticks,
  problem reports of one visit (several providers may register; their entries are merged)
- "reminder_delivery": (start, end) -> Delivery  reminders due in [start, end)
- "checklist_completion": (start, end, patient_id | None) -> ChecklistCompletion
  for visits planned in [start, end)
- "checklist_by_visit": (visit_ids) -> dict[visit_id, str]  e.g. "3 of 3 ticked"
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

PROVIDERS: dict[str, list[Callable]] = {}
KNOWN = ("visit_timeline", "reminder_delivery", "checklist_completion", "checklist_by_visit")


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # a short code, e.g. "reminder_sent", "checklist_tick", "problem_report"
    title: str
    detail: str = ""
    who: str = ""


@dataclass(frozen=True)
class Delivery:
    due: int
    delivered: int
    failed: int

    @property
    def success_rate(self) -> float | None:
        finished = self.delivered + self.failed
        return None if not finished else self.delivered / finished


@dataclass(frozen=True)
class ChecklistCompletion:
    visits: int  # visits that had a preparation checklist
    completed_before: int  # of them, fully ticked before the visit started

    @property
    def rate(self) -> float | None:
        return None if not self.visits else self.completed_before / self.visits


def provide(hook: str, provider: Callable) -> None:
    if hook not in KNOWN:
        raise ValueError(f"unknown history hook {hook!r}")
    if provider not in PROVIDERS.setdefault(hook, []):
        PROVIDERS[hook].append(provider)


def withdraw(hook: str, provider: Callable) -> None:
    """Remove a provider (tests plug one in for a single test)."""
    if provider in PROVIDERS.get(hook, []):
        PROVIDERS[hook].remove(provider)


def _first(hook: str) -> Callable | None:
    providers = PROVIDERS.get(hook) or []
    return providers[0] if providers else None


def visit_timeline(visit_id: int) -> list[TimelineEntry]:
    """Reminders, checklist ticks and problem reports of a visit; [] until those areas land."""
    entries: list[TimelineEntry] = []
    for provider in PROVIDERS.get("visit_timeline", []):
        entries.extend(provider(visit_id))
    return entries


def reminder_delivery(start: datetime, end: datetime) -> Delivery | None:
    provider = _first("reminder_delivery")
    return provider(start, end) if provider else None


def checklist_completion(start: datetime | None, end: datetime | None,
                         patient_id: int | None = None) -> ChecklistCompletion | None:
    provider = _first("checklist_completion")
    return provider(start, end, patient_id) if provider else None


def checklist_by_visit(visit_ids: list[int]) -> dict[int, str] | None:
    provider = _first("checklist_by_visit")
    return provider(visit_ids) if provider else None
