"""What staff screens answer: an action's message and nudge (htmx) or redirect (a plain form), a form's
first problem as a 400, and a staff screen's poll."""
from flask import flash, redirect, render_template, request
from flask_login import current_user
from htmx_flask import make_response

from ..dropin import copies, live
from ..errors import BadInput
from ..offices.models import current_office_id
from ..people import sign_in
from .access import refusal


def done(message, back):
    """After an action: htmx gets the message and a nudge to refresh; a plain form gets a redirect."""
    if request.htmx:
        response = make_response(render_template("_flash_fragment.html", message=message),
                                 trigger="queue-changed")
        response.headers["HX-Retarget"] = "#flash"
        response.headers["HX-Reswap"] = "innerHTML"
        return response
    flash(message)
    return redirect(back, code=303)


def refuse(form):
    """A form that did not validate: its first message, as a 400 (see the error pages)."""
    raise BadInput(next(iter(form.errors.values()))[0])


def valid(form):
    """The form, when what was sent passes its checks; otherwise its first problem, as a 400."""
    if not form.validate():
        refuse(form)
    return form


def staff_poll(template, context, shared=False, own=False, keep=None):
    """A staff screen's poll (see dropin/live.py): nothing (live.UNCHANGED) for an unchanged version, else its fragment,
    rendered from `context()`; `shared` fragments are one copy per version for every screen of the office and
    role, and `own` ones (the keyworker's desk) one copy per version for each person's screens; `keep(context)`
    is kept with a copy (copies.shared_render)."""
    def render(key):
        if shared or own:
            slot = copies.copy_slot(template, current_office_id(), current_user.role, current_user.id if own else None)
            return copies.shared_render(template, key, context, slot, keep)
        return render_template(template, version=key, **context())

    if own:  # the desk's key holds what that keyworker's desk shows (live.desk_part)
        queue_version, still_signed_in, desk = sign_in.idle_poll_check(current_office_id(), desk=True)
        return live.answer(render, cheap=lambda: still_signed_in, full=refusal, queue_version=queue_version,
                           desk_of=lambda: int(current_user.get_id()), desk=desk)
    queue_version, still_signed_in = sign_in.idle_poll_check(current_office_id())
    return live.answer(render, cheap=lambda: still_signed_in, full=refusal, queue_version=queue_version)
