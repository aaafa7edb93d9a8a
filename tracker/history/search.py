"""Searching the visit history: one keyset page, its total, and what each row shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from tracker import audit
from tracker.clinical.duration import time_status
from tracker.database import commit_keeping_loaded
from tracker.extensions import db
from tracker.history.filters import VisitFilter, conditions, worst_band_rank
from tracker.history.pagination import Cursor, Page, make_page, page_query
from tracker.history.sql import band_for_rank
from tracker.models import Complication, Visit, VitalSigns

PAGE_SIZE = 50


@dataclass
class VisitRow:
    visit: Visit
    worst_band: str | None
    complications: list[str]

    @property
    def id(self) -> int:
        return self.visit.id

    @property
    def duration(self) -> timedelta | None:
        return self.visit.duration

    @property
    def time_status(self) -> str | None:
        return time_status(self.duration) if self.duration is not None else None


@dataclass
class HistoryPage:
    page: Page
    total: int
    cursor: Cursor


def worst_bands(visit_ids: list[int]) -> dict[int, str | None]:
    if not visit_ids:
        return {}
    rows = db.session.execute(select(VitalSigns.visit_id, worst_band_rank())
                              .where(VitalSigns.visit_id.in_(visit_ids))
                              .group_by(VitalSigns.visit_id))
    return {visit_id: band_for_rank(rank) for visit_id, rank in rows}


def complication_kinds(visit_ids: list[int]) -> dict[int, list[str]]:
    kinds: dict[int, list[str]] = {}
    if visit_ids:
        rows = db.session.execute(select(Complication.visit_id, Complication.kind)
                                  .where(Complication.visit_id.in_(visit_ids))
                                  .order_by(Complication.onset_at))
        for visit_id, kind in rows:
            kinds.setdefault(visit_id, []).append(kind)
    return kinds


def count_visits(flt: VisitFilter, tz: str) -> int:
    return db.session.scalar(select(func.count(Visit.id)).where(*conditions(flt, tz))) or 0


def search(flt: VisitFilter, tz: str, cursor: Cursor, size: int = PAGE_SIZE) -> HistoryPage:
    """One page of visits matching the filter, in four queries whatever the data size."""
    audit.record("visit_history_viewed", record_type="visit", patient_id=flt.patient_id,
                 detail=flt.audit_detail())
    base = (select(Visit).where(*conditions(flt, tz))
            .options(joinedload(Visit.patient), joinedload(Visit.nurse)))
    query, backwards = page_query(base, cursor, flt.sort == "desc", size)
    visits = list(db.session.scalars(query).unique())
    page = make_page(visits, cursor, backwards, size)
    ids = [v.id for v in page.rows]
    bands, kinds = worst_bands(ids), complication_kinds(ids)
    page.rows = [VisitRow(v, bands.get(v.id), kinds.get(v.id, [])) for v in page.rows]
    result = HistoryPage(page=page, total=count_visits(flt, tz), cursor=cursor)
    # The audit row; without expiring the rows, which the page would read again one by one.
    commit_keeping_loaded()
    return result
