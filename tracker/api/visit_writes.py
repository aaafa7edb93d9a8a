"""Write endpoints for the visit's life: check-in and check-out (EVV), procedure steps,
safety checks, signature and addenda. Each one calls the service the visit page calls
(tracker.visits.services), so the rules, the audit trail and the signals are the same."""

from flask_login import current_user

from tracker.api import bodies, serializers
from tracker.api.blueprint import ID
from tracker.api.write_common import own_visit, service_values
from tracker.api.writes import Write, api_write
from tracker.extensions import limiter
from tracker.models import Addendum, SafetyCheck, Visit, VisitStep
from tracker.visits import services

VISIT = f"/visits/<{ID}:visit_id>"

CHECK_IN = Write("check_in", bodies.EVV, Visit, serializers.visit, "Visit", status=200)
CHECK_OUT = Write("check_out", bodies.EVV, Visit, serializers.visit, "Visit", status=200)
STEP = Write("record_step", bodies.STEP, VisitStep, serializers.visit_step, "VisitStep")
SAFETY_CHECK = Write("record_safety_check", bodies.SAFETY_CHECK, SafetyCheck,
                     serializers.safety_check, "SafetyCheck")
SIGN = Write("sign_visit", bodies.SIGNATURE, Visit, serializers.visit, "Visit", status=200)
ADDENDUM = Write("add_addendum", bodies.ADDENDUM, Addendum, serializers.addendum, "Addendum")


@api_write(f"{VISIT}/check-in", CHECK_IN, summary="Check in", reach=own_visit)
def check_in(values, client_id, visit_id):
    """Start the visit: when the service began and where (the device's location, or the
    patient's address confirmed with the reason there is no location). Refused (409) when
    the visit is not scheduled, already checked in, or you are still checked in elsewhere;
    a time far from the planned start is 422. Answers with the whole visit."""
    return services.check_in(current_user, own_visit(visit_id), service_values(values),
                             client_id=client_id)


@api_write(f"{VISIT}/check-out", CHECK_OUT, summary="Check out", reach=own_visit)
def check_out(values, client_id, visit_id):
    """End the visit: when and where, as for check-in. Stores the billing lines for the
    visit's length (CPT 99601, and 99602 per additional hour). Answers with the whole visit."""
    return services.check_out(current_user, own_visit(visit_id), service_values(values),
                              client_id=client_id)


@api_write(f"{VISIT}/steps", STEP, summary="Record a procedure step", reach=own_visit)
def record_step(values, client_id, visit_id):
    """Tick a step of the procedure record as done, or mark it not done with the reason.
    Recording a step again before signing replaces it."""
    return services.record_step(current_user, own_visit(visit_id), service_values(values),
                                client_id=client_id)


@api_write(f"{VISIT}/safety-checks", SAFETY_CHECK, summary="Record a safety check", reach=own_visit)
def record_safety_check(values, client_id, visit_id):
    """One of the checks before the infusion (identity, allergies, medication, anaphylaxis
    kit, pump), confirmed or with the problem found. A problem stops the infusion until the
    check is recorded again as confirmed; a missing or expired kit alerts the office."""
    return services.record_safety_check(current_user, own_visit(visit_id),
                                        service_values(values), client_id=client_id)


@api_write(f"{VISIT}/sign", SIGN, summary="Sign the visit", errors=(429,), reach=own_visit)
@limiter.limit("10 per minute")  # a password is checked here, as on the visit page
def sign_visit(values, client_id, visit_id):
    """Sign the completed record with your password. Refused (409, listing what is left)
    until the record is complete; a wrong password is 422. A signed visit is read-only:
    corrections are addenda. Answers with the whole visit."""
    return services.sign_visit(current_user, own_visit(visit_id), service_values(values),
                               client_id=client_id)


@api_write(f"{VISIT}/addenda", ADDENDUM, summary="Add an addendum", reach=own_visit)
def add_addendum(values, client_id, visit_id):
    """A dated correction or addition to a signed visit, by the nurse who signed it."""
    return services.add_addendum(current_user, own_visit(visit_id), service_values(values),
                                 client_id=client_id)
