"""Vascular access (the device, where it is, how many tries it took) and site checks with
the INS phlebitis scale and the VIP score, before and after the infusion."""

from __future__ import annotations

from dataclasses import dataclass

from tracker.alerts.services import raise_alert
from tracker.clinical.site import (
    DEVICE_TYPES,
    INS_PHLEBITIS,
    INSERTION_ATTEMPT_LIMIT,
    VIP_SCORE,
    ScaleEntry,
    phlebitis_entry,
    too_many_attempts,
    vip_entry,
)
from tracker.extensions import db
from tracker.models import SiteAssessment, User, VascularAccess, Visit
from tracker.visits.charting.common import Reader, audit_entry, begin, commit_entry

DEVICES = dict(DEVICE_TYPES)
SIDES = {"left": "Left", "right": "Right", "n/a": "Not applicable"}
NEW_OR_EXISTING = {"new": "Inserted at this visit", "existing": "Already in place"}
SITE_TIMINGS = {"before": "Before the infusion", "after": "After the infusion"}
# Typo guard only: the clinical limit (INSERTION_ATTEMPT_LIMIT) is flagged, not refused.
MAX_ATTEMPTS_RECORDED = 10
# From this grade on, both scales ask the nurse to act (resite, remove, notify).
ACTION_FROM_SCORE = 2


def record_access(visit: Visit, user: User, values: dict, client_id: str | None = None
                  ) -> VascularAccess:
    """Record the vascular access used; more insertion attempts than the INS limit by one
    nurse are flagged on the page and raise an alert."""
    client_id, earlier = begin(visit, user, client_id, "record_access", VascularAccess,
                               "record the vascular access")
    if earlier is not None:
        return earlier
    f = Reader(values, visit, user)
    device = f.choice("device_type", DEVICES, required="Choose the type of device.")
    device_other = f.text("device_other", max_length=100,
                          required="Describe the device." if device == "other" else None)
    gauge = f.text("gauge", max_length=20)
    site = f.text("site", max_length=60, required="Enter where the device is (for example "
                                                  "left forearm).")
    side = f.choice("side", SIDES, required="Choose left, right or not applicable.")
    is_new = _new_or_existing(f)
    attempts = _attempts(f, is_new)
    f.check()

    row = VascularAccess(device_type=device, device_other=device_other if device == "other"
                         else "", gauge=gauge, site=site, side=side, is_new=is_new,
                         insertion_attempts=attempts, recorded_by_id=user.id)
    visit.vascular_accesses.append(row)
    db.session.flush()
    audit_entry("vascular_access_recorded", "vascular_access", row.id, visit, user)
    if too_many_attempts(attempts):
        raise_alert("insertion_attempts", "warning",
                    f"{attempts} insertion attempts by one nurse (the limit is "
                    f"{INSERTION_ATTEMPT_LIMIT}): a more experienced clinician should place "
                    "the next line.",
                    patient_id=visit.patient_id, visit_id=visit.id, nurse_id=visit.nurse_id,
                    trigger=row)
    return commit_entry(user, client_id, "record_access", row, VascularAccess)


def _new_or_existing(f: Reader) -> bool | None:
    value = f.raw("is_new")
    if isinstance(value, bool):
        return value
    answer = f.choice("is_new", NEW_OR_EXISTING,
                      required="Say whether the device was inserted at this visit.")
    return None if answer is None else answer == "new"


def _attempts(f: Reader, is_new: bool | None) -> int:
    attempts = f.whole("insertion_attempts", required=(
        "Enter how many insertion attempts it took." if is_new else None))
    if attempts is None:
        return 0
    if is_new and not 1 <= attempts <= MAX_ATTEMPTS_RECORDED:
        f.fail("insertion_attempts",
               f"Enter a number of attempts from 1 to {MAX_ATTEMPTS_RECORDED}.")
    elif is_new is False and attempts != 0:
        f.fail("insertion_attempts", "A device already in place was not inserted at this "
                                     "visit: leave the attempts empty.")
    return attempts


def record_site_assessment(visit: Visit, user: User, values: dict,
                           client_id: str | None = None) -> SiteAssessment:
    """Record a site check with both scales; the page shows each score's meaning and action."""
    client_id, earlier = begin(visit, user, client_id, "record_site_assessment",
                               SiteAssessment, "record a site check")
    if earlier is not None:
        return earlier
    f = Reader(values, visit, user)
    timing = f.choice("timing", SITE_TIMINGS,
                      required="Choose whether this check is before or after the infusion.")
    assessed_at = f.moment("assessed_at")
    phlebitis = _score(f, "phlebitis_score", phlebitis_entry, "Choose the phlebitis grade.")
    vip = _score(f, "vip_score", vip_entry, "Choose the VIP score.")
    note = f.text("note", max_length=2000)
    f.check()

    row = SiteAssessment(timing=timing, assessed_at=assessed_at, phlebitis_score=phlebitis,
                         vip_score=vip, note=note, recorded_by_id=user.id)
    visit.site_assessments.append(row)
    db.session.flush()
    audit_entry("site_assessment_recorded", "site_assessment", row.id, visit, user)
    return commit_entry(user, client_id, "record_site_assessment", row, SiteAssessment)


def _score(f: Reader, name: str, entry, required: str) -> int | None:
    score = f.whole(name, required=required)
    if score is None:
        return None
    try:
        entry(score)
    except ValueError as error:
        f.fail(name, str(error))
    return score


@dataclass(frozen=True)
class AccessView:
    row: VascularAccess

    @property
    def device_label(self) -> str:
        if self.row.device_type == "other":
            return self.row.device_other or "Other"
        return DEVICES.get(self.row.device_type, self.row.device_type)

    @property
    def side_label(self) -> str:
        return SIDES.get(self.row.side, self.row.side)

    @property
    def too_many_attempts(self) -> bool:
        return too_many_attempts(self.row.insertion_attempts)


@dataclass(frozen=True)
class SiteCheckView:
    row: SiteAssessment
    phlebitis: ScaleEntry
    vip: ScaleEntry

    @property
    def timing_label(self) -> str:
        return SITE_TIMINGS.get(self.row.timing, self.row.timing)

    @property
    def needs_action(self) -> bool:
        return self.phlebitis.score >= ACTION_FROM_SCORE or self.vip.score >= ACTION_FROM_SCORE


def access_site_context(visit: Visit) -> dict:
    return {
        "accesses": [AccessView(row) for row in
                     sorted(visit.vascular_accesses, key=lambda r: (r.recorded_at, r.id))],
        "site_checks": [SiteCheckView(row, phlebitis_entry(row.phlebitis_score),
                                      vip_entry(row.vip_score))
                        for row in visit.site_assessments],
        "phlebitis_scale": INS_PHLEBITIS,
        "vip_scale": VIP_SCORE,
        "action_from_score": ACTION_FROM_SCORE,
        "insertion_attempt_limit": INSERTION_ATTEMPT_LIMIT,
    }
