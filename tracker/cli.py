"""Flask commands: demo data, the procedure record and user administration."""

import click
from flask import Flask, current_app

from tracker import demo
from tracker.auth import services as auth_services
from tracker.models import Role
from tracker.procedures import services as procedure_services


def register(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(procedure_group)
    app.cli.add_command(users_group)


@click.command("seed-demo")
def seed_demo_command():
    """Load the procedure record and the synthetic demo data (safe to run again)."""
    logins = demo.seed_demo(current_app)
    click.echo("Demo data is ready. Demo sign-ins (synthetic accounts):")
    for role, email, password in logins:
        click.echo(f"  {role:<12} {email:<30} {password}")


@click.group("procedure")
def procedure_group():
    """The procedure record (CPT 99601 / 99602)."""


@procedure_group.command("load")
@click.option("--file", "path", type=click.Path(exists=True, dir_okay=False), default=None)
def procedure_load(path):
    """Store a new version of the record when the file changed."""
    current = procedure_services.load_file(path or current_app.config["PROCEDURE_RECORD_FILE"])
    for record in current:
        click.echo(f"{record.code} is now version {record.version}.")
    if not current:
        click.echo("The procedure record is up to date.")


@click.group("users")
def users_group():
    """User accounts."""


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--timezone", default="America/New_York", show_default=True)
@click.option("--patient-id", type=int, default=None, help="For a patient account.")
@click.password_option(help="Prompted for when not given.")
def users_create(email, name, role, timezone, patient_id, password):
    """Create a user account."""
    try:
        user = auth_services.create_user(email=email, name=name, role=role, password=password,
                                         timezone=timezone, patient_id=patient_id)
    except auth_services.UserError as error:
        raise click.UsageError(f"{error.field}: {error.message}") from None
    click.echo(f"Created {user.role} account {user.email} (id {user.id}).")


@users_group.command("deactivate")
@click.option("--email", required=True)
def users_deactivate(email):
    """Deactivate an account and end its sessions."""
    user = auth_services.find_user_by_email(email)
    if user is None:
        raise click.UsageError("No account with that e-mail.")
    auth_services.set_active(user, False, by=None)
    click.echo(f"Deactivated {user.email}.")
