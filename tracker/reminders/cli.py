"""`flask scheduler run`: the reminder dispatcher as its own process."""

import contextlib
import signal

import click
from flask import current_app

from tracker.reminders import scheduler as reminder_scheduler
from tracker.reminders.dispatch import dispatch_due


@click.group("scheduler")
def scheduler_group():
    """The reminder dispatcher (one process beside the web workers)."""


@scheduler_group.command("run")
@click.option("--once", is_flag=True,
              help="Deliver what is due now, then exit (for a check or a cron job).")
def scheduler_run(once: bool):
    """Run the dispatcher every DISPATCH_INTERVAL_SECONDS until stopped (Ctrl+C, SIGTERM)."""
    app = current_app._get_current_object()
    # This process is the dispatcher: a second one started by SCHEDULER_IN_PROCESS would
    # only duplicate work.
    reminder_scheduler.stop_in_process()
    click.echo(reminder_scheduler.announce_mail_transport(app, log=False))
    if once:
        click.echo(f"Reminder dispatch: {dispatch_due()}.")
        return
    scheduler = reminder_scheduler.build_scheduler(app, blocking=True)

    def stop(signum, _frame):
        click.echo("Stopping the reminder dispatcher after the current run...")
        scheduler.shutdown(wait=True)

    signal.signal(signal.SIGTERM, stop)
    click.echo(f"Reminder dispatcher running every {app.config['DISPATCH_INTERVAL_SECONDS']} s. "
               "Press Ctrl+C to stop.")
    with contextlib.suppress(KeyboardInterrupt, SystemExit):  # Ctrl+C: a normal stop
        scheduler.start()
