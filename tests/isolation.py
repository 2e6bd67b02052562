"""Give each request its own flask.g, as it has when the app is served.

The `app` fixture keeps an app context pushed for the whole test, and a request
reuses it, so every request from every test client would otherwise share one g:
Flask-Login's loaded user (and Flask-WTF's token) would leak from one browser,
or one sign-in, to the next. Session time-outs, sign-out and role checks across
several browsers cannot be tested honestly without this.
"""
from flask import g, request_started


def own_g_per_request(app):
    request_started.connect(_fresh_g, app)


def _fresh_g(sender, **extra):
    for name in list(g):
        g.pop(name)
