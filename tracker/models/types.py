"""Column types shared by the models."""

from datetime import datetime

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

from tracker.timeutil import as_utc


class UTCDateTime(TypeDecorator):
    """Stores naive UTC (the same on SQLite and PostgreSQL), hands back aware UTC datetimes."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        return as_utc(value).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return as_utc(value)
