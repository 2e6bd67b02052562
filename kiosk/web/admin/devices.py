"""Managers enrol a browser as a kiosk or a display (here, or by a one-time link), list and revoke them."""
from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for

from ...dropin import devices
from ..access import managers_only, me, set_device_cookie
from ..qr import qr_svg
from ..respond import valid
from .blueprint import bp
from .forms import EnrolForm

# The one-time link is opened on the tablet or screen itself, by whoever holds it: no sign-in there.
enrol_bp = Blueprint("enrol", __name__, url_prefix="/enrol")


@bp.route("/devices")
@managers_only
def device_list():
    listed = devices.listed()
    this_browser = {kind: devices.current(kind) for kind in devices.KINDS}
    return render_template("admin/devices.html", devices=listed, form=EnrolForm(), kinds=devices.KINDS,
                           this_browser=this_browser)


@bp.route("/devices", methods=["POST"])
@managers_only
def device_enrol():
    form = valid(EnrolForm())
    device, token = devices.enrol(form.name.data, form.kind.data, me())
    flash(f"This browser is now the {devices.KINDS[device.kind].lower()} “{device.name}”. "
          f"Open {url_for('checkin.welcome' if device.kind == 'kiosk' else 'display.board')} on it.")
    response = make_response(redirect(url_for("admin.device_list"), code=303))
    set_device_cookie(response, device.kind, token)
    return response


@bp.route("/devices/link", methods=["POST"])
@managers_only
def device_link():
    form = valid(EnrolForm())
    device, code = devices.make_link(form.name.data, form.kind.data, me())
    link = url_for("enrol.claim", code=code, _external=True)
    return render_template("admin/device_link.html", device=device, link=link, kinds=devices.KINDS,
                           qr=qr_svg.__wrapped__(link))


@enrol_bp.route("/<code>", methods=["GET", "POST"])
def claim(code):
    device = devices.pending(code)
    if request.method == "GET":
        if device is None:
            return render_template("error.html", status=404, message="This enrolment link has been used, has "
                                   "expired or was revoked. Ask a manager for a new one."), 404
        return render_template("admin/claim.html", device=device, kinds=devices.KINDS)
    device, token = devices.claim(code)
    target = url_for("checkin.welcome" if device.kind == "kiosk" else "display.board")
    response = make_response(redirect(target, code=303))
    set_device_cookie(response, device.kind, token)
    return response


@bp.route("/devices/<int:device_id>/revoke", methods=["POST"])
@managers_only
def device_revoke(device_id):
    device = devices.revoke(device_id, me())
    flash(f"“{device.name}” is no longer enrolled.")
    return redirect(url_for("admin.device_list"), code=303)
