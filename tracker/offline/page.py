"""What the visit page needs so that the nurse can document it with no connection.

A scheduled visit's page normally offers only the check-in: the other sections' forms
appear once the server knows the nurse has checked in. Offline, the check-in waits on the
tablet, so the page must already hold those forms: for the visit's own nurse they are
rendered hidden (`forms_after_check_in`), and the offline scripts show them once a
check-in waits on the tablet. Without JavaScript they stay hidden, as before.
"""

from tracker.models import User, Visit, VisitState


def offline_page_context(visit: Visit, user: User) -> dict:
    return {"forms_after_check_in": user.id == visit.nurse_id
            and visit.state == VisitState.SCHEDULED.value}
