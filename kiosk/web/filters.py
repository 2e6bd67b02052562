"""Template filters (times in the office's time zone, the ISO stamps ticking clocks read) and what every page knows."""
from datetime import timezone

from ..dropin.schedule import schedule
from markupsafe import escape

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


def init_app(app):
    app.add_template_filter(local_time)
    app.add_template_filter(local_date)
    app.add_template_filter(iso_utc)

    @app.context_processor
    def service_details():
        return {"service_name": app.config["SERVICE_NAME"], "service_phone": OfficePhone(),
                "poll_seconds": app.config["POLL_SECONDS"],
                "offices_of": offices_of, "current_office_id": current_office_id}
