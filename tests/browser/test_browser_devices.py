"""A nurse connects her tablet on the Devices page, copies the token, then disconnects it."""

import urllib.request

from playwright.sync_api import expect

from tests.browser.conftest import TABLET, sign_in


def api_status(base_url: str, token: str) -> int:
    request = urllib.request.Request(f"{base_url}/api/v1/me",
                                     headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_a_nurse_connects_and_disconnects_a_tablet(live_make, new_page, live_server):
    nurse = live_make.nurse()
    page = new_page(TABLET, permissions=["clipboard-read", "clipboard-write"])
    sign_in(page, nurse.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Devices").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Devices")

    page.get_by_label("Device name").fill("Blue tablet")
    page.get_by_role("button", name="Connect and show the token").click()
    expect(page.get_by_role("heading", name="“Blue tablet” is connected")).to_be_visible()
    token = page.get_by_label("Token for Blue tablet").input_value()
    assert token.startswith("ivt_")
    page.get_by_role("button", name="Copy the token").click()
    expect(page.get_by_text("Copied.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == token
    assert page.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]
    assert api_status(live_server, token) == 200

    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Disconnect Blue tablet").click()
    expect(page.get_by_text("“Blue tablet” is disconnected")).to_be_visible()
    expect(page.get_by_label("Token for Blue tablet")).to_have_count(0)
    assert api_status(live_server, token) == 401
