"""How the bench's simulated people read the pages they are served: tokens, versions, numbers, the desk.

Kept apart from the locust modules (which patch the standard library when
imported) so a test can check them against the pages the app really serves.
"""
import re

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
VERSION_RE = re.compile(r'live\?v=([^"&]+)')
NUMBER_RE = re.compile(r'class="num">\s*(\d+)')
TICKET_NUMBER_RE = re.compile(r'id="ticket-number">\s*(\d+)')
# The desk's Done form: the state it expects (group 1) and its ticket (group 2), from one form.
CURRENT_RE = re.compile(r'name="expected_state" value="(\w+)">(?:(?!</form>).)*?id="desk-finish-(\d+)"', re.DOTALL)
CALLING_RE = re.compile(r"Calling (\d+)")
# The kiosk visit's request key, which its step forms carry.
VISIT_KEY_RE = re.compile(r'name="k" value="([0-9a-f]{32})"')


def csrf_token(html):
    match = CSRF_RE.search(html)
    if not match:
        raise RuntimeError("no csrf_token in the page")
    return match.group(1) or match.group(2)


def visit_key(html):
    match = VISIT_KEY_RE.search(html)
    if not match:
        raise RuntimeError("no kiosk visit key in the page")
    return match.group(1)


def page_version(html):
    match = VERSION_RE.search(html)
    return match.group(1) if match else "none"


def desk_current(html):
    """(ticket id, state) of the visitor the desk says this keyworker has, or None."""
    match = CURRENT_RE.search(html)
    return (int(match.group(2)), match.group(1)) if match else None
