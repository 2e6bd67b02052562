"""Plain helpers for reading responses the way a person or htmx would."""
import html
import re
from urllib.parse import parse_qs, urlsplit

from bench.page_readers import visit_key


def text(response):
    """The words on the page: tags removed, entities decoded, whitespace collapsed."""
    body = response.get_data(as_text=True)
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    body = re.sub(r"<[^>]+>", " ", body)
    return " ".join(html.unescape(body).split())


def poll_version(response):
    """The version a polling fragment carries in its hx-get address."""
    match = re.search(r'hx-get="([^"]*/live\?[^"]*)"', response.get_data(as_text=True))
    assert match, "no polling fragment on the page"
    return parse_qs(urlsplit(html.unescape(match.group(1))).query)["v"][0]


def unchanged(response):
    """A poll's answer that nothing changed: empty, htmx told to swap nothing, nothing else done."""
    return (response.status_code == 200 and response.get_data() == b"" and response.headers.get("HX-Reswap") == "none"
            and "Set-Cookie" not in response.headers)


def start_visit(client):
    """Tap Get a ticket on the kiosk's Welcome: the new visit's request key, which its step forms carry."""
    client.get("/kiosk/")
    return visit_key(client.get("/kiosk/who").get_data(as_text=True))


def session_cookie(client):
    """What the session cookie says to anyone who sees it: Flask signs it but does not encrypt it."""
    import base64
    import zlib
    cookie = client.get_cookie("session")
    if cookie is None:
        return ""
    payload = cookie.value.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return (zlib.decompress(raw) if cookie.value.startswith(".") else raw).decode()


CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def assert_own_csrf_token(app, client, response):
    """The fragment carries one CSRF token, and it is this browser's own: a copy drawn for another screen
    had its token put in for this one."""
    from flask import session  # noqa: PLC0415
    from flask_wtf.csrf import validate_csrf  # noqa: PLC0415

    tokens = set(CSRF_FIELD.findall(response.get_data(as_text=True)))
    assert len(tokens) == 1, tokens
    with client.session_transaction() as kept:
        raw = kept["csrf_token"]
    with app.test_request_context():
        session["csrf_token"] = raw
        validate_csrf(tokens.pop())  # raises when the token is not this session's
