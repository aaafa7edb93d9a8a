"""Plugs offline capture into the app (called from create_app's register_blueprints)."""

from flask import Flask

from tracker.offline.page import offline_page_context
from tracker.offline.routes import bp
from tracker.visits.blueprint import VISIT_PAGE_CONTEXT


def install(app: Flask) -> None:
    app.register_blueprint(bp)
    # The list lives for the process; create_app may run more than once (tests).
    if offline_page_context not in VISIT_PAGE_CONTEXT:
        VISIT_PAGE_CONTEXT.append(offline_page_context)
