"""The API token of the browser a nurse documents visits in (offline capture sends with it).

Each sign-in on a browser asks for a token; the token that browser held before is revoked
at the same time, so one browser never holds more than one live token, and the Devices page
lists it under the browser's name (a nurse can disconnect it there as any device).
"""

import re

from sqlalchemy import select

from tracker.api import tokens
from tracker.extensions import db
from tracker.models import ApiToken, User
from tracker.timeutil import local, utcnow

NAME_PREFIX = "Offline visits"

# (pattern in the User-Agent, name); the first match wins, so the specific ones come first.
_BROWSERS = ((r"Edg/", "Edge"), (r"SamsungBrowser/", "Samsung Internet"), (r"Firefox/", "Firefox"),
             (r"Chrome/|Chromium/|CriOS/", "Chrome"), (r"Safari/", "Safari"))
_SYSTEMS = ((r"Android", "Android"), (r"iPad", "iPad"), (r"iPhone", "iPhone"),
            (r"CrOS", "ChromeOS"), (r"Windows", "Windows"), (r"Macintosh|Mac OS X", "Mac"),
            (r"Linux", "Linux"))


def _first(patterns, text: str) -> str | None:
    return next((name for pattern, name in patterns if re.search(pattern, text)), None)


def browser_label(user_agent: str | None) -> str:
    """'Chrome on Android' from a User-Agent header; 'a web browser' when it says nothing known."""
    text = user_agent or ""
    browser, system = _first(_BROWSERS, text), _first(_SYSTEMS, text)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "a web browser"


def token_name(user: User, user_agent: str | None) -> str:
    """What the Devices page shows: the browser, and when it was connected (the nurse's time)."""
    when = local(utcnow(), user.timezone).strftime("%d %b %H:%M")
    name = f"{NAME_PREFIX}: {browser_label(user_agent)}, {when}"
    return name[:tokens.NAME_MAX_LENGTH]


def issue_browser_token(user: User, user_agent: str | None,
                        replaces: int | None = None) -> tuple[ApiToken, str]:
    """A new token for this browser; the one it held before (`replaces`) stops working.

    `replaces` comes from the browser: only a live token of this same nurse is revoked, any
    other id is ignored (a browser cannot end someone else's token, nor learn whether it
    exists). Raises tokens.TokenError when the nurse may not hold more tokens.
    """
    if replaces is not None:
        previous = db.session.scalar(select(ApiToken).where(
            ApiToken.id == replaces, ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)))
        if previous is not None:
            tokens.revoke_token(user, previous.id)
    return tokens.create_token(user, token_name(user, user_agent))
