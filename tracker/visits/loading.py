"""What the visit page reads, loaded up front in a fixed number of queries.

The page shows every part of the visit's record; left to lazy loading each part is one more
round trip, and a template that touches a new relationship would add one silently. Here the
visit comes with its people and order in one query, and its clinical entries with one query
per kind of entry. A visit never checked in has no clinical entries (access.require_in_progress
refuses them), so none are asked for. With RAISE_ON_LAZY_LOAD (the test configuration) any
other relationship the page touches raises instead of loading quietly.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import inspect, select
from sqlalchemy.orm import joinedload, raiseload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from tracker.extensions import db
from tracker.models import Addendum, Complication, MedicationAdministration, Visit

# Many-to-one: one row each, joined to the visit's own row.
PEOPLE_AND_ORDER = (Visit.patient, Visit.nurse, Visit.order, Visit.procedure_record, Visit.signed_by)

# One query per collection; what a nested entry shows is joined to it.
CLINICAL = {
    Visit.steps: (), Visit.safety_checks: (), Visit.vital_signs: (), Visit.vascular_accesses: (),
    Visit.site_assessments: (), Visit.line_care: (), Visit.teaching: (),
    Visit.administrations: (MedicationAdministration.interruptions,),
    Visit.complications: (Complication.actions,),
}
AFTER_CHECK_OUT = {Visit.billing_lines: ()}
AFTER_SIGNING = {Visit.addenda: (Addendum.author,)}
ENTRIES = {**CLINICAL, **AFTER_CHECK_OUT, **AFTER_SIGNING}


def _strict() -> tuple:
    # sql_only: a many-to-one the session already holds (an entry's visit) still resolves.
    return (raiseload("*", sql_only=True),) if current_app.config.get("RAISE_ON_LAZY_LOAD") else ()


def visit_options() -> list:
    """Options for the query that loads the visit itself (see access.get_visit). In tests,
    its collections may only come through load_record."""
    strict = []
    if current_app.config.get("RAISE_ON_LAZY_LOAD"):
        strict = [raiseload(rel) for rel in ENTRIES]
    return [*(joinedload(rel) for rel in PEOPLE_AND_ORDER), *strict]


def whole_record_options() -> list:
    """Options for loading a visit by id with every kind of entry at once (one query per
    kind, whatever its state): the office's record of a visit."""
    options = [joinedload(rel) for rel in PEOPLE_AND_ORDER]
    for rel, nested in ENTRIES.items():
        option = selectinload(rel)
        for inner in nested:
            option = option.joinedload(inner)
        options.append(option)
    return options


def _load_collection(visit: Visit, rel, nested: tuple) -> None:
    """One query for one kind of entry, in the relationship's own order."""
    prop = rel.property
    (foreign_key,) = prop.remote_side
    query = (select(prop.mapper.class_).where(foreign_key == visit.id)
             .options(*(joinedload(inner) for inner in nested), *_strict()))
    if prop.order_by:
        query = query.order_by(*prop.order_by)
    rows = list(db.session.scalars(query).unique())
    set_committed_value(visit, rel.key, rows)


def load_record(visit: Visit) -> Visit:
    """Load the clinical entries the visit can have; mark the others as empty."""
    unloaded = inspect(visit).unloaded
    for collections, applies in ((CLINICAL, visit.checked_in_at is not None),
                                 (AFTER_CHECK_OUT, visit.checked_out_at is not None),
                                 (AFTER_SIGNING, visit.signed_at is not None)):
        for rel, nested in collections.items():
            if rel.key not in unloaded:
                continue
            if applies:
                _load_collection(visit, rel, nested)
            else:
                set_committed_value(visit, rel.key, [])
    return visit
