"""What every visit write endpoint shares: finding the nurse's visit and the records the
path names on it (404 in words the device can show), and handing the parsed body to a
service as its values."""

from flask_login import current_user
from werkzeug.exceptions import NotFound

from tracker.api.errors import ApiProblem
from tracker.models import Visit
from tracker.visits.access import get_visit

VISIT_NOT_FOUND = ("This visit is not among yours. If it was, it may have been given to "
                   "another nurse or removed: ask the coordinator.")
# Path ids of records inside a visit: the visit's relationship holding them, and their name.
NESTED = {"administration_id": ("administrations", "administration"),
          "complication_id": ("complications", "complication")}


def own_visit(visit_id: int, **nested_ids: int) -> Visit:
    """The nurse's own visit; any other is 'not found' (never 'forbidden': that would say it
    exists). A visit given to another nurse since the device saved the write is not hers
    either. An administration or complication id that is not one of this visit's records
    is 'not found' too."""
    try:
        visit = get_visit(current_user, visit_id)
    except NotFound:
        raise ApiProblem(404, VISIT_NOT_FOUND) from None
    for name, row_id in nested_ids.items():
        relationship, what = NESTED[name]
        if not any(row.id == row_id for row in getattr(visit, relationship)):
            raise ApiProblem(404, f"This visit has no {what} with that id.")
    return visit


def service_values(values: dict, **more) -> dict:
    """The body as the service's values: null means not given, as an absent field does."""
    return {**{name: value for name, value in values.items() if value is not None}, **more}
