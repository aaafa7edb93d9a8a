"""Build a realistic synthetic agency for the benchmark, with fast bulk inserts.

    python -m bench.build_agency --database-url sqlite:///bench/agency.sqlite3 --visits 100000

200 patients, 30 nurses and N visits over three years by default: past visits are
checked in and out, stepped, vital-signed, infused and signed, about 5 % with a
complication; today's visits are scheduled. Every person is invented. Rows go in with
SQLAlchemy Core executemany in chunks (not one ORM object at a time).
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

import flask_migrate
from sqlalchemy import insert, text

from config import DevelopmentConfig, database_url
from tracker import create_app
from tracker.auth.passwords import hash_password
from tracker.clinical.billing import billing_lines
from tracker.clinical.news2 import news2_score
from tracker.clinical.vitals import VitalsReading
from tracker.extensions import db
from tracker.models import (
    Alert,
    CaseloadAssignment,
    Complication,
    ComplicationAction,
    MedicationAdministration,
    Patient,
    SafetyCheck,
    TherapyOrder,
    User,
    Visit,
    VisitBillingLine,
    VisitStep,
    VitalSigns,
)
from tracker.procedures import services as procedure_services

BENCH_PASSWORD = "bench-password-1"
TZ = "America/New_York"
SLOTS = [dtime(8, 0), dtime(10, 30), dtime(13, 0), dtime(15, 30)]
CHUNK = 5000
SAFETY_CHECKS = ("identity", "allergies", "medication", "anaphylaxis_kit", "pump")
COMPLICATIONS = ("site_infection", "mild_allergic_reaction", "phlebitis", "infiltration_extravasation",
                 "occlusion", "anaphylaxis")

# Extra builders registered by areas whose tables come later (checklists, reminders).
EXTRA_BUILDERS: list = []


def chunked(rows: Iterator[dict], size: int = CHUNK) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def bulk(model, rows) -> int:
    count = 0
    for batch in chunked(iter(rows)):
        db.session.execute(insert(model.__table__), batch)
        count += len(batch)
    return count


class Agency:
    def __init__(self, visits: int, patients: int, nurses: int, years: int, seed: int = 7):
        self.visit_target = visits
        self.patient_count = patients
        self.nurse_count = nurses
        self.days = 365 * years
        self.rng = random.Random(seed)
        self.today = datetime.now(ZoneInfo(TZ)).date()
        self.record_id = procedure_services.current_record().id
        self.steps = procedure_services.current_record().procedure_steps

    # People -------------------------------------------------------------------------------
    def people(self) -> None:
        password = hash_password(BENCH_PASSWORD)
        # Every row names every column: executemany takes its columns from the first row.
        users = [dict(id=1, email="coordinator@bench.example", name="Bench Coordinator",
                      role="coordinator", password_hash=password, timezone=TZ, patient_id=None)]
        users += [dict(id=1 + n, email=f"nurse{n}@bench.example", name=f"Bench Nurse {n}",
                       role="nurse", password_hash=password, timezone=TZ, patient_id=None)
                  for n in range(1, self.nurse_count + 1)]
        patients = [dict(id=p, mrn=f"B-{p:06d}", first_name=f"Benchfirst{p}",
                         last_name=f"Benchlast{p}", date_of_birth=date(1950 + p % 50, 1 + p % 12, 1),
                         address_line=f"{p} Bench Street", city="Benchville", state="NY",
                         postal_code="10001", phone="555-0100", timezone=TZ,
                         allergies="No known allergies", primary_indication="chronic_infection")
                    for p in range(1, self.patient_count + 1)]
        bulk(Patient, patients)
        first_patient_user = 2 + self.nurse_count
        users += [dict(id=first_patient_user + p - 1, email=f"patient{p}@bench.example",
                       name=f"Benchfirst{p} Benchlast{p}", role="patient", password_hash=password,
                       timezone=TZ, patient_id=p)
                  for p in range(1, self.patient_count + 1)]
        bulk(User, users)
        self.caseload = {n: [p for p in range(1, self.patient_count + 1)
                             if (p - 1) % self.nurse_count == n - 1]
                         for n in range(1, self.nurse_count + 1)}
        bulk(CaseloadAssignment, ({"nurse_id": 1 + n, "patient_id": p}
                                  for n, ps in self.caseload.items() for p in ps))
        bulk(TherapyOrder, (dict(id=p, patient_id=p, medication="Ceftriaxone", dose=2.0, dose_unit="g",
                                 route="IV", rate_ml_per_hour=100.0, infusion_minutes=60,
                                 frequency="Every other day",
                                 start_date=self.today - timedelta(days=self.days + 30),
                                 end_date=None, prescriber="Dr Bench", indication="Synthetic")
                            for p in range(1, self.patient_count + 1)))

    # Visits -------------------------------------------------------------------------------
    def visit_plan(self) -> Iterator[tuple[int, int, datetime]]:
        """(nurse user id, patient id, planned start UTC) without overlaps, oldest first."""
        per_day = self.visit_target / self.days
        made = 0
        for offset in range(self.days - 1, -1, -1):
            day = self.today - timedelta(days=offset)
            quota = int(per_day * (self.days - offset)) - made
            if offset == 0:
                quota = self.visit_target - made
            slots = [(n, s) for s in range(len(SLOTS)) for n in self.caseload]
            self.rng.shuffle(slots)  # every nurse gets visits, also when a day has few
            for n, s in slots[:quota]:
                patients = self.caseload[n]
                patient = patients[(offset + s) % len(patients)]
                start = datetime.combine(day, SLOTS[s], tzinfo=ZoneInfo(TZ)).astimezone(UTC)
                made += 1
                yield 1 + n, patient, start

    def visits(self) -> int:
        now = datetime.now(UTC)
        visit_rows, children = [], {m: [] for m in (VisitStep, SafetyCheck, VitalSigns,
                                                    MedicationAdministration, VisitBillingLine,
                                                    Complication, ComplicationAction, Alert)}
        total = 0
        for vid, (nurse_id, patient_id, start) in enumerate(self.visit_plan(), start=1):
            # Today's visits stay scheduled: they are what nurses open in the workload.
            past = start + timedelta(hours=3) < now and start.astimezone(ZoneInfo(TZ)).date() < self.today
            visit = dict(id=vid, patient_id=patient_id, nurse_id=nurse_id, order_id=patient_id,
                         procedure_record_id=self.record_id, planned_start=start, planned_minutes=120,
                         state="scheduled", checked_in_at=None, checked_out_at=None,
                         check_in_location_method=None, check_out_location_method=None,
                         check_in_latitude=None, check_in_longitude=None, check_in_accuracy_m=None,
                         check_out_latitude=None, check_out_longitude=None, check_out_accuracy_m=None,
                         signed_at=None, signed_by_id=None)
            if past:
                self._past_visit(visit, children)
            visit_rows.append(visit)
            if len(visit_rows) >= CHUNK:
                total += self._flush(visit_rows, children)
        total += self._flush(visit_rows, children)
        return total

    def _past_visit(self, visit: dict, children: dict) -> None:
        rng, vid = self.rng, visit["id"]
        check_in = visit["planned_start"] + timedelta(minutes=rng.randint(-10, 25))
        length = timedelta(minutes=rng.choice([75, 90, 105, 115, 125, 140, 155, 185, 215]))
        check_out = check_in + length
        visit.update(state="signed", checked_in_at=check_in, checked_out_at=check_out,
                     check_in_location_method="gps", check_out_location_method="gps",
                     check_in_latitude=40.71, check_in_longitude=-74.0, check_in_accuracy_m=12.0,
                     check_out_latitude=40.71, check_out_longitude=-74.0, check_out_accuracy_m=15.0,
                     signed_at=check_out + timedelta(minutes=20), signed_by_id=visit["nurse_id"])
        for step in self.steps:
            children[VisitStep].append(dict(visit_id=vid, step_number=step["number"], step_key=step["key"],
                                             status="done", reason="",
                                             performed_at=check_in + timedelta(minutes=10 * step["number"])))
        for check in SAFETY_CHECKS:
            children[SafetyCheck].append(dict(visit_id=vid, check=check, confirmed=True, detail={}))
        for phase, minutes in (("before", 5), ("after", int(length.total_seconds() // 60) - 5)):
            reading = VitalsReading(heart_rate=rng.randint(58, 112), systolic=rng.randint(96, 150),
                                    diastolic=rng.randint(58, 90), respiratory_rate=rng.randint(12, 22),
                                    temperature_c=round(rng.uniform(36.1, 38.4), 1),
                                    spo2=rng.randint(93, 100), on_oxygen=False, consciousness="A")
            score = news2_score(reading)
            children[VitalSigns].append(dict(
                visit_id=vid, taken_at=check_in + timedelta(minutes=minutes), phase=phase,
                heart_rate=reading.heart_rate, systolic=reading.systolic, diastolic=reading.diastolic,
                respiratory_rate=reading.respiratory_rate, temperature_c=reading.temperature_c,
                spo2=reading.spo2, on_oxygen=False, consciousness="A", pain=rng.randint(0, 4),
                weight_kg=None, news2_total=score.total, news2_band=score.band))
        children[MedicationAdministration].append(dict(
            visit_id=vid, order_id=visit["order_id"], drug="Ceftriaxone", lot_number=f"L{vid % 997}",
            dose=2.0, dose_unit="g", volume_ml=100.0, rate_ml_per_hour=100.0, pump="Pump A",
            started_at=check_in + timedelta(minutes=20), stopped_at=check_in + timedelta(minutes=80)))
        for line in billing_lines(length):
            children[VisitBillingLine].append(dict(visit_id=vid, code=line.code, units=line.units,
                                                   description=line.description))
        if rng.random() < 0.05:
            kind = rng.choice(COMPLICATIONS)
            cid = len(children[Complication]) + self._complication_base
            children[Complication].append(dict(
                id=cid, visit_id=vid, kind=kind, severity="severe" if kind == "anaphylaxis" else "mild",
                onset_at=check_in + timedelta(minutes=40), description="Synthetic", outcome="Resolved"))
            children[ComplicationAction].append(dict(complication_id=cid, action="infusion_stopped",
                                                     taken_at=check_in + timedelta(minutes=41)))
            children[Alert].append(dict(kind="complication", severity="warning",
                                        patient_id=visit["patient_id"], visit_id=vid,
                                        nurse_id=visit["nurse_id"], message="Complication",
                                        created_at=check_in + timedelta(minutes=41),
                                        acknowledged_at=check_in + timedelta(hours=1),
                                        acknowledged_by_id=1, acknowledgement_note="Reviewed"))

    _complication_base = 1

    def _flush(self, visit_rows: list[dict], children: dict) -> int:
        count = bulk(Visit, visit_rows)
        self._complication_base += len(children[Complication])
        for model, rows in children.items():
            bulk(model, rows)
            rows.clear()
        visit_rows.clear()
        db.session.commit()
        return count


def reset_sequences() -> None:
    """Explicit ids were inserted: move PostgreSQL's sequences past them."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in db.metadata.sorted_tables:
        if "id" in table.c and table.c.id.autoincrement:
            db.session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table.name}), 1))"))
    db.session.commit()


def build(url: str, visits: int, patients: int, nurses: int, years: int) -> dict:
    class Config(DevelopmentConfig):
        SQLALCHEMY_DATABASE_URI = database_url(url)

    started = time.perf_counter()
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
    app = create_app(Config)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        flask_migrate.upgrade()
        procedure_services.load_file(app.config["PROCEDURE_RECORD_FILE"])
        agency = Agency(visits, patients, nurses, years)
        agency.people()
        made = agency.visits()
        for builder in EXTRA_BUILDERS:
            builder(agency)
        reset_sequences()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        else:
            db.session.execute(text("ANALYZE"))
            db.session.commit()
    return {"visits": made, "seconds": round(time.perf_counter() - started, 1)}


def main() -> None:
    import bench.extras  # noqa: F401  (registers the checklist, reminder and pool builders)

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--visits", type=int, default=100_000)
    parser.add_argument("--patients", type=int, default=200)
    parser.add_argument("--nurses", type=int, default=30)
    parser.add_argument("--years", type=int, default=3)
    args = parser.parse_args()
    result = build(args.database_url, args.visits, args.patients, args.nurses, args.years)
    print(f"Built {result['visits']} visits in {result['seconds']} s")


if __name__ == "__main__":
    main()
