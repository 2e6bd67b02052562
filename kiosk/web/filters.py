"""Template filters (times in the office's time zone, the ISO stamps ticking clocks read) and what every page knows."""
from datetime import timezone

from ..dropin.schedule import schedule
from markupsafe import Markup, escape

from ..offices.models import current_office_id, offices_of
from ..offices.timetable import office_facts


def local_time(value):
    if value is None:
        return ""
    local = schedule().to_local(value)
    return f"{local.hour % 12 or 12}:{local.minute:02d}{'am' if local.hour < 12 else 'pm'}"


def local_date(value):
    if value is None:
        return ""
    local = schedule().to_local(value)
    return f"{local:%A} {local.day} {local:%B}"


class OfficePhone:
    """The phone number of this request's office, read only when a page shows it."""

    def __str__(self):
        return office_facts().phone

    def __html__(self):
        return str(escape(str(self)))


def iso_utc(value):
    return value.replace(tzinfo=timezone.utc).isoformat() if value else ""


def since(value, now):
    """How many whole minutes ago `value` was, in a <time> that staff.js keeps ticking. A function rather than a
    macro: the queue shows one per row, drawn after every change, and a macro call costs Jinja several times this."""
    stamp, minutes = iso_utc(value), int((now - value).total_seconds() // 60)
    return Markup(f'<time class="since" datetime="{stamp}" data-since="{stamp}">{minutes} min</time>')


def init_app(app):
    app.add_template_global(since)
    app.add_template_filter(local_time)
    app.add_template_filter(local_date)
    app.add_template_filter(iso_utc)

    @app.context_processor
    def service_details():
        return {"service_name": app.config["SERVICE_NAME"], "service_phone": OfficePhone(),
                "poll_seconds": app.config["POLL_SECONDS"],
                "offices_of": offices_of, "current_office_id": current_office_id}
