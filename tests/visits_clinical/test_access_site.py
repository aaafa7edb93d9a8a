"""Vascular access (attempts flagged above the INS limit) and site checks with both scales."""

import pytest
from sqlalchemy import select

from tracker.extensions import db
from tracker.models import Alert, SiteAssessment, VascularAccess
from tracker.visits.clinical_services import EntryError, record_access, record_site_assessment

NEW_LINE = {"device_type": "peripheral_iv", "gauge": "22 G", "site": "Forearm", "side": "left",
            "is_new": "new", "insertion_attempts": 1}


def access_errors(visit, nurse, **changes):
    with pytest.raises(EntryError) as caught:
        record_access(visit, nurse, {**NEW_LINE, **changes})
    return caught.value.errors


def attempt_alerts(visit):
    return list(db.session.scalars(select(Alert).where(Alert.visit_id == visit.id,
                                                       Alert.kind == "insertion_attempts")))


def test_a_new_line_is_recorded(visit, nurse):
    row = record_access(visit, nurse, NEW_LINE)
    stored = db.session.get(VascularAccess, row.id)
    assert (stored.device_type, stored.gauge, stored.site, stored.side) == (
        "peripheral_iv", "22 G", "Forearm", "left")
    assert stored.is_new is True and stored.insertion_attempts == 1


def test_two_attempts_are_within_the_limit(visit, nurse):
    record_access(visit, nurse, {**NEW_LINE, "insertion_attempts": 2})
    assert attempt_alerts(visit) == []


def test_three_attempts_raise_a_warning_alert(visit, nurse):
    row = record_access(visit, nurse, {**NEW_LINE, "insertion_attempts": "3"})
    [alert] = attempt_alerts(visit)
    assert alert.severity == "warning" and alert.nurse_id == nurse.id
    assert "3 insertion attempts" in alert.message and alert.trigger_id == row.id


def test_the_page_flags_too_many_attempts(visit, nurse, page):
    record_access(visit, nurse, {**NEW_LINE, "insertion_attempts": 3})
    html = page(visit, nurse)
    assert "3 insertion attempts — more than the limit of 2 for one nurse" in html


def test_the_page_does_not_flag_two_attempts(visit, nurse, page):
    record_access(visit, nurse, {**NEW_LINE, "insertion_attempts": 2})
    assert "more than the limit" not in page(visit, nurse)


def test_an_existing_line_needs_no_attempts(visit, nurse):
    row = record_access(visit, nurse, {**NEW_LINE, "device_type": "picc", "side": "right",
                                       "is_new": False, "insertion_attempts": ""})
    assert row.is_new is False and row.insertion_attempts == 0


def test_an_existing_line_with_attempts_is_refused(visit, nurse):
    errors = access_errors(visit, nurse, is_new="existing", insertion_attempts=2)
    assert "leave the attempts empty" in errors["insertion_attempts"]


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"insertion_attempts": ""}, "insertion_attempts", "how many insertion attempts"),
    ({"insertion_attempts": 0}, "insertion_attempts", "from 1 to 10"),
    ({"insertion_attempts": 11}, "insertion_attempts", "from 1 to 10"),
    ({"device_type": "needle"}, "device_type", "type of device"),
    ({"device_type": "other"}, "device_other", "Describe the device"),
    ({"site": " "}, "site", "where the device is"),
    ({"side": "both"}, "side", "left, right or not applicable"),
    ({"is_new": None}, "is_new", "inserted at this visit"),
    ({"gauge": "x" * 21}, "gauge", "20 characters"),
])
def test_access_refusals(visit, nurse, changes, field, message):
    assert message in access_errors(visit, nurse, **changes)[field]


def test_another_device_is_described(visit, nurse):
    row = record_access(visit, nurse, {**NEW_LINE, "device_type": "other",
                                       "device_other": "Tunnelled catheter"})
    assert row.device_other == "Tunnelled catheter"


CHECK = {"timing": "before", "phlebitis_score": "0", "vip_score": "0"}


def test_a_site_check_is_recorded_with_both_scores(visit, nurse):
    row = record_site_assessment(visit, nurse, {**CHECK, "phlebitis_score": 1, "vip_score": "2",
                                                "note": "Slight redness"})
    stored = db.session.get(SiteAssessment, row.id)
    assert (stored.timing, stored.phlebitis_score, stored.vip_score) == ("before", 1, 2)
    assert stored.note == "Slight redness"


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"phlebitis_score": 5}, "phlebitis_score", "between 0 and 4"),
    ({"phlebitis_score": -1}, "phlebitis_score", "between 0 and 4"),
    ({"vip_score": 6}, "vip_score", "between 0 and 5"),
    ({"vip_score": None}, "vip_score", "Choose the VIP score"),
    ({"phlebitis_score": ""}, "phlebitis_score", "Choose the phlebitis grade"),
    ({"timing": "during"}, "timing", "before or after"),
])
def test_site_check_refusals(visit, nurse, changes, field, message):
    with pytest.raises(EntryError) as caught:
        record_site_assessment(visit, nurse, {**CHECK, **changes})
    assert message in caught.value.errors[field]


def test_the_form_explains_every_score(visit, nurse, page):
    html = page(visit, nurse)
    assert "No symptoms." in html  # INS grade 0
    assert "Initiate treatment and resite the cannula." in html  # VIP 5 action
    assert html.count("Action: ") >= 11  # 5 INS grades + 6 VIP scores


def test_a_recorded_check_shows_meaning_and_action_and_highlights_two_and_more(visit, nurse,
                                                                               page):
    record_site_assessment(visit, nurse, {**CHECK, "timing": "after", "phlebitis_score": 2,
                                          "vip_score": 1})
    html = page(visit, nurse)
    assert "Needs action" in html
    assert '<span class="value-abnormal">Grade 2</span>: Pain at the access site' in html
    assert "<strong>Action: Stop the infusion in this catheter" in html
    assert "Score 1: Slight pain or slight redness" in html  # shown, not highlighted


def test_a_healthy_site_is_not_highlighted(visit, nurse, page):
    record_site_assessment(visit, nurse, CHECK)
    html = page(visit, nurse)
    assert "Needs action" not in html and "Grade 0: No symptoms." in html
