"""Command-line tasks: migrate, create-user, purge, backup, housekeeping, add-office, staff-offices, demo."""
import click
from flask import current_app

from .backup import backup
from .demo import is_demo_database, load_demo
from .errors import BadInput
from .housekeeping import run_due, status
from .migrations import migrate
from .offices.models import Office
from .offices.services import add_office, set_offices
from .people.accounts import any_staff, create_user, password_problem, setup_code
from .people.models import ROLES, StaffUser
from .retention import purge


def register(app):
    @app.cli.command("migrate")
    def migrate_command():
        """Create the database or bring it to the current schema."""
        applied = migrate()
        where = "the PostgreSQL database" if current_app.config.get("DATABASE_URL") else current_app.config["SQLITE_PATH"]
        click.echo(f"Database ready at {where}" + (f" (applied {', '.join(applied)})." if applied else "."))

    @app.cli.command("create-user")
    @click.option("--username", prompt=True)
    @click.option("--name", "display_name", prompt="Full name")
    @click.option("--role", type=click.Choice(ROLES), prompt=True)
    @click.password_option()
    def create_user_command(username, display_name, role, password):
        """Add a staff account (reception, keyworker or manager)."""
        if StaffUser.get_or_none(StaffUser.username == username.strip().lower()):
            raise click.ClickException(f"There is already a user called {username}.")
        problem = password_problem(password, username, display_name)
        if problem:  # the same rules as every other way of setting a password
            raise click.ClickException(problem)
        user = create_user(username, display_name, role, password)
        click.echo(f"Created {user.role} {user.username}.")

    @app.cli.command("purge")
    @click.option("--days", type=int, default=None, help="Keep ticket names and notes this many days.")
    def purge_command(days):
        """Remove names, notes and needs from old tickets; list long-closed cases and family records whose
        consent was withdrawn as long ago, for review."""
        days = days if days is not None else current_app.config["TICKET_RETENTION_DAYS"]
        years = current_app.config["CLOSED_CASE_REVIEW_YEARS"]
        cleared, to_review, families = purge(days, years)
        click.echo(f"Cleared names, notes and needs from {cleared} tickets older than {days} days.")
        if to_review:
            click.echo(f"Closed more than {years} years ago, for review:")
            for case in to_review:
                click.echo(f"  {case.reference} closed {case.closed_at:%d/%m/%Y}")
        else:
            click.echo(f"No cases closed more than {years} years ago.")
        if families:
            # By number, not name: the command's output may end up in a log.
            click.echo(f"Family records whose consent was withdrawn more than {years} years ago, for review:")
            for member in families:
                click.echo(f"  family record {member.id} (/cases/family/{member.id}) "
                           f"withdrawn {member.consent_withdrawn_on:%d/%m/%Y}")
        else:
            click.echo(f"No family records with consent withdrawn more than {years} years ago.")

    @app.cli.command("setup-code")
    def setup_code_command():
        """Print the code the first-run page (/setup) asks for, while there are no staff accounts."""
        if any_staff():
            raise click.ClickException("There are staff accounts already: the first-run page is closed.")
        click.echo(setup_code(current_app.secret_key))

    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False))
    def backup_command(path):
        """Write a consistent copy of the live database to PATH (safe while the app serves): SQLite's online
        backup, or pg_dump's custom format for PostgreSQL (restore it with pg_restore)."""
        try:
            written = backup(path)
        except (FileExistsError, RuntimeError) as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"Backup written to {written}.")

    @app.cli.command("housekeeping")
    def housekeeping_command():
        """Run the daily jobs (purge, backup) not yet run today by any process, and say how each last went."""
        ran = run_due()
        for job, row in sorted(status().items()):
            when = f"{row.last_day:%d/%m/%Y}" if row.last_day else "never"
            click.echo(f"{job}: {'ran now' if job in ran else 'last claimed for ' + when}: {row.outcome or '-'}")

    @app.cli.command("add-office")
    @click.argument("name")
    def add_office_command(name):
        """Add an office with its own sessions, queue, rooms and devices."""
        try:
            office = add_office(name.strip())
        except BadInput as error:
            raise click.ClickException(error.message) from None
        click.echo(f"Added office {office.name} (number {office.id}) with rooms {', '.join(r.name for r in office.rooms)}.")

    @app.cli.command("staff-offices")
    @click.argument("username")
    @click.argument("offices", nargs=-1, required=True)
    def staff_offices_command(username, offices):
        """Say which offices a member of staff works at (names as given to add-office)."""
        user = StaffUser.get_or_none(StaffUser.username == username.strip().lower())
        if user is None:
            raise click.ClickException(f"There is no user called {username}.")
        found = [Office.get_or_none(Office.name == name) for name in offices]
        if None in found:
            missing = [name for name, office in zip(offices, found) if office is None]
            raise click.ClickException(f"No office called {', '.join(missing)}.")
        set_offices(user, found)
        click.echo(f"{user.username} works at {', '.join(s.name for s in found)}.")

    @app.cli.command("demo")
    def demo_command():
        """Load demo data into the demo database: a session in progress with tickets in every state."""
        if not is_demo_database(current_app.config):
            raise click.ClickException("The demo's accounts have a published password, so they go only into the "
                                       "demo's own database. Run `make demo` to try the app.")
        for line in load_demo():
            click.echo(line)
