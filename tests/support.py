"""Helpers shared by the foundation tests: extra browsers, page parsing, audit rows, data snapshots."""

import html as html_lib
import re
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from tests.conftest import CSRF_RE, Browser
from tests.factories import Factory
from tracker.extensions import db
from tracker.models import AuditEvent

SESSION_COOKIE = "tracker_session"


def new_browser(app, remote_addr: str | None = None) -> Browser:
    """A second (third...) browser on the same app: its own cookies, the same database."""
    client = app.test_client()
    if remote_addr:
        client.environ_base["REMOTE_ADDR"] = remote_addr
    return Browser(client)


def browser_signed_in(app, user, password: str = Factory.PASSWORD) -> Browser:
    browser = new_browser(app)
    browser.sign_in(user, password)
    return browser


def csrf_token(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def sign_in_form(browser: Browser, email: str, password: str, **extra):
    """Post the sign-in form as a person would (the token comes from the sign-in page)."""
    token = csrf_token(browser.get("/sign-in").get_data(as_text=True))
    return browser.client.post("/sign-in", data={"email": email, "password": password,
                                                 "csrf_token": token, **extra})


def is_signed_in(browser: Browser) -> bool:
    with browser.client.session_transaction() as session:
        return "_user_id" in session


def location_path(response) -> str:
    return urlsplit(response.headers.get("Location", "")).path


def location_next(response) -> str | None:
    values = parse_qs(urlsplit(response.headers.get("Location", "")).query).get("next")
    return values[0] if values else None


def text(response) -> str:
    return html_lib.unescape(response.get_data(as_text=True))


def field_errors(html: str, field_id: str) -> list[str]:
    """The messages shown next to one field (forms.html puts them right after it)."""
    pattern = re.compile(rf'<p class="field-error" id="{re.escape(field_id)}-error">(.*?)</p>', re.S)
    return [html_lib.unescape(m) for m in pattern.findall(html)]


def input_value(html: str, name: str) -> str | None:
    for tag in re.findall(r"<input\b[^>]*>", html):
        if re.search(rf'\bname="{re.escape(name)}"', tag):
            match = re.search(r'\bvalue="([^"]*)"', tag)
            return html_lib.unescape(match.group(1)) if match else ""
    return None


def textarea_value(html: str, name: str) -> str | None:
    match = re.search(rf'<textarea\b[^>]*\bname="{re.escape(name)}"[^>]*>(.*?)</textarea>', html, re.S)
    return html_lib.unescape(match.group(1)).strip() if match else None


def selected_option(html: str, name: str) -> str | None:
    match = re.search(rf'<select\b[^>]*\bname="{re.escape(name)}"[^>]*>(.*?)</select>', html, re.S)
    if not match:
        return None
    option = re.search(r'<option\b[^>]*\bselected[^>]*\bvalue="([^"]*)"|'
                       r'<option\b[^>]*\bvalue="([^"]*)"[^>]*\bselected', match.group(1))
    return html_lib.unescape(option.group(1) or option.group(2)) if option else None


def audit_rows(action: str | None = None, **filters) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    for name, value in filters.items():
        query = query.where(getattr(AuditEvent, name) == value)
    db.session.expire_all()
    return list(db.session.scalars(query))


def data_snapshot(*, include_audit: bool = False) -> dict[str, list[tuple]]:
    """Every row of every table; the audit trail is left out unless asked (reads are audited),
    and a device token's last_used_at (a read through the API records when it was used)."""
    snapshot = {}
    for table in db.metadata.sorted_tables:
        if table.name == "audit_events" and not include_audit:
            continue
        columns = [c for c in table.columns if (table.name, c.name) != ("api_tokens", "last_used_at")]
        rows = db.session.execute(select(*columns).order_by(*table.primary_key.columns)).all()
        snapshot[table.name] = [tuple(row) for row in rows]
    return snapshot


def snapshot_difference(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after.get(name)]


_TAG = re.compile(r"<[a-zA-Z][^>]*>")


def inline_code(html: str) -> list[str]:
    """Tags the Content-Security-Policy would block: inline script, inline style, handlers."""
    found = []
    for tag in _TAG.findall(html):
        lowered = tag.lower()
        if (lowered.startswith("<script") and not re.search(r"\ssrc=", lowered)) \
                or lowered.startswith("<style") \
                or re.search(r"\sstyle\s*=", lowered) \
                or re.search(r"\son[a-z]+\s*=", lowered) \
                or "javascript:" in lowered:
            found.append(tag[:120])
    return found


def production_app(app, monkeypatch, **env):
    """An app under ProductionConfig on the test database (its URL given as DATABASE_URL)."""
    from config import ProductionConfig
    from tracker import create_app

    monkeypatch.setenv("SECRET_KEY", env.pop("SECRET_KEY", "production-test-secret"))
    monkeypatch.setenv("DATABASE_URL", str(app.config["SQLALCHEMY_DATABASE_URI"]))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return create_app(ProductionConfig)


def session_cookie_header(response) -> str | None:
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(SESSION_COOKIE + "="):
            return header
    return None


def unlabelled_fields(html: str) -> list[str]:
    """Form fields without a <label for=...> (or an aria-label): every field needs one."""
    labelled = set(re.findall(r'<label\b[^>]*\bfor="([^"]+)"', html))
    found = []
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", html):
        kind = re.search(r'\btype="([^"]+)"', tag)
        if kind and kind.group(1) in ("hidden", "submit", "button", "reset", "image"):
            continue
        field_id = re.search(r'\bid="([^"]+)"', tag)
        if "aria-label=" in tag or (field_id and field_id.group(1) in labelled):
            continue
        found.append(tag[:120])
    return found
