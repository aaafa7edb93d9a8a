"""Line care (flushes, dressing and cap changes), blood drawn for labs, and teaching."""

from __future__ import annotations

from tracker.extensions import db
from tracker.models import LineCareEntry, TeachingEntry, User, Visit
from tracker.visits.charting.common import Reader, audit_entry, begin, commit_entry

LINE_CARE_KINDS = {
    "flush": "Flush",
    "dressing_change": "Dressing change",
    "cap_change": "Cap (needleless connector) change",
    "lab_draw": "Blood drawn for labs",
}
DRAW_SITES = {"line": "From the line", "peripheral": "Peripheral stick"}
# Typo guard, not a clinical limit: a flush is a syringe of a few millilitres.
MAX_FLUSH_ML = 100

LEARNERS = {"patient": "Patient", "caregiver": "Caregiver"}
TEACHING_RESULTS = {
    "understood": "Understood",
    "needs_reinforcement": "Needs reinforcement",
    "not_taught": "Not taught",
}


def record_line_care(visit: Visit, user: User, values: dict, client_id: str | None = None
                     ) -> LineCareEntry:
    """A flush (solution and volume), a dressing or cap change, or a lab draw (which tests,
    drawn from the line or by a peripheral stick)."""
    client_id, earlier = begin(visit, user, client_id, "record_line_care", LineCareEntry,
                               "record line care")
    if earlier is not None:
        return earlier
    f = Reader(values, visit, user)
    kind = f.choice("kind", LINE_CARE_KINDS, required="Choose what was done.")
    performed_at = f.moment("performed_at")
    row = LineCareEntry(kind=kind, performed_at=performed_at, recorded_by_id=user.id,
                        note=f.text("note", max_length=2000))
    if kind == "flush":
        row.solution = f.text("solution", max_length=100,
                              required="Enter the flush solution (for example normal saline "
                                       "0.9%).")
        row.volume_ml = f.positive("volume_ml", maximum=MAX_FLUSH_ML, what="flush volume",
                                   unit="mL", required="Enter the flush volume in mL.")
    elif kind == "lab_draw":
        row.labs = f.text("labs", max_length=200, required="Enter which tests were drawn.")
        row.draw_site = f.choice("draw_site", DRAW_SITES,
                                 required="Choose where the blood was drawn from.") or ""
    f.check()

    visit.line_care.append(row)
    db.session.flush()
    audit_entry("line_care_recorded", "line_care", row.id, visit, user)
    return commit_entry(user, client_id, "record_line_care", row, LineCareEntry)


def record_teaching(visit: Visit, user: User, values: dict, client_id: str | None = None
                    ) -> TeachingEntry:
    """What was taught, to whom, and whether it was understood; 'not taught' needs a reason."""
    client_id, earlier = begin(visit, user, client_id, "record_teaching", TeachingEntry,
                               "record teaching")
    if earlier is not None:
        return earlier
    f = Reader(values, visit, user)
    topic = f.text("topic", max_length=200, required="Enter what was taught.")
    learner = f.choice("learner", LEARNERS, required="Choose who was taught.")
    result = f.choice("result", TEACHING_RESULTS, required="Choose the result.")
    reason = f.text("reason", max_length=2000, required=(
        "Say why it was not taught." if result == "not_taught" else None))
    f.check()

    row = TeachingEntry(topic=topic, learner=learner, result=result, reason=reason,
                        recorded_by_id=user.id)
    visit.teaching.append(row)
    db.session.flush()
    audit_entry("teaching_recorded", "teaching", row.id, visit, user)
    return commit_entry(user, client_id, "record_teaching", row, TeachingEntry)


def line_care_context(visit: Visit) -> dict:
    return {
        "line_care_entries": list(visit.line_care),
        "teaching_entries": sorted(visit.teaching, key=lambda t: (t.recorded_at, t.id)),
        "line_care_kinds": LINE_CARE_KINDS,
        "draw_sites": DRAW_SITES,
        "learners": LEARNERS,
        "teaching_results": TEACHING_RESULTS,
    }
