"""The web layer: one blueprint per audience, the error pages, and the protections every response gets."""
import time

from flask import abort, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, default_exceptions

from ..errors import Refused
from . import filters, icons
from .access import login_manager
from .account.routes import bp as account_bp
from .admin import bp as admin_bp
from .admin.devices import enrol_bp
from .auth.routes import bp as auth_bp
from .cases import bp as cases_bp
from .checkin.routes import bp as checkin_bp
from .desk.routes import bp as desk_bp
from .display.routes import bp as display_bp
from .limits import limiter
from .reception.routes import bp as reception_bp
from .reports.routes import bp as reports_bp
from .ticket.routes import bp as ticket_bp

BLUEPRINTS = (account_bp, admin_bp, enrol_bp, auth_bp, cases_bp, checkin_bp, desk_bp, display_bp, reception_bp,
              reports_bp, ticket_bp)


def init_app(app):
    login_manager.init_app(app)
    limiter.init_app(app)
    filters.init_app(app)
    icons.init_app(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    _register_errors(app)
    _register_headers(app)
    _register_form_bodies(app)


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
        if error.code == 429 and "wait" not in message:
            message += " Please wait a few minutes and try again, or ask a manager."
        response = render_error(error.code, message)
        if error.code == 429:
            response.headers["Retry-After"] = str(_retry_after(error))
        return response


def _retry_after(error):
    """Seconds until a refused try may be made again: the wait given, or the limit's window's end."""
    if getattr(error, "retry_after", None):
        return int(error.retry_after)
    current = limiter.current_limit
    return max(1, int(current.reset_at - time.time())) if current else 60


# The headers every response gets, each unless the view set its own.
EVERY_RESPONSE = (
    ("Content-Security-Policy", "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
                                "form-action 'self'"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
)
# Case records, queues with names, staff lists: kept by no browser or proxy cache, so the Back
# button on a shared screen, or a proxy's disk, shows nothing after sign-out.
NOT_KEPT = (("Cache-Control", "no-store"),)
OVER_HTTPS = (("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),)


def _register_headers(app):
    @app.after_request
    def security_headers(response):
        wanted = EVERY_RESPONSE if request.endpoint == "static" else EVERY_RESPONSE + NOT_KEPT
        if request.is_secure:
            wanted += OVER_HTTPS
        headers = response.headers
        present = {name.lower() for name, _ in headers}
        headers.extend([(name, value) for name, value in wanted if name.lower() not in present])
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
        # Only a view marked as taking one (the caseload import) is sent a file.
        if request.files and not getattr(app.view_functions.get(request.endpoint), "takes_a_file", False):
            abort(400, "This form does not take files.")
        return None


def _has_nul():
    """Whether the address, a header, the query or a form field holds a NUL. Read from the request as it
    came (the query's decoding makes one only of %00), so that a GET, every poll among them, decodes nothing."""
    if nul_as_sent(request.environ):
        return True
    if request.method in ("GET", "HEAD"):
        return False
    return any("\x00" in (part or "") for key, value in request.form.items(multi=True)
               for part in (key, value))  # a mangled multipart part can have no name


def nul_as_sent(environ):
    """Whether the address, a header or the query, as they came, hold a NUL (in the query, one escaped)."""
    return "\x00" in "".join([value for value in environ.values() if isinstance(value, str)]) \
        or "%00" in environ.get("QUERY_STRING", "")
