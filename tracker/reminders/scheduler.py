"""APScheduler 3.x runs one periodic job: the dispatcher. Reminders themselves are rows.

Where it runs:
- production: its own process, `flask scheduler run` (a BlockingScheduler), beside the
  gunicorn workers, which never start it;
- `make run`: inside the development server (SCHEDULER_IN_PROCESS=1), started once by
  create_app in the process that serves requests (not in the reloader's watcher process);
- tests: never; they call tracker.reminders.dispatch.dispatch_due directly.
Running two dispatchers by mistake costs nothing but work: claims keep delivery to once.
"""

import atexit
import logging
import os
import sys
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from tracker.extensions import db
from tracker.reminders.channels import transport

LOG = logging.getLogger(__name__)
JOB_ID = "dispatch-reminders"
_in_process = {}  # one background scheduler per process, whatever create_app is called for


def dispatch_job(app: Flask) -> None:
    """The periodic job: its own app context and session, committing its own work."""
    from tracker.reminders.dispatch import dispatch_due, run_budget_seconds

    with app.app_context():
        try:
            report = dispatch_due(budget_seconds=run_budget_seconds())
            if report.claimed:
                LOG.info("reminder dispatch: %s", report)
        except Exception:
            db.session.rollback()
            LOG.exception("reminder dispatch failed; the next run tries again")
        finally:
            db.session.remove()


def build_scheduler(app: Flask, *, blocking: bool):
    scheduler_class = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = scheduler_class(timezone=UTC)
    scheduler.add_job(
        dispatch_job, "interval", args=[app], id=JOB_ID,
        seconds=app.config["DISPATCH_INTERVAL_SECONDS"],
        # Start at once: reminders that came due while no dispatcher ran go out now.
        next_run_time=datetime.now(UTC),
        max_instances=1, coalesce=True, misfire_grace_time=None)
    return scheduler


def is_reloader_watcher(debug: bool, environ=os.environ, argv=sys.argv) -> bool:
    """True in the parent process of `flask run` with the reloader on: it only watches
    files and restarts the child (WERKZEUG_RUN_MAIN=true), which serves requests.

    `flask run` turns debug on after create_app returns, so FLASK_DEBUG (which --debug
    sets too) is read here as well as app.debug.
    """
    if environ.get("WERKZEUG_RUN_MAIN") == "true":
        return False
    flag = environ.get("FLASK_DEBUG", "")
    debug = debug or (bool(flag) and flag.lower() not in {"0", "false", "no"})
    return "--reload" in argv or (debug and "--no-reload" not in argv)


def in_process_refusal(app: Flask, environ=os.environ, argv=sys.argv) -> str | None:
    """Why the dispatcher must not start inside this process, or None when it should."""
    if not app.config.get("SCHEDULER_IN_PROCESS"):
        return "SCHEDULER_IN_PROCESS is off"
    if app.testing:
        return "tests call the dispatcher directly"
    if is_reloader_watcher(app.debug, environ, argv):
        return "this is the reloader's watcher process"
    if _in_process:
        return "already running in this process"
    return None


def start_in_process(app: Flask) -> BackgroundScheduler | None:
    """Called by create_app: start the background dispatcher when the flag allows it."""
    if in_process_refusal(app) is not None:
        return None
    scheduler = build_scheduler(app, blocking=False)
    scheduler.start()
    _in_process["scheduler"] = scheduler
    app.extensions["reminder_scheduler"] = scheduler
    atexit.register(stop_in_process)
    app.logger.info("Reminder dispatcher running inside this process every %s s "
                    "(SCHEDULER_IN_PROCESS=1).", app.config["DISPATCH_INTERVAL_SECONDS"])
    announce_mail_transport(app)
    return scheduler


def stop_in_process() -> None:
    scheduler = _in_process.pop("scheduler", None)
    if scheduler is not None and scheduler.running:
        scheduler.shutdown(wait=True)


def announce_mail_transport(app: Flask, *, log: bool = True) -> str:
    """Say where e-mails go; without SMTP settings that is a folder on this machine."""
    line = f"Reminder e-mails go to {transport(app).describe()}."
    if log:
        app.logger.log(logging.INFO if app.config.get("SMTP_HOST") else logging.WARNING, line)
    return line
