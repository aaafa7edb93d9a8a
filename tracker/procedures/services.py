"""Loading the procedure record from its version-controlled file, and reading it."""

import hashlib
import json
from pathlib import Path

from flask import g, has_request_context
from sqlalchemy import func, select

from tracker import audit
from tracker.extensions import db
from tracker.models import ProcedureRecord

PRIMARY_CODE = "99601"
ADD_ON_CODE = "99602"


class ProcedureRecordMissing(LookupError):
    pass


def content_hash(entry: dict) -> str:
    canonical = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def load_file(path: Path) -> list[ProcedureRecord]:
    """Store a new version of each code whose text changed; unchanged codes are left alone.
    A text that matches an earlier version makes that version current again.

    Idempotent: loading the same file twice stores nothing the second time.
    Returns the versions that became current (new or earlier ones).
    """
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    became_current = []
    for entry in data["procedures"]:
        record = _store_if_changed(entry)
        if record is not None:
            became_current.append(record)
    db.session.commit()
    return became_current


def _store_if_changed(entry: dict) -> ProcedureRecord | None:
    code, digest = entry["code"], content_hash(entry)
    existing = db.session.scalar(
        select(ProcedureRecord).where(ProcedureRecord.code == code,
                                      ProcedureRecord.content_hash == digest))
    if existing is not None and existing.is_current:
        return None
    for older in db.session.scalars(select(ProcedureRecord).where(
            ProcedureRecord.code == code, ProcedureRecord.is_current.is_(True))):
        older.is_current = False
    if existing is not None:  # the file went back to an earlier text: that version is current again
        existing.is_current = True
        audit.record("procedure_record_reactivated", record_type="procedure_record",
                     record_id=existing.id, detail={"code": code, "version": existing.version})
        return existing
    latest = db.session.scalar(
        select(func.max(ProcedureRecord.version)).where(ProcedureRecord.code == code)) or 0
    record = ProcedureRecord(code=code, version=latest + 1, content_hash=digest,
                             name=entry["name"], content=entry, is_current=True)
    db.session.add(record)
    db.session.flush()
    audit.record("procedure_record_loaded", record_type="procedure_record", record_id=record.id,
                 detail={"code": code, "version": record.version})
    return record


def current_record(code: str = PRIMARY_CODE) -> ProcedureRecord:
    # Several parts of one page ask for it (labels, forms); a request reads it once.
    cache = g.setdefault("current_procedure_records", {}) if has_request_context() else {}
    record = cache.get(code)
    if record is None:
        record = db.session.scalar(select(ProcedureRecord).where(
            ProcedureRecord.code == code, ProcedureRecord.is_current.is_(True)))
        if record is None:
            raise ProcedureRecordMissing(f"procedure record {code} is not loaded; run `flask procedure load`")
        cache[code] = record
    return record


def indication_choices() -> list[tuple[str, str]]:
    try:
        indications = current_record()["indications"] or []
    except ProcedureRecordMissing:
        indications = []
    return [(i["key"], i["label"]) for i in indications] + [("other", "Other")]
