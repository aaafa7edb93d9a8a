"""Per-device API tokens: created by a nurse, shown once, stored only as a SHA-256 hash.

Only nurses hold tokens. The API serves the nurse's bedside device; patients use their
phone's browser and the office works at desks, both in the web app with its idle timeout.
A token is a long-lived bearer credential to patient records, so it is given only where
it is needed. Administrators support nurses without one: deactivating an account stops
all of its tokens at once (see authenticate).
"""

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import NotFound

from tracker import audit
from tracker.database import commit_keeping_loaded
from tracker.extensions import db
from tracker.models import ApiToken, Role, User
from tracker.timeutil import utcnow

# A recognisable prefix lets secret scanners and people tell what a leaked string is.
TOKEN_PREFIX = "ivt_"
MAX_ACTIVE_TOKENS = 10
NAME_MAX_LENGTH = 80
# last_used_at is written at most this often, so that the API does not write on every read.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def hash_token(raw: str) -> str:
    """The stored form. A 256-bit random token needs no salt or slow hash: it cannot be guessed."""
    return hashlib.sha256(raw.encode()).hexdigest()


def may_hold_tokens(user: User) -> bool:
    return user.role == Role.NURSE and user.active


def active_tokens(user: User) -> list[ApiToken]:
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def revoked_tokens(user: User, limit: int = 20) -> list[ApiToken]:
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_not(None))
        .order_by(ApiToken.revoked_at.desc()).limit(limit)))


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for one device; returns the record and the token itself (never stored)."""
    if not may_hold_tokens(user):
        raise TokenError("name", "Only nurses can connect a device to the app.")
    name = (name or "").strip()
    if not name:
        raise TokenError("name", "Name the device, for example 'Blue tablet'.")
    if len(name) > NAME_MAX_LENGTH:
        raise TokenError("name", f"Use at most {NAME_MAX_LENGTH} characters.")
    count = db.session.scalar(select(func.count(ApiToken.id)).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)))
    if count >= MAX_ACTIVE_TOKENS:
        raise TokenError("name", f"You already have {MAX_ACTIVE_TOKENS} connected devices. "
                                 "Disconnect one you no longer use first.")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=hash_token(raw))
    db.session.add(token)
    db.session.flush()
    audit.record("api_token_created", record_type="api_token", record_id=token.id,
                 user_id=user.id)
    db.session.commit()
    return token, raw


def revoke_token(user: User, token_id: int) -> ApiToken:
    """Stop a token at once. Someone else's token is 'not found' (404), never 403."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record("api_token_revoked", record_type="api_token", record_id=token.id,
                     user_id=user.id)
        db.session.commit()
    return token


def authenticate(raw: str) -> ApiToken | None:
    """The live token matching `raw`, or None when it is unknown, revoked or its user inactive.

    The lookup is by hash on a unique index; comparing hashes of a secret the caller does
    not know leaks nothing useful through timing.
    """
    # The token with its user (who becomes current_user) in one statement.
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(raw))
                              .options(joinedload(ApiToken.user)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
        # Kept whatever the request does next; the token and user stay loaded (no re-read).
        commit_keeping_loaded()
    return token
