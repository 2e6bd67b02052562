"""Managers enrol this browser as a kiosk or a display, list enrolled devices and revoke them."""
from flask import flash, make_response, redirect, render_template, url_for
from flask_login import current_user

from .. import devices
from ..auth import roles_required
from ..errors import BadInput
from ..models import Device
from . import bp
from .forms import EnrolForm

managers_only = roles_required("manager")


@bp.route("/devices")
@managers_only
def device_list():
    listed = list(Device.select().order_by(Device.revoked_at.is_null(False), Device.kind, Device.name))
    this_browser = {kind: devices.current(kind) for kind in devices.KINDS}
    return render_template("admin/devices.html", devices=listed, form=EnrolForm(), kinds=devices.KINDS,
                           this_browser=this_browser)


@bp.route("/devices", methods=["POST"])
@managers_only
def device_enrol():
    form = EnrolForm()
    if not form.validate():
        raise BadInput(next(iter(form.errors.values()))[0])
    device, token = devices.enrol(form.name.data, form.kind.data, current_user._get_current_object())
    flash(f"This browser is now the {devices.KINDS[device.kind].lower()} “{device.name}”. "
          f"Open {url_for('checkin.welcome' if device.kind == 'kiosk' else 'display.board')} on it.")
    response = make_response(redirect(url_for("admin.device_list"), code=303))
    devices.set_cookie(response, device.kind, token)
    return response


@bp.route("/devices/<int:device_id>/revoke", methods=["POST"])
@managers_only
def device_revoke(device_id):
    device = devices.revoke(device_id, current_user._get_current_object())
    flash(f"“{device.name}” is no longer enrolled.")
    return redirect(url_for("admin.device_list"), code=303)
