"""The request bodies of the write endpoints: one Field per value the service reads.

Names and values are the services' own (tracker.visits.services, clinical_services), so a
body reaches the service unchanged. Bounds here only keep out what no column could hold
or no device would send; the clinical rules (plausible vital signs, a time within the
visit, a reason for a step not done) are the services', and come back as 422 with their
own words. Times are required wherever the service records when something happened: the
device sends the moment the nurse captured it, which is what is stored, never the moment
the request arrived (an offline tablet may send it hours later).
"""

from tracker.api.fields import Field
from tracker.clinical.site import DEVICE_TYPES, INS_PHLEBITIS, VIP_SCORE
from tracker.clinical.vitals import CONSCIOUSNESS_LEVELS
from tracker.visits.charting.access_site import MAX_ATTEMPTS_RECORDED, SIDES, SITE_TIMINGS
from tracker.visits.charting.complications import ACTIONS, SEVERITIES
from tracker.visits.charting.infusion import MAX_RATE_ML_PER_HOUR, MAX_VOLUME_ML
from tracker.visits.charting.line_care import (
    DRAW_SITES,
    LEARNERS,
    LINE_CARE_KINDS,
    MAX_FLUSH_ML,
    TEACHING_RESULTS,
)
from tracker.visits.charting.vitals import PHASES, TEMPERATURE_UNITS
from tracker.visits.lifecycle import MAX_TEXT
from tracker.visits.safety import CHECKS, IDENTIFIERS, MAX_NOTE

CAPTURED = "When it happened, as the device recorded it: ISO 8601 with its offset."


def when(name: str, what: str = "") -> Field:
    return Field(name, "datetime", f"{what} {CAPTURED}".strip(), required=True)


def text(name: str, max_length: int, description: str = "", required: bool = False) -> Field:
    return Field(name, "string", description, required=required, nullable=not required,
                 max_length=max_length)


def number(name: str, low: float, high: float, description: str = "", kind: str = "number",
           required: bool = False) -> Field:
    return Field(name, kind, description, required=required, nullable=not required,
                 minimum=low, maximum=high)


def choice(name: str, options, description: str = "", required: bool = False) -> Field:
    return Field(name, "enum", description, required=required, nullable=not required,
                 choices=tuple(options))


def flag(name: str, description: str = "", required: bool = False) -> Field:
    return Field(name, "boolean", description, required=required)


# --- The visit's life: EVV, steps, safety checks, signature, addenda ------------------------

EVV = (
    when("at", "When the service began (check-in) or ended (check-out)."),
    number("latitude", -90, 90, "From the device's location, when it has one."),
    number("longitude", -180, 180),
    number("accuracy_m", 0, 100_000, "The location's accuracy in metres."),
    flag("address_confirmed", "Without a location: the nurse confirms she is at the "
                              "patient's address (location_note then says why)."),
    text("location_note", 500, "Why the location is not available."),
)

STEP = (
    number("step_number", 1, 1000, "The step's number in the visit's procedure record.",
           kind="integer", required=True),
    choice("status", ("done", "not_done"), required=True),
    when("performed_at", "When the step was done (or marked not done)."),
    text("reason", MAX_TEXT, "Why the step was not done (required for not_done)."),
)

SAFETY_CHECK = (
    choice("check", (c.key for c in CHECKS), "Which check. Each check reads its own fields "
                                             "below and ignores the others.", required=True),
    Field("identifiers", "enum_list", "identity: the two (or more) identifiers checked.",
          choices=tuple(key for key, _ in IDENTIFIERS)),
    flag("confirmed", "identity: both identifiers match."),
    choice("result", ("no_conflict", "conflict", "ok", "problem"),
           "allergies: no_conflict or conflict; pump: ok or problem."),
    flag("drug", "medication: the drug matches the order."),
    flag("dose", "medication: the dose matches the order."),
    flag("route", "medication: the route matches the order."),
    flag("rate", "medication: the rate matches the order."),
    Field("expiry_date", "date", "medication, anaphylaxis_kit: the expiry date on it.",
          nullable=True),
    choice("present", ("yes", "no"), "anaphylaxis_kit: whether the kit is here."),
    text("pump_id", 100, "pump: the number on the pump."),
    text("note", MAX_NOTE, "Required when the check finds a problem."),
)

SIGNATURE = (Field("password", "string", "The nurse's own password, entered again.",
                   required=True, max_length=1000),)

ADDENDUM = (text("text", MAX_TEXT, "The correction or addition.", required=True),)

# --- Clinical entries ------------------------------------------------------------------------

VITALS = (
    choice("phase", PHASES, "Before, during or after the infusion.", required=True),
    when("taken_at"),
    number("heart_rate", 0, 1000, "Beats per minute.", kind="integer"),
    number("systolic", 0, 1000, "mmHg; send it with diastolic.", kind="integer"),
    number("diastolic", 0, 1000, "mmHg.", kind="integer"),
    number("respiratory_rate", 0, 1000, "Breaths per minute.", kind="integer"),
    number("temperature", -100, 200, "In temperature_unit."),
    choice("temperature_unit", TEMPERATURE_UNITS, "C (the default) or F."),
    number("spo2", 0, 100, "Oxygen saturation, %.", kind="integer"),
    flag("on_oxygen", "On supplemental oxygen."),
    choice("consciousness", CONSCIOUSNESS_LEVELS, "ACVPU.", required=True),
    number("pain", 0, 10, "0 (none) to 10 (worst imaginable).", kind="integer"),
    number("weight_kg", 0, 1000),
)

VASCULAR_ACCESS = (
    choice("device_type", (key for key, _ in DEVICE_TYPES), required=True),
    text("device_other", 100, "Required when device_type is other."),
    text("gauge", 20, "For example 22 G, or 4 Fr."),
    text("site", 60, "Where the device is, for example left forearm.", required=True),
    choice("side", SIDES, required=True),
    flag("is_new", "Inserted at this visit (true) or already in place (false).", required=True),
    number("insertion_attempts", 0, MAX_ATTEMPTS_RECORDED,
           "Required for a device inserted at this visit.", kind="integer"),
)

SITE_ASSESSMENT = (
    choice("timing", SITE_TIMINGS, required=True),
    when("assessed_at"),
    number("phlebitis_score", min(INS_PHLEBITIS), max(INS_PHLEBITIS), "INS phlebitis scale.",
           kind="integer", required=True),
    number("vip_score", min(VIP_SCORE), max(VIP_SCORE), "Visual Infusion Phlebitis score.",
           kind="integer", required=True),
    text("note", 2000),
)

LINE_CARE = (
    choice("kind", LINE_CARE_KINDS, required=True),
    when("performed_at"),
    text("solution", 100, "flush: the solution (required)."),
    number("volume_ml", 0, MAX_FLUSH_ML, "flush: the volume in mL (required)."),
    text("labs", 200, "lab_draw: the tests drawn (required)."),
    choice("draw_site", DRAW_SITES, "lab_draw: where the blood was drawn from (required)."),
    text("note", 2000),
)

TEACHING = (
    text("topic", 200, "What was taught.", required=True),
    choice("learner", LEARNERS, required=True),
    choice("result", TEACHING_RESULTS, required=True),
    text("reason", 2000, "Required when not_taught."),
)

ADMINISTRATION = (
    text("lot_number", 60, "The lot number on the bag or vial.", required=True),
    number("dose", 0, 1_000_000, "The dose given.", required=True),
    text("dose_unit", 20, "For example g.", required=True),
    number("volume_ml", 0, MAX_VOLUME_ML),
    number("rate_ml_per_hour", 0, MAX_RATE_ML_PER_HOUR),
    text("pump", 100, "The pump's model or serial number."),
    when("started_at"),
    Field("stopped_at", "datetime", "Only if it has already stopped. " + CAPTURED,
          nullable=True),
    flag("confirm_dose", "The nurse checked the order and confirms a dose that differs "
                         "from it (refused without it)."),
)

STOP = (when("stopped_at"),)
PAUSE = (when("paused_at"), text("reason", 500, "Why the infusion was paused.", required=True))
RESUME = (when("resumed_at"),)

COMPLICATION = (
    Field("kind", "string", "A risk key of the visit's procedure record, or "
                            "infiltration_extravasation, occlusion or other.",
          required=True, max_length=60),
    text("kind_other", 120, "Required when kind is other."),
    choice("severity", SEVERITIES, required=True),
    when("onset_at", "When it began."),
    text("description", 4000, "What the nurse saw."),
    text("outcome", 4000, "The outcome so far (it can be written later)."),
)

COMPLICATION_ACTION = (
    choice("action", ACTIONS, required=True),
    when("taken_at"),
    text("note", 2000, "Required for other; for drugs, the name and dose."),
)

COMPLICATION_OUTCOME = (text("outcome", 4000, "How the complication ended.", required=True),)
