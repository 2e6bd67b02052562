"""Command-line tasks: migrate, create-user, demo."""
import click
from flask import current_app

from .auth import create_user
from .migrations import migrate
from .models import ROLES, StaffUser


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
        if len(password) < 12:
            raise click.ClickException("Use a password of at least 12 characters.")
        user = create_user(username, display_name, role, password)
        click.echo(f"Created {user.role} {user.username}.")

    @app.cli.command("demo")
    def demo_command():
        """Load demo data: a session in progress with tickets in every state."""
        from .demo import load_demo
        for line in load_demo():
            click.echo(line)
