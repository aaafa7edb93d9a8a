"""One periodic dispatcher job; never inside web workers or tests; `flask scheduler run`."""

from datetime import timedelta

import time_machine
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select

from tests.checklists.support import schedule, utc
from tracker.extensions import db
from tracker.models import Reminder
from tracker.reminders import scheduler


class FakeApp:
    """Only the attributes the start-up decision reads."""

    def __init__(self, flag=True, testing=False, debug=False):
        self.config = {"SCHEDULER_IN_PROCESS": flag}
        self.testing, self.debug = testing, debug


def refusal(app, environ=None, argv=("flask", "run")):
    return scheduler.in_process_refusal(app, environ or {}, list(argv))


def test_the_dispatcher_starts_in_process_only_when_the_flag_is_on():
    assert refusal(FakeApp(flag=False)) == "SCHEDULER_IN_PROCESS is off"
    assert refusal(FakeApp(flag=True)) is None


def test_never_in_tests(app):
    assert app.testing
    assert refusal(FakeApp(testing=True)) == "tests call the dispatcher directly"
    assert "reminder_scheduler" not in app.extensions


def test_never_in_the_reloaders_watcher_process():
    # flask run --debug: the watcher (no WERKZEUG_RUN_MAIN) and the server it runs.
    assert refusal(FakeApp(debug=True)) == "this is the reloader's watcher process"
    assert refusal(FakeApp(debug=True), {"WERKZEUG_RUN_MAIN": "true"}) is None
    assert refusal(FakeApp(debug=True), argv=("flask", "run", "--no-reload")) is None
    assert refusal(FakeApp(), argv=("flask", "run", "--reload")) == \
        "this is the reloader's watcher process"
    # `flask run --debug` sets FLASK_DEBUG; app.debug is only set after create_app.
    assert refusal(FakeApp(), {"FLASK_DEBUG": "1"}) == "this is the reloader's watcher process"
    assert refusal(FakeApp(), {"FLASK_DEBUG": "1", "WERKZEUG_RUN_MAIN": "true"}) is None
    assert refusal(FakeApp(), {"FLASK_DEBUG": "0"}) is None


def test_the_job_is_one_periodic_dispatcher(app):
    background = scheduler.build_scheduler(app, blocking=False)
    blocking = scheduler.build_scheduler(app, blocking=True)
    assert isinstance(background, BackgroundScheduler)
    assert isinstance(blocking, BlockingScheduler)
    [job] = background.get_jobs()
    assert job.func is scheduler.dispatch_job
    assert isinstance(job.trigger, IntervalTrigger)
    assert job.trigger.interval == timedelta(seconds=app.config["DISPATCH_INTERVAL_SECONDS"])
    assert job.max_instances == 1 and job.coalesce


def test_the_job_opens_its_own_context_and_commits(app, make):
    make.patient_user(patient := make.patient())
    with time_machine.travel(utc(2026, 5, 1, 12), tick=False):
        visit = schedule(make, utc(2026, 5, 5, 14), patient=patient)
    with time_machine.travel(utc(2026, 5, 4, 14), tick=False):
        scheduler.dispatch_job(app)
    db.session.expire_all()
    statuses = set(db.session.scalars(select(Reminder.status).where(
        Reminder.visit_id == visit.id, Reminder.offset_hours == 24)))
    assert statuses == {"sent"}


def test_flask_scheduler_run_once(app, make):
    patient = make.patient()
    make.patient_user(patient)
    with time_machine.travel(utc(2026, 5, 1, 12), tick=False):
        schedule(make, utc(2026, 5, 5, 14), patient=patient)
    with time_machine.travel(utc(2026, 5, 4, 14), tick=False):
        result = app.test_cli_runner().invoke(args=["scheduler", "run", "--once"])
    assert result.exit_code == 0, result.output
    assert "Reminder e-mails go to the outbox folder" in result.output
    assert "Reminder dispatch: 1 claimed: 1 sent." in result.output
