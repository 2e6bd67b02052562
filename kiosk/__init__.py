"""The drop-in front desk: kiosk check-in, live queue, Call next and the waiting-room display."""
import os
import secrets
from pathlib import Path

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx
from werkzeug.middleware.proxy_fix import ProxyFix

from . import cli, db, files, i18n, web
from .dropin.schedule import Schedule
from .migrations import migrate
from .people import accounts
from .web.idle_polls import IdlePolls
from .web.session_cookie import SessionInterface

csrf = CSRFProtect()
htmx = Htmx()
ROOT = Path(__file__).resolve().parent.parent


def create_app(config=None, **overrides):
    """Build the app from a config class (default from KIOSK_CONFIG, else development) plus overrides."""
    app = Flask(__name__, instance_path=str(ROOT / "instance"),
                template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"))
    from config import DevelopmentConfig  # noqa: PLC0415 - config.py sits beside the package, not in it
    app.config.from_object(config or os.environ.get("KIOSK_CONFIG") or DevelopmentConfig)
    app.session_interface = SessionInterface()
    app.config.update(overrides)
    _keep_instance_private(app)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(app)

    db.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    # Built once from the settings, so a mistake in them stops the app here, not on a visitor's tap.
    app.extensions["dropin_schedule"] = Schedule.from_config(app.config)
    accounts.init_app(app)
    i18n.init_app(app)
    web.init_app(app)
    cli.register(app)
    # Screens asking whether anything changed, answered before Flask when nothing has (web/idle_polls.py).
    app.wsgi_app = IdlePolls(app, app.wsgi_app)
    if app.config.get("TRUST_PROXY"):
        # Behind a reverse proxy that terminates HTTPS: trust its X-Forwarded-* headers (one hop).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

    if not app.config.get("SKIP_MIGRATE"):
        with app.app_context():
            migrate()
    return app


def _keep_instance_private(app):
    """instance/ holds the database and the secret key: found open to other accounts, it is narrowed."""
    folder = Path(app.instance_path)
    if folder.is_dir():
        files.narrow(folder, files.PRIVATE_FOLDER, app.logger)
        for path in folder.iterdir():
            if path.is_file():
                files.narrow(path, files.PRIVATE_FILE, app.logger)


def _instance_secret(app):
    """A secret key made once per install and kept in instance/, so sign-ins survive a restart."""
    path = Path(app.instance_path) / "secret_key"
    files.private_folder(path.parent)
    try:
        with open(path, "x", opener=files.private_opener) as new:
            new.write(secrets.token_hex(32))
    except FileExistsError:
        pass
    return path.read_text().strip()
