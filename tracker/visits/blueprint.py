"""The visits blueprint, shared by its route modules.

routes.py holds scheduling, the lifecycle, EVV, steps, safety checks and signing;
clinical_routes.py holds vital signs, access and site checks, line care, administrations
and complications. The visit page is assembled from section templates; each module adds
what its sections need through VISIT_PAGE_CONTEXT.
"""

from collections.abc import Callable

from flask import Blueprint

bp = Blueprint("visits", __name__, url_prefix="/visits")

# Functions (visit, user) -> dict merged into the visit page's template context.
VISIT_PAGE_CONTEXT: list[Callable] = []

# Section templates of the visit page, in page order: (anchor id, heading, template).
VISIT_PAGE_SECTIONS: list[tuple[str, str, str]] = [
    ("check-in", "Check-in", "visits/sections/_check_in.html"),
    ("safety", "Safety checks before the infusion", "visits/sections/_safety.html"),
    ("access", "Vascular access and site checks", "visits/sections/_access_site.html"),
    ("vitals", "Vital signs", "visits/sections/_vitals.html"),
    ("infusion", "Infusion", "visits/sections/_administrations.html"),
    ("line-care", "Line care, labs and teaching", "visits/sections/_line_care.html"),
    ("complications", "Complications", "visits/sections/_complications.html"),
    ("steps", "Procedure steps", "visits/sections/_steps.html"),
    ("check-out", "Check-out and signature", "visits/sections/_check_out_sign.html"),
    ("addenda", "Addenda", "visits/sections/_addenda.html"),
]


def visit_page_context(visit, user) -> dict:
    context: dict = {}
    for provider in VISIT_PAGE_CONTEXT:
        context.update(provider(visit, user))
    return context
