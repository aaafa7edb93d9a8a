"""Browser tests: the app served on a local port, driven by Playwright in Debian's Chromium.

They need committed data, so they use their own database (a sibling of the main test
database) instead of the per-test rollback. Without Chromium they are skipped with the
reason, except under CI=true, where a missing browser fails the run.
"""

import os
import shutil
import threading
from datetime import datetime, timedelta

import pytest
from werkzeug.serving import make_server

from tests.conftest import build_app, database_url
from tests.factories import Factory
from tracker.database import writing
from tracker.extensions import db
from tracker.timeutil import local, utcnow

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TABLET = {"width": 768, "height": 1024}
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def _chromium_available() -> bool:
    return os.path.exists(CHROMIUM) or shutil.which(CHROMIUM) is not None


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def _require_chromium():
    if _chromium_available():
        return
    message = f"Chromium not found at {CHROMIUM} (install Debian's chromium package)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + "; CI=true requires the browser tests to run", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def live_app(tmp_path_factory, _require_chromium):
    # The test's own inserts wait for the write lock behind the server's requests (a page
    # and the visit pages its service worker keeps); on a loaded CI machine that queue can
    # outlast the production default of 5 s. No effect on PostgreSQL.
    return build_app(database_url(tmp_path_factory, "_browser"), SQLITE_BUSY_TIMEOUT_MS=30000)


@pytest.fixture(scope="session")
def live_server(live_app):
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def live_make(live_app):
    """Factories that commit into the live server's database.

    Each call starts from a fresh transaction taken IMMEDIATE: the server thread writes
    meanwhile, and on SQLite a transaction that read before the server's last commit
    could not write any more ("database is locked")."""
    with live_app.app_context():
        yield _WritingFactory()


class _WritingFactory(Factory):
    def __getattribute__(self, name):
        attribute = super().__getattribute__(name)
        if name.startswith("_") or not callable(attribute):
            return attribute

        def call(*args, **kwargs):
            db.session.rollback()  # end a read left open by the test (a stale snapshot)
            with writing():
                return attribute(*args, **kwargs)

        return call


@pytest.fixture(scope="session")
def chromium(_require_chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(chromium, live_server):
    """new_page(viewport=TABLET) -> a page in a fresh context (no shared cookies)."""
    contexts = []

    def open_page(viewport=TABLET, **context_options):
        context = chromium.new_context(viewport=viewport, base_url=live_server,
                                       **context_options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def sign_in(page, email: str, password: str = Factory.PASSWORD) -> None:
    page.goto("/sign-in")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def later_today(tz: str, minutes: int = 10) -> datetime:
    """A planned start `minutes` from now, or a minute ago when that would be tomorrow in the
    nurse's zone: her day (and what her tablet keeps offline) is today's visits only."""
    now = utcnow().replace(second=0, microsecond=0)
    start = now + timedelta(minutes=minutes)
    return start if local(start, tz).date() == local(now, tz).date() else now - timedelta(minutes=1)
