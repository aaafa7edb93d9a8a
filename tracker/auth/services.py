"""Signing in and out, lockout, and user administration."""

import math
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import undefer
from werkzeug.exceptions import NotFound

from tracker import audit
from tracker.auth.passwords import (
    hash_password,
    needs_rehash,
    password_problem,
    spend_verification_time,
    verify_password,
)
from tracker.extensions import db
from tracker.models import Patient, Role, User
from tracker.timeutil import is_valid_timezone, utcnow


class SignInRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class UserError(ValueError):
    """A user-administration request that cannot be carried out; `field` says which input."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


GENERIC_REFUSAL = "That e-mail and password do not match an active account."


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def authenticate(email: str, password: str) -> User:
    """Check the password, apply the lockout rule, audit the outcome, commit."""
    user = find_user_by_email(email)
    stored_hash = user.password_hash if user is not None else None
    # End the read before the deliberately slow hash work, so that it holds no database
    # lock (on SQLite a request's transaction holds the write lock).
    db.session.commit()
    if stored_hash is None:
        spend_verification_time(password)
        password_ok, new_hash = False, None
    else:
        password_ok = verify_password(stored_hash, password)
        new_hash = hash_password(password) if password_ok and needs_rehash(stored_hash) else None
    now = utcnow()
    if user is None:
        audit.record("sign_in_failed", detail={"reason": "unknown_account"})
        db.session.commit()
        raise SignInRefused(GENERIC_REFUSAL)
    if user.locked_until and user.locked_until > now:
        if not password_ok:
            # Only someone who knows the password learns of the lock: to anyone else a
            # locked account answers like an unknown one.
            audit.record("sign_in_failed", record_type="user", record_id=user.id,
                         user_id=user.id, detail={"reason": "locked"})
            db.session.commit()
            raise SignInRefused(GENERIC_REFUSAL)
        audit.record("sign_in_refused_locked", record_type="user", record_id=user.id,
                     user_id=user.id)
        db.session.commit()
        minutes = max(1, math.ceil((user.locked_until - now).total_seconds() / 60))
        raise SignInRefused(
            f"This account is locked after too many failed attempts. Try again in {minutes} "
            f"minute{'' if minutes == 1 else 's'}, or ask an administrator to reset it."
        )
    if not password_ok or not user.active:
        _count_failure(user, now)
        db.session.commit()
        raise SignInRefused(GENERIC_REFUSAL)
    if new_hash is not None and user.password_hash == stored_hash:
        user.password_hash = new_hash
    user.failed_logins = 0
    user.locked_until = None
    user.last_sign_in_at = now
    audit.record("sign_in", record_type="user", record_id=user.id, user_id=user.id)
    db.session.commit()
    return user


def _count_failure(user: User, now) -> None:
    user.failed_logins += 1
    audit.record("sign_in_failed", record_type="user", record_id=user.id, user_id=user.id,
                 detail={"failures_in_a_row": user.failed_logins})
    if user.failed_logins >= current_app.config["LOCKOUT_THRESHOLD"]:
        user.locked_until = now + timedelta(minutes=current_app.config["LOCKOUT_MINUTES"])
        user.failed_logins = 0
        audit.record("lockout", record_type="user", record_id=user.id, user_id=user.id)


def sign_out(user: User) -> None:
    """End the user's sessions. The session lives in a signed cookie, not on the server, so a
    copy of the cookie would outlive sign-out; a new auth epoch makes every copy worthless
    (and so signs the account out on its other devices too)."""
    user.auth_epoch += 1
    audit.record("sign_out", record_type="user", record_id=user.id, user_id=user.id)
    db.session.commit()


def record_session_expired(user: User) -> None:
    audit.record("session_expired", record_type="user", record_id=user.id, user_id=user.id)
    db.session.commit()


def load_user(session_id: str) -> User | None:
    """Flask-Login's loader: the id carries the auth epoch so resets end old sessions."""
    try:
        user_id, epoch = (int(part) for part in session_id.split("."))
    except ValueError:
        return None
    user = db.session.scalar(select(User).where(User.id == user_id)
                             .options(undefer(User.unread_notification_count)))
    if user is None or not user.active or user.auth_epoch != epoch:
        return None
    return user


def verify_current_password(user: User, password: str) -> bool:
    """Re-authentication, as for signing a visit record."""
    return verify_password(user.password_hash, password)


def create_user(*, email: str, name: str, role: str, password: str, timezone: str,
                patient_id: int | None = None, created_by: User | None = None) -> User:
    email = normalise_email(email)
    if role not in {r.value for r in Role}:
        raise UserError("role", "Choose one of the listed roles.")
    if db.session.scalar(select(func.count()).select_from(User).where(User.email == email)):
        raise UserError("email", "An account with this e-mail already exists.")
    problem = password_problem(password)
    if problem:
        raise UserError("password", problem)
    if not is_valid_timezone(timezone):
        raise UserError("timezone", "Choose a time zone from the list.")
    if role == Role.PATIENT:
        _check_patient_link(patient_id)
    elif patient_id:
        raise UserError("patient_id", "Only a patient account is linked to a patient record.")
    user = User(email=email, name=name.strip(), role=role, password_hash=hash_password(password),
                timezone=timezone, patient_id=patient_id if role == Role.PATIENT else None)
    db.session.add(user)
    db.session.flush()
    audit.record("user_created", record_type="user", record_id=user.id,
                 user_id=created_by.id if created_by else None,
                 patient_id=user.patient_id, detail={"role": role})
    db.session.commit()
    return user


def _check_patient_link(patient_id: int | None) -> None:
    if not patient_id:
        raise UserError("patient_id", "A patient account must be linked to a patient record.")
    if db.session.get(Patient, patient_id) is None:
        raise UserError("patient_id", "That patient record does not exist.")
    taken = db.session.scalar(select(User.id).where(User.patient_id == patient_id))
    if taken:
        raise UserError("patient_id", "That patient record already has an account.")


def set_active(user: User, active: bool, by: User | None) -> None:
    """Activate or deactivate; `by` is None from the command line."""
    if by is not None and user.id == by.id and not active:
        raise UserError("active", "You cannot deactivate your own account.")
    user.active = active
    if not active:
        user.auth_epoch += 1
    audit.record("user_activated" if active else "user_deactivated", record_type="user",
                 record_id=user.id, user_id=by.id if by else None)
    db.session.commit()


def reset_password(user: User, new_password: str, by: User) -> None:
    problem = password_problem(new_password)
    if problem:
        raise UserError("password", problem)
    user.password_hash = hash_password(new_password)
    user.auth_epoch += 1
    user.failed_logins = 0
    user.locked_until = None
    audit.record("password_reset", record_type="user", record_id=user.id, user_id=by.id)
    db.session.commit()


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    return user


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.role, User.name)))


def nurses() -> list[User]:
    return list(db.session.scalars(
        select(User).where(User.role == Role.NURSE, User.active.is_(True)).order_by(User.name)))
