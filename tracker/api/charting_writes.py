"""Write endpoints for the clinical entries of a visit: vital signs, vascular access, site
checks, line care, teaching, the infusion and complications. Each one calls the service
the visit page calls (tracker.visits.clinical_services), between check-in and signature."""

from flask_login import current_user

from tracker.api import bodies, serializers
from tracker.api.blueprint import ID
from tracker.api.write_common import own_visit, service_values
from tracker.api.writes import Write, api_write
from tracker.models import (
    AdministrationInterruption,
    Complication,
    ComplicationAction,
    LineCareEntry,
    MedicationAdministration,
    SiteAssessment,
    TeachingEntry,
    VascularAccess,
    VitalSigns,
)
from tracker.visits import clinical_services as services

VISIT = f"/visits/<{ID}:visit_id>"
ADMINISTRATION = f"{VISIT}/administrations/<{ID}:administration_id>"
COMPLICATION = f"{VISIT}/complications/<{ID}:complication_id>"
INVALID = (services.EntryError,)


def entry(operation, body, model, serialize, response, status=201) -> Write:
    return Write(operation, body, model, serialize, response, status=status, invalid=INVALID)


def administration_of(pause: AdministrationInterruption) -> dict:
    return serializers.administration(pause.administration)


def complication_of(action: ComplicationAction) -> dict:
    return serializers.complication(action.complication)


VITALS = entry("record_vitals", bodies.VITALS, VitalSigns, serializers.vital_signs,
               "VitalSigns")
ACCESS = entry("record_access", bodies.VASCULAR_ACCESS, VascularAccess,
               serializers.vascular_access, "VascularAccess")
SITE = entry("record_site_assessment", bodies.SITE_ASSESSMENT, SiteAssessment,
             serializers.site_assessment, "SiteAssessment")
LINE_CARE = entry("record_line_care", bodies.LINE_CARE, LineCareEntry, serializers.line_care,
                  "LineCare")
TEACHING = entry("record_teaching", bodies.TEACHING, TeachingEntry, serializers.teaching,
                 "Teaching")
START = entry("start_administration", bodies.ADMINISTRATION, MedicationAdministration,
              serializers.administration, "Administration")
STOP = entry("stop_administration", bodies.STOP, MedicationAdministration,
             serializers.administration, "Administration", status=200)
PAUSE = entry("pause_administration", bodies.PAUSE, AdministrationInterruption,
              administration_of, "Administration")
RESUME = entry("resume_administration", bodies.RESUME, AdministrationInterruption,
               administration_of, "Administration", status=200)
COMPLICATION_ENTRY = entry("record_complication", bodies.COMPLICATION, Complication,
                           serializers.complication, "Complication")
ACTION = entry("add_complication_action", bodies.COMPLICATION_ACTION, ComplicationAction,
               complication_of, "Complication")
OUTCOME = entry("record_complication_outcome", bodies.COMPLICATION_OUTCOME, Complication,
                serializers.complication, "Complication", status=200)


def chart(service, values: dict, client_id: str, visit_id: int, **path_ids):
    """Call a clinical service on the nurse's own visit, with the path's ids as values."""
    return service(own_visit(visit_id, **path_ids), current_user,
                   service_values(values, **path_ids), client_id=client_id)


@api_write(f"{VISIT}/vitals", VITALS, summary="Record vital signs",
           reach=own_visit)
def record_vitals(values, client_id, visit_id):
    """One set of vital signs, scored with NEWS2. At a low-medium score or more the office
    is alerted, and the answer's news2.response says what to do now."""
    return chart(services.record_vitals, values, client_id, visit_id)


@api_write(f"{VISIT}/vascular-accesses", ACCESS, summary="Record the vascular access",
           reach=own_visit)
def record_vascular_access(values, client_id, visit_id):
    """The device used, where it is and, for one inserted at this visit, the attempts it
    took (more than the limit alerts the office)."""
    return chart(services.record_access, values, client_id, visit_id)


@api_write(f"{VISIT}/site-assessments", SITE, summary="Record a site check",
           reach=own_visit)
def record_site_assessment(values, client_id, visit_id):
    """The access site before or after the infusion, on the INS phlebitis scale and the
    VIP score."""
    return chart(services.record_site_assessment, values, client_id, visit_id)


@api_write(f"{VISIT}/line-care", LINE_CARE, summary="Record line care",
           reach=own_visit)
def record_line_care(values, client_id, visit_id):
    """A flush, a dressing or cap change, or blood drawn for labs."""
    return chart(services.record_line_care, values, client_id, visit_id)


@api_write(f"{VISIT}/teaching", TEACHING, summary="Record teaching",
           reach=own_visit)
def record_teaching(values, client_id, visit_id):
    """What was taught, to whom, and whether it was understood."""
    return chart(services.record_teaching, values, client_id, visit_id)


@api_write(f"{VISIT}/administrations", START, summary="Start an administration",
           reach=own_visit)
def start_administration(values, client_id, visit_id):
    """An administration of the visit's ordered drug: lot, dose, volume, rate, pump and
    start (and stop, if it is over). Refused (422, in `_form`) until every safety check is
    confirmed; a dose that differs from the order needs confirm_dose."""
    return chart(services.start_administration, values, client_id, visit_id)


@api_write(f"{ADMINISTRATION}/stop", STOP, summary="Stop an administration",
           reach=own_visit)
def stop_administration(values, client_id, visit_id, administration_id):
    """When the infusion stopped. Answers with the administration."""
    return chart(services.stop_administration, values, client_id, visit_id,
                 administration_id=administration_id)


@api_write(f"{ADMINISTRATION}/pauses", PAUSE, summary="Pause an administration",
           reach=own_visit)
def pause_administration(values, client_id, visit_id, administration_id):
    """When and why the infusion was paused. Answers with the administration, its pauses
    included."""
    return chart(services.pause_administration, values, client_id, visit_id,
                 administration_id=administration_id)


@api_write(f"{ADMINISTRATION}/resume", RESUME, summary="Resume an administration",
           reach=own_visit)
def resume_administration(values, client_id, visit_id, administration_id):
    """When the paused infusion started again. Answers with the administration."""
    return chart(services.resume_administration, values, client_id, visit_id,
                 administration_id=administration_id)


@api_write(f"{VISIT}/complications", COMPLICATION_ENTRY, summary="Record a complication",
           reach=own_visit)
def record_complication(values, client_id, visit_id):
    """What happened, how severe, when it began. Every complication alerts the office;
    anaphylaxis or a severe one as an emergency."""
    return chart(services.record_complication, values, client_id, visit_id)


@api_write(f"{COMPLICATION}/actions", ACTION, summary="Add an action to a complication",
           reach=own_visit)
def add_complication_action(values, client_id, visit_id, complication_id):
    """An action taken for the complication, with its time. Answers with the complication,
    its actions included."""
    return chart(services.add_complication_action, values, client_id, visit_id,
                 complication_id=complication_id)


@api_write(f"{COMPLICATION}/outcome", OUTCOME, summary="Record a complication's outcome",
           reach=own_visit)
def record_complication_outcome(values, client_id, visit_id, complication_id):
    """How the complication ended (it may be rewritten until the visit is signed)."""
    return chart(services.record_complication_outcome, values, client_id, visit_id,
                 complication_id=complication_id)
