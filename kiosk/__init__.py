"""The drop-in front desk: kiosk check-in, live queue, Call next and the waiting-room display."""
import os
import secrets
from pathlib import Path

from flask import Flask, abort, has_request_context, render_template, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError, CSRFProtect
from htmx_flask import Htmx
from werkzeug.exceptions import HTTPException, default_exceptions

from . import db
from .errors import Refused

csrf = CSRFProtect()
htmx = Htmx()
ROOT = Path(__file__).resolve().parent.parent


class SessionInterface(SecureCookieSessionInterface):
    """The signed session cookie, marked Secure when configured and whenever the request came over HTTPS."""

    def get_cookie_secure(self, app):
        return super().get_cookie_secure(app) or (has_request_context() and request.is_secure)


def create_app(config=None, **overrides):
    """Build the app from a config class (default from KIOSK_CONFIG, else development) plus overrides."""
    app = Flask(__name__, instance_path=str(ROOT / "instance"),
                template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"))
    from config import DevelopmentConfig  # noqa: PLC0415 - config.py sits beside the package
    app.config.from_object(config or os.environ.get("KIOSK_CONFIG") or DevelopmentConfig)
    app.session_interface = SessionInterface()
    app.config.update(overrides)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(app)

    if app.config.get("TRUST_PROXY"):
        # Behind a reverse proxy that terminates HTTPS: trust its X-Forwarded-* headers (one hop).
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    db.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)

    from .auth import login_manager
    login_manager.init_app(app)
    from .limits import limiter
    limiter.init_app(app)

    from . import filters
    filters.init_app(app)

    from .account.routes import bp as account_bp
    from .admin import bp as admin_bp
    from .admin.devices import enrol_bp
    from .auth.routes import bp as auth_bp
    from .cases.routes import bp as cases_bp
    from .checkin.routes import bp as checkin_bp
    from .display.routes import bp as display_bp
    from .staff.routes import bp as staff_bp
    from .ticket.routes import bp as ticket_bp
    for blueprint in (account_bp, admin_bp, enrol_bp, auth_bp, cases_bp, checkin_bp, display_bp, staff_bp, ticket_bp):
        app.register_blueprint(blueprint)

    from .cli import register
    register(app)
    _register_errors(app)
    _register_headers(app)
    _register_form_bodies(app)

    if not app.config.get("SKIP_MIGRATE"):
        from .migrations import migrate
        with app.app_context():
            migrate()
    return app


def _instance_secret(app):
    """A secret key made once per install and kept in instance/, so sign-ins survive a restart."""
    path = Path(app.instance_path) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _register_errors(app):
    def render_error(status, message):
        template = "_error_fragment.html" if request.htmx else "error.html"
        response = app.make_response((render_template(template, status=status, message=message), status))
        if request.htmx:
            response.headers["HX-Retarget"] = "#flash"
            response.headers["HX-Reswap"] = "innerHTML"
            response.headers["HX-Trigger"] = "queue-changed"
        return response

    @app.errorhandler(Refused)
    def refused(error):
        return render_error(error.status, error.message)

    @app.errorhandler(OverflowError)
    def number_too_big(error):
        # An id in an address or a form beyond what the database can hold (/cases/99999999999999999999):
        # no such record can exist, so it is a 404, not a 500.
        return render_error(404, "There is no record with that number.")

    @app.errorhandler(CSRFError)
    def csrf_failed(error):
        return render_error(400, "This form has expired or was not sent from this app. "
                                 "Reload the page and try again.")

    @app.errorhandler(HTTPException)
    def http_error(error):
        messages = {
            400: "Something in that request was not right. Go back and try again.",
            403: "You do not have access to that page.",
            404: "There is nothing at this address.",
            405: "That page cannot be used that way.",
            413: "That was too much to send at once.",
            429: "Too many attempts.",
        }
        # A description given to abort() is a message for the person; werkzeug's own defaults are not.
        default = default_exceptions.get(error.code)
        own = error.description and error.description != getattr(default, "description", None)
        description = error.description if own else None
        message = description or messages.get(error.code, error.name)
        if error.code == 429:
            message += " Please wait a few minutes and try again, or ask a manager."
        return render_error(error.code, message)


def _register_headers(app):
    @app.after_request
    def security_headers(response):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
            "form-action 'self'")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response


def _register_form_bodies(app):
    @app.before_request
    def plain_forms_only():
        """Every form here is plain fields. Flask-WTF would hand a form an upload (as a field's value, where a
        validator expecting text fails with a 500) or a JSON body (numbers, lists, null); neither is ever sent.

        Nor is a NUL character, which no keyboard types: PostgreSQL refuses any text holding one (a 500 there,
        on a failed sign-in's audit row, a search, a ticket address), so it is refused here for both databases.
        """
        if _has_nul():
            abort(400, "That contained a character that cannot be used. Please try again.")
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return None
        if request.is_json:
            abort(415, "Send this from the form on the page.")
        if request.files:
            abort(400, "This form does not take files.")
        return None


def _has_nul():
    parts = [request.path, *request.headers.values()]
    for values in (request.args, request.form) if request.method not in ("GET", "HEAD") else (request.args,):
        for key, value in values.items(multi=True):
            parts += (key, value)
    return any("\x00" in (part or "") for part in parts)  # a mangled multipart part can have no name
