"""Plugs the checklists area into the app (called from create_app's register_blueprints)."""

from flask import Flask

from tracker import demo
from tracker.checklists import patient_routes, receivers  # noqa: F401  (routes; signal receivers)
from tracker.checklists.routes import bp
from tracker.checklists.services import preparation_status
from tracker.main import home_pages
from tracker.models import Role
from tracker.reminders.demo import seed_checklists_and_reminders
from tracker.reminders.messages import (
    duration_text,
    friendly_time,
    length_text,
    visit_page_path,
)
from tracker.visits.blueprint import VISIT_PAGE_CONTEXT, VISIT_PAGE_SECTIONS

PREPARATION_SECTION = ("preparation", "Patient's preparation", "visits/sections/_preparation.html")


def install(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals.update(friendly_time=friendly_time, duration_text=duration_text,
                                 length_text=length_text, visit_page_path=visit_page_path)
    home_pages.HOME_ENDPOINTS[Role.PATIENT.value] = "checklists.patient_home"
    # These lists live for the process; create_app may run more than once (tests).
    if preparation_status not in VISIT_PAGE_CONTEXT:
        VISIT_PAGE_CONTEXT.append(preparation_status)
    if PREPARATION_SECTION not in VISIT_PAGE_SECTIONS:
        after = next((i + 1 for i, (anchor, *_rest) in enumerate(VISIT_PAGE_SECTIONS)
                      if anchor == "check-in"), 0)
        VISIT_PAGE_SECTIONS.insert(after, PREPARATION_SECTION)
    if seed_checklists_and_reminders not in demo.SEEDERS:
        demo.SEEDERS.append(seed_checklists_and_reminders)
