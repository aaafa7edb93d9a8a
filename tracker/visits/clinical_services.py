"""The nurse's clinical entries on a visit, as used by the HTML routes and the JSON API.

Every operation has the shape ``op(visit, user, values, client_id=None) -> record``:
- `visit` comes from tracker.visits.access.get_visit (404 for visits the user may not see);
- `values` is a dict of plain values (numbers or numeric strings, ISO 8601 times with an
  offset or aware datetimes; an empty time means now);
- a `client_id` (UUID) makes the write safe to repeat: a replay returns the first record;
- it raises EntryError (``.errors``: field -> message, "_form" for the entry as a whole),
  VisitStateError (the visit is not between check-in and signature), Forbidden (not the
  visit's nurse) or NotFound (an administration or complication id not on this visit);
- it writes the audit trail, raises alerts where needed and commits.
"""

from tracker.visits.access import VisitStateError
from tracker.visits.charting.access_site import record_access, record_site_assessment
from tracker.visits.charting.common import FORM, EntryError
from tracker.visits.charting.complications import (
    add_complication_action,
    record_complication,
    record_complication_outcome,
)
from tracker.visits.charting.infusion import (
    infusion_gate,
    pause_administration,
    resume_administration,
    start_administration,
    stop_administration,
)
from tracker.visits.charting.line_care import record_line_care, record_teaching
from tracker.visits.charting.vitals import record_vitals

__all__ = [
    "FORM", "EntryError", "VisitStateError",
    "record_vitals",
    "record_access", "record_site_assessment",
    "record_line_care", "record_teaching",
    "start_administration", "stop_administration", "pause_administration",
    "resume_administration", "infusion_gate",
    "record_complication", "add_complication_action", "record_complication_outcome",
]
