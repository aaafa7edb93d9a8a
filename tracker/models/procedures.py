"""The procedure record (CPT 99601 and its add-on 99602), versioned by content."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tracker.extensions import db
from tracker.models.types import UTCDateTime
from tracker.timeutil import utcnow


class ProcedureRecord(db.Model):
    """One version of one code's record. Visits point at the version they were logged against."""

    __tablename__ = "procedure_records"
    __table_args__ = (
        UniqueConstraint("code", "version"),
        UniqueConstraint("code", "content_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(10), index=True)
    version: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    content: Mapped[dict] = mapped_column(JSON)
    is_current: Mapped[bool] = mapped_column(default=True)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __getitem__(self, key: str):
        return self.content.get(key)

    @property
    def procedure_steps(self) -> list[dict]:
        return self.content.get("procedure_steps", [])

    @property
    def max_duration_minutes(self) -> int | None:
        return self.content.get("max_duration_minutes")
