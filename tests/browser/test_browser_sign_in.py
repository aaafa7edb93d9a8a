"""Each role signs in on a 10-inch tablet and lands on its own home page."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import TABLET, sign_in

HOME_HEADINGS = {
    "nurse": "Good to see you",
    "coordinator": "Visit schedule",
    "admin": "Users",
    "patient": "Hello",
}


@pytest.mark.parametrize("role", ["nurse", "coordinator", "admin", "patient"])
def test_each_role_signs_in_on_a_tablet(role, live_make, new_page):
    user = live_make.user(role)
    page = new_page(TABLET)
    sign_in(page, user.email)
    expect(page.get_by_role("heading", level=1)).to_contain_text(HOME_HEADINGS[role])
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    # Nothing on the page is wider than the tablet.
    assert page.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]


def test_wrong_password_keeps_email_and_says_why(live_make, new_page):
    user = live_make.nurse()
    page = new_page(TABLET)
    sign_in(page, user.email, password="not the password")
    expect(page.get_by_text("do not match an active account")).to_be_visible()
    expect(page.get_by_label("E-mail")).to_have_value(user.email)
