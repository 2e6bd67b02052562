"""Template filters: times in the office's time zone, and the ISO stamps ticking clocks read."""
from datetime import timezone

from .sessions import schedule
from .sites import current_site_id, offices_of


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


def iso_utc(value):
    return value.replace(tzinfo=timezone.utc).isoformat() if value else ""


def init_app(app):
    app.add_template_filter(local_time)
    app.add_template_filter(local_date)
    app.add_template_filter(iso_utc)

    @app.context_processor
    def service_details():
        return {"service_name": app.config["SERVICE_NAME"], "service_phone": app.config["SERVICE_PHONE"],
                "offices_of": offices_of, "current_site_id": current_site_id}
