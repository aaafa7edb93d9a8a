"""The visit services, in one place for the HTML routes, the JSON API and the CLI.

Every write takes the acting user first, then the visit (when there is one) and a dict of
values, and an optional keyword client_id (a UUID) that makes it safe to repeat: a replay
returns the first result. Each one checks who may do it, refuses with
tracker.visits.access.VisitStateError (its .field names the input at fault, when there is
one) or werkzeug's Forbidden, audits, sends its tracker.visits.events signal and commits.
"""

from tracker.visits.access import VisitStateError, get_visit  # noqa: F401
from tracker.visits.lifecycle import (  # noqa: F401
    SignatureRefused,
    add_addendum,
    addenda_in_order,
    check_in,
    check_out,
    pinned_steps,
    record_step,
    sign_visit,
    signature_missing,
)
from tracker.visits.orders import (  # noqa: F401
    create_order,
    deactivate_order,
    order_summary,
    update_order,
)
from tracker.visits.safety import CHECKS, infusion_may_start, record_safety_check  # noqa: F401
from tracker.visits.scheduling import (  # noqa: F401
    cancel_visit,
    mark_missed,
    reschedule_visit,
    schedule_visit,
)
