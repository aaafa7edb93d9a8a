"""Fixtures for the clinical sections: a checked-in visit with its safety checks confirmed,
and a way to see the visit page as the nurse would (rendered like the page view does)."""

from datetime import timedelta

import pytest
from flask_login import login_user

from tracker.extensions import db
from tracker.models import SafetyCheck
from tracker.timeutil import utcnow
from tracker.visits import page as visit_page
from tracker.visits.charting import infusion

# Agreed with the lifecycle helper: the checks that must be confirmed before an infusion.
SAFETY_CHECKS = ("identity", "allergies", "medication", "anaphylaxis_kit", "pump")


def confirm_safety_checks(visit, nurse):
    for check in SAFETY_CHECKS:
        db.session.add(SafetyCheck(visit_id=visit.id, check=check, confirmed=True,
                                   recorded_by_id=nurse.id))
    db.session.commit()


@pytest.fixture
def nurse(make):
    return make.nurse()


@pytest.fixture
def patient(make, nurse):
    patient = make.patient()
    make.assign(nurse, patient)
    return patient


@pytest.fixture
def visit(make, nurse, patient):
    """A visit checked in 30 minutes ago, safety checks done: ready for every entry."""
    now = utcnow()
    visit = make.visit(nurse=nurse, patient=patient, planned_start=now - timedelta(minutes=30),
                       state="in_progress", checked_in_at=now - timedelta(minutes=30))
    confirm_safety_checks(visit, nurse)
    return visit


@pytest.fixture
def page(app):
    """page(visit, user) -> the visit page's HTML, rendered with every section provider."""

    def render(visit, user):
        with app.test_request_context(f"/visits/{visit.id}"):
            login_user(user)
            html, status = visit_page.render_visit_page(visit, user)
            assert status == 200
            return html

    return render


@pytest.fixture
def infusion_rule(monkeypatch):
    """infusion_rule(allowed, reasons): make the safety-check gate answer so."""

    def install(allowed: bool, reasons: list[str]):
        monkeypatch.setattr(infusion, "infusion_may_start", lambda visit: (allowed, reasons))

    return install


def local_input(value, tz: str = "America/New_York") -> str:
    """A time as a datetime-local input sends it, in the nurse's zone (the factories' zone)."""
    from tracker.timeutil import local

    return local(value, tz).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def post_entry(signed_in):
    """post_entry(user, url, prefix, data) -> response of a section form posted as a browser
    would: fields named with the form's prefix, with the CSRF token."""
    browsers = {}

    def post(user, url, prefix, data):
        browser = browsers.get(user.id) or browsers.setdefault(user.id, signed_in(user))
        payload = {f"{prefix}-{name}": value for name, value in data.items()}
        payload[f"{prefix}-csrf_token"] = browser.csrf()
        return browser.post(url, payload)

    return post
