"""Security headers and cookies on every response, and no inline script or style anywhere."""
import re

import pytest

from kiosk import ROOT
from kiosk.dropin import devices
from kiosk.web.access import set_device_cookie
from kiosk.dropin.models import Device

from ..factories import PASSWORD, make_staff, make_ticket
from ..pages import poll_version, unchanged

REQUIRED_CSP = {"default-src": "'self'", "object-src": "'none'", "base-uri": "'none'", "frame-ancestors": "'none'"}
HTTPS = {"base_url": "https://localhost"}


def csp(response):
    header = response.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in filter(None, (p.strip() for p in header.split(";"))):
        name, _, value = part.partition(" ")
        assert name not in directives, f"{name} given twice"
        directives[name] = value.strip()
    return directives


def assert_secure_headers(response, https=False, where=""):
    policy = csp(response)
    for name, value in REQUIRED_CSP.items():
        assert policy.get(name) == value, (where, name, policy)
    assert not any("unsafe" in value or "*" in value or "data:" in value for value in policy.values()), where
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where
    assert response.headers.get("Referrer-Policy") in ("same-origin", "no-referrer", "strict-origin"), where
    if not where.startswith("/static/") and not where.endswith("/qr.svg"):
        # Case records, names in queues, staff lists: never kept by a browser's or a proxy's cache.
        assert response.headers.get("Cache-Control") == "no-store", where
    hsts = response.headers.get("Strict-Transport-Security")
    if https:
        assert hsts and int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 180 * 24 * 3600, where
    else:
        assert hsts is None, f"HSTS over plain HTTP: {where}"


def assert_no_inline_code(body, where):
    scripts = re.findall(r"<script\b[^>]*>", body, re.I)
    assert all(re.search(r"\bsrc=", tag) for tag in scripts), (where, scripts)
    assert not re.search(r"<style\b", body, re.I), where
    assert not re.search(r"\sstyle\s*=", body, re.I), where
    assert not re.search(r"\son[a-z]+\s*=", body, re.I), where
    assert not re.search(r"\shx-on\b|javascript:", body, re.I), where


def every_get_url(app):
    """Every GET route, with ids of records that exist so each page really renders."""
    manager = make_staff("manager")
    ticket = make_ticket(name="Sam")
    _, code = devices.make_link("Spare", "display", manager)
    ids = {"ticket_id": ticket.id, "token": ticket.token, "code": code, "user_id": manager.id,
           "device_id": Device.get().id, "filename": "js/live.js"}
    urls = app.url_map.bind("localhost")
    found = []
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and set(rule.arguments) <= set(ids):
            found.append(urls.build(rule.endpoint, {arg: ids[arg] for arg in rule.arguments}))
    return manager, found


def sign_in(client, user, **kw):
    response = client.post("/login", data={"username": user.username, "password": PASSWORD}, **kw)
    assert response.status_code == 302
    return response


@pytest.mark.parametrize("https", [False, True])
def test_every_page_has_the_security_headers(app, client, bare_client, https):
    kw = HTTPS if https else {}
    manager, urls = every_get_url(app)
    assert "/staff/queue" in urls and "/admin/audit" in urls and "/kiosk/" in urls and len(urls) > 20
    responses = [(url, bare_client.get(url, **kw)) for url in urls]  # signed out: redirects, 403s, public pages
    responses.append(("sign-in", sign_in(client, manager, **kw)))
    responses += [(url, client.get(url, **kw)) for url in urls]
    responses += [
        ("404", client.get("/nowhere", **kw)), ("405", client.get("/logout", **kw)),
        ("ticket poll", client.get(f"/t/{make_ticket().token}/live?v=nothing", **kw)),
        ("post", client.post("/staff/walk-in", data={"visit_for": "self"}, **kw)),
        ("htmx post", client.post("/staff/walk-in", data={"visit_for": "x"}, headers={"HX-Request": "1"}, **kw)),
    ]
    ticket = make_ticket()  # polls answered that nothing changed, before Flask (web/idle_polls.py)
    for page, live in ((f"/t/{ticket.token}", f"/t/{ticket.token}/live"), ("/staff/queue", "/staff/queue/live"),
                       ("/display/", "/display/live")):
        answer = client.get(f"{live}?v={poll_version(client.get(page, **kw))}", **kw)
        assert unchanged(answer), live
        responses.append((f"unchanged {live}", answer))
    statuses = {response.status_code for _, response in responses}
    assert {200, 302, 303, 400, 403, 404, 405} <= statuses
    for where, response in responses:
        assert_secure_headers(response, https, where)
        response.close()


def test_pages_carry_no_inline_script_style_or_handlers(app, client):
    manager, urls = every_get_url(app)
    sign_in(client, manager)
    pages = [(url, client.get(url)) for url in urls]
    pages.append(("two-factor set-up, with its QR code", client.get("/account/two-factor")))
    pages.append(("device link, with its QR code",
                  client.post("/admin/devices/link", data={"name": "Screen", "kind": "display"})))
    checked = 0
    for where, response in pages:
        if response.mimetype in ("text/html", "image/svg+xml"):
            assert_no_inline_code(response.get_data(as_text=True), where)
            checked += 1
        response.close()
    assert checked > 20


def test_templates_and_static_files_hold_no_inline_script_or_style():
    files = [p for folder in ("templates", "static") for p in (ROOT / folder).rglob("*")
             if p.suffix in (".html", ".svg") and "vendor" not in p.parts]
    assert len(files) > 30
    for path in files:
        assert_no_inline_code(path.read_text(), str(path.relative_to(ROOT)))
    for path in (ROOT / "static" / "js").glob("*.js"):
        source = path.read_text()
        assert not re.search(r"\beval\(|new Function|setAttribute\(\s*['\"](style|on)", source), path.name
    # htmx would add a <style> of its own unless told not to; the CSP would then block it and complain.
    config = re.search(r'name="htmx-config" content=\'([^\']*)\'', (ROOT / "templates/base.html").read_text())
    assert '"includeIndicatorStyles": false' in config.group(1) and '"allowEval": false' in config.group(1)


def test_htmx_is_served_from_here_not_a_cdn():
    base = (ROOT / "templates/base.html").read_text()
    assert not re.search(r"""(src|href)=["']https?://""", base)
    assert (ROOT / "static/vendor/htmx.min.js").stat().st_size > 10_000


def cookie_header(response, name):
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(name + "=")]
    return cookie


def test_the_session_cookie_is_httponly_and_lax(app, bare_client):
    cookie = cookie_header(sign_in(bare_client, make_staff("reception")), "session")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_cookies_are_secure_over_https(app, bare_client):
    cookie = cookie_header(sign_in(bare_client, make_staff("manager"), **HTTPS), "session")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    enrolled = bare_client.post("/admin/devices", data={"name": "Tablet", "kind": "kiosk"}, **HTTPS)
    cookie = cookie_header(enrolled, "kiosk_device")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_the_secure_setting_marks_cookies_secure_even_behind_a_plain_http_proxy(make_app):
    app = make_app(SESSION_COOKIE_SECURE=True)
    response = app.test_client().post("/login", data={"username": make_staff("reception").username,
                                                      "password": PASSWORD})
    assert "Secure" in cookie_header(response, "session")
    with app.test_request_context("/admin/devices", method="POST"):
        response = app.response_class()
        set_device_cookie(response, "kiosk", "a-token")
    assert "Secure" in cookie_header(response, "kiosk_device")


def test_behind_an_https_proxy_hsts_is_sent_and_cookies_are_secure(make_app):
    app = make_app(TRUST_PROXY=True)
    client = app.test_client()
    user = make_staff("reception")
    plain = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert_secure_headers(plain, https=False, where="proxy, plain http")
    assert "Secure" not in cookie_header(plain, "session")
    proxied = app.test_client().post("/login", data={"username": user.username, "password": PASSWORD},
                                     headers={"X-Forwarded-Proto": "https"})
    assert_secure_headers(proxied, https=True, where="proxy, https")
    assert "Secure" in cookie_header(proxied, "session")


def test_error_responses_carry_the_headers_too(app, client):
    make_staff("reception", "rhona")
    for _ in range(10):
        client.post("/login", data={"username": "rhona", "password": "wrong"})
    responses = [client.post("/kiosk/check-in", data={"name": "x" * 100_000}), client.get("/t/unknown-token"),
                 client.post("/login", data={"username": "rhona", "password": "wrong"})]
    assert [response.status_code for response in responses] == [413, 404, 429]
    for response in responses:
        assert_secure_headers(response, where=str(response.status_code))


def test_no_page_can_be_framed_or_sniffed_even_static_files(app, bare_client):
    for url in ("/static/js/live.js", "/static/css/app.css", "/static/favicon.svg"):
        response = bare_client.get(url)
        assert response.status_code == 200
        assert_secure_headers(response, where=url)
        assert response.headers["X-Frame-Options"] == "DENY"
        response.close()

