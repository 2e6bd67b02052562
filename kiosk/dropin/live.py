"""Live screens: the queue version, the "nothing changed" answer, and every cache polls use.

Reception's queue, the keyworker's desk, the wall display and the visitor's ticket page
refresh themselves every few seconds. Each poll carries the key of what it shows
(`?v=`); while the key is unchanged the answer is empty (see UNCHANGED: htmx then swaps
nothing), which costs one indexed read. The key is the office's queue version, bumped
in the same transaction as every change a screen shows, plus the drop-in slot the clock
is in (a session beginning or a day turning changes screens without any write). A keyworker's
desk holds the office's desk version instead, which a keyworker's Start, Done or No-show leaves
as it was, and what that keyworker's own called tickets are (desk_part): each desk is drawn
again for the changes it shows, not for every visit at every other desk.

To add a polled screen:
  1. render its fragment with `version=poll_key()`, and have the fragment poll
     `url_for(<its live endpoint>, v=version)` every `poll_seconds` seconds, replacing
     itself (as templates/display/_board.html does);
  2. give its live endpoint `return answer(render, cheap=..., full=...)`: `cheap`
     says, without a database read, whether the asker may learn that nothing changed,
     `full` refuses with a response when a real check fails, and `render(key)` makes
     the fragment;
  3. make every write it shows call `bump()` inside its write transaction.

The caches here are all per process and all keyed by the version, so a change made by
another process (gunicorn's workers) is seen at the next poll. The copies of a fragment drawn once
per poll key are copies.py's; those of the queue and the board are also shared between processes
through Redis when there is one (shared_copies.py).

Around an idle poll the web layer keeps its own share small: the signed session cookie is
checked once per cookie and an unchanged session sets none (web/session_cookie.py), the rate
limiter steps aside for polls (web/limits.py), the protective headers come from a fixed list
and the NUL check reads the request as it came, decoding nothing (web/__init__.py). On SQLite the
poll's one read is made without letting go of Python's lock (fetch_one, held_reads.py).
"""
from datetime import datetime

from flask import current_app, g, has_request_context, request
from peewee import JOIN, SQL, Case, fn

from .. import held_reads
from ..clock import utcnow
from ..db import database
from ..offices.models import current_office_id
from ..offices.timetable import timetable
from .models import DropInSession, QueueState, Ticket
from .schedule import schedule

# --- SQL built once -------------------------------------------------------------------------------

# SQL text and where each value goes, by (name, kind of database): see prepared.
_PREPARED = {}
_FIXED = object()


def prepared(name, build, **values):
    """(sql, params) for a query every poll runs, its SQL built once per kind of database.

    `build(**values)` makes the query with peewee; the first time it is built with stand-ins
    for the values, to learn where each goes among the query's parameters (the rest are fixed
    ones of the query itself). Queries of different shapes need different names.
    """
    sql, slots, _ = _entry(name, build, values)
    return sql, [fixed if k is _FIXED else values[k] for k, fixed in slots]


def _entry(name, build, values):
    """(sql, where each value goes, the query built with stand-ins) for `name`, made the first time."""
    key = (name, type(database.obj))
    entry = _PREPARED.get(key)
    if entry is None:
        stand_ins = {k: (-70001 - i if isinstance(v, int) else f"stand-in-{i}-{k}")
                     for i, (k, v) in enumerate(values.items())}
        query = build(**stand_ins)
        sql, params = query.sql()
        names = {v: k for k, v in stand_ins.items()}
        entry = (sql, [(names[p], None) if _hashable(p) and p in names else (_FIXED, p) for p in params], query)
        if {k for k, _ in entry[1] if k is not _FIXED} != set(values):
            raise RuntimeError(f"{name}: not every value reached the query's parameters")
        _PREPARED[key] = entry
    return entry


def _hashable(value):
    try:
        hash(value)
    except TypeError:
        return False
    return True


def fetch_one(sql, params):
    """The first row of a read `prepared` made, or None: on SQLite made with Python's lock held when it can be
    (held_reads.row_from), otherwise through peewee as before."""
    row = held_reads.row_from(database.obj, sql, params)
    return execute(sql, params).fetchone() if row is held_reads.MISSED else row


def execute(sql, params):
    """A cursor for SQL `prepared` made: on PostgreSQL run as a statement each connection prepares once
    (db.KeptPostgresqlDatabase.execute_prepared), so the server plans it once, not on every poll."""
    run = getattr(database.obj, "execute_prepared", None)
    return run(sql, params) if run is not None else database.execute_sql(sql, params)


def select_prepared(model, name, build, **values):
    """The rows of a prepared query (see prepared) as peewee gives them for the query `build` makes:
    instances of `model`, with the models it joins filled in, columns converted as usual."""
    sql, params = prepared(name, build, **values)
    query = _PREPARED[(name, type(database.obj))][2]
    if query.model is not model:
        raise RuntimeError(f"{name}: the query selects {query.model.__name__}, not {model.__name__}")
    # The query built once reads the rows of this run of its SQL: peewee's own reading of a result,
    # joins and conversions included, without building the SQL again.
    return list(query._get_cursor_wrapper(execute(sql, params)))


# --- The queue version ------------------------------------------------------------------------------

def version(office_id=None):
    """The office's queue version: one primary-key read, its SQL built once."""
    sql, params = prepared("queue-version", lambda office: QueueState.select(QueueState.version)
                           .where(QueueState.id == office), office=office_id or current_office_id())
    row = fetch_one(sql, params)
    return (row[0] if row else 0) or 0


# Where one request keeps what version_and read: a poll web/idle_polls.py could not answer goes on to Flask,
# whose endpoint asks the same again.
CHECKED = "kiosk.version_and"


def version_and(name, office_id, allowed, memo=None, **values):
    """(the office's queue version, the one column the query `allowed(**values)` selects from its row, or None
    when it finds none), in one read: an idle poll learns together that nothing changed and that the sign-in
    or device asking is still good, so a revoked one is refused at its next poll at no cost to the others.
    `allowed` selects a column that is never null. Built once per `name`. `memo` (a dict; the request's own
    when there is a request) keeps the answer for the rest of the request."""
    return _versions_and(name, office_id, allowed, None, memo, values)[:2]


def desk_versions_and(name, office_id, allowed, person, memo=None, **values):
    """version_and for a keyworker's desk: (the office's queue version, the column, what the desk of `person`
    (a staff id) shows, as desk_part gives it), in one read."""
    return _versions_and(name, office_id, allowed, person, memo, values)


def desk_versions(person, office_id=None):
    """(the office's queue version, what the desk of `person` shows: see desk_part), in one read. Read together,
    never one after the other: a desk drawn from what the queue's version names is then never older than the key
    it is sent with."""
    version, _, desk = _versions_and("desk", office_id or current_office_id(), None, person, None, {})
    return version, desk


def _versions_and(name, office_id, allowed, person, memo, values):
    """(queue version, `allowed`'s column or None, the desk part for `person` or None) in one read; see version_and."""
    if memo is None and has_request_context():
        memo = request.environ.setdefault(CHECKED, {})
    asked = (name, office_id, person, *values.items())  # each caller names its values in one order
    if memo is not None and asked in memo:
        return memo[asked]

    def build(office, **given):
        desk_of = given.pop("desk_of", None)
        columns = [QueueState.version, allowed(**given).limit(1) if allowed is not None else SQL("NULL")]
        if desk_of is not None:
            columns += [QueueState.desk_version, _own_tickets(desk_of)]
        return QueueState.select(*columns).where(QueueState.id == office)

    desk_of = {} if person is None else {"desk_of": person}
    sql, params = prepared(f"queue-version-and-{name}{'-desk' if desk_of else ''}", build,
                           office=office_id, **values, **desk_of)
    row = fetch_one(sql, params)
    found = ((row[0] or 0) if row else 0), (row[1] if row else None), \
        (desk_part(row[2] if row else 0, row[3] if row else 0) if desk_of else None)
    if memo is not None:
        memo[asked] = found
    return found


def _own_tickets(person):
    """A number that changes with any change to the tickets `person` has called and not yet finished: a sum over
    them that each Start or finish (done, no-show) makes smaller. Every other change to a called ticket (a call,
    back to waiting) bumps every desk's version too (bump). Read through the (called_by, state) index."""
    term = Case(None, [(Ticket.state == "in_progress", Ticket.id * 2)], Ticket.id * 2 + 1)
    return (Ticket.select(fn.COALESCE(fn.SUM(term), 0))
            .where((Ticket.called_by == person) & Ticket.state.in_(("called", "in_progress"))))


def desk_part(desk_version, own_tickets):
    """The part of a desk's poll key that stands for the queue's version on other screens: the office's desk
    version (bump) and the keyworker's own called tickets (_own_tickets)."""
    return f"d{desk_version or 0}s{int(own_tickets or 0)}"


def ticket_version(token, shown_since):
    """(office id, queue version) for the ticket a visitor's phone polls, in one read, or None when
    the token names no ticket still shown (its session ended before `shown_since`; see
    reads.ticket_by_token): a poll with a made-up token learns nothing about any office's queue."""
    if len(token) > 64:
        return None
    sql, params = prepared("ticket-version", lambda token: (
        Ticket.select(DropInSession.office, QueueState.version, DropInSession.ends_at).join(DropInSession)
        .join(QueueState, JOIN.LEFT_OUTER, on=(QueueState.id == DropInSession.office))
        .where(Ticket.token == token)), token=token)
    row = fetch_one(sql, params)
    if row is None:
        return None
    ends_at = datetime.fromisoformat(row[2]) if isinstance(row[2], str) else row[2]  # SQLite gives text
    return (row[0], row[1] or 0) if ends_at > shown_since else None


def bump(office_id=None, desks=True):
    """Every screen of the office shows something new. Call inside the write transaction that changes it;
    as the transaction's first write it also takes the queue's lock (see transactions.py).

    `desks=False` for a change no keyworker's desk shows but the keyworker's own whose visitor it is (Start,
    a finish that writes to no case, a no-show): the desks' keys hold that keyworker's own called tickets
    (desk_part), so the other desks are not drawn again for it. Where the change turns out to be one desks
    show after all, bump_desks in the same transaction."""
    changes = {QueueState.version: QueueState.version + 1}
    if desks:
        changes[QueueState.desk_version] = QueueState.desk_version + 1
    QueueState.update(changes).where(QueueState.id == (office_id or current_office_id())).execute()


def bump_desks(office_id=None):
    """Every keyworker's desk at the office shows something new (see bump)."""
    QueueState.update(desk_version=QueueState.desk_version + 1).where(
        QueueState.id == (office_id or current_office_id())).execute()


def bump_all():
    """For changes every office's screens show (safety flags on cases, which all offices share)."""
    QueueState.update(version=QueueState.version + 1, desk_version=QueueState.desk_version + 1).execute()


def poll_key(now=None, queue_version=None, office_id=None, desk=None):
    """What a polling screen compares: the queue's version and which slot the clock is in.

    One indexed read (none when the caller has just read the version); the slot part
    changes by itself when a session begins or a day turns, which no write would announce.
    A keyworker's desk gives its `desk` part (desk_part), which stands in the key for the queue's version.
    """
    now = now or utcnow()
    office_id = office_id or current_office_id()
    queue_version = version(office_id) if queue_version is None else queue_version
    marker, day = _slot_marker(office_id, now)
    return f"{queue_version if desk is None else desk}-{marker}{_extras_ended(office_id, now, day, queue_version)}"


def _slot_marker(office_id, now):
    """(the slot the clock is in at this office, or the local day outside them; the local day). The same
    all through a minute, since slots begin and end and days turn on whole minutes, so worked out once a
    minute, not on every poll. A change to the timetable bumps the queue version, which the key also holds."""
    minute = now.replace(second=0, microsecond=0)
    markers = current_app.extensions.setdefault("dropin_slot_markers", {})
    cached = markers.get(office_id)
    if cached is not None and cached[0] == minute:
        return cached[1]
    day = schedule().local_today(now)
    slot = timetable(office_id).slot_at(now)
    marker = slot.starts_at.strftime("%Y%m%d%H%M") if slot else day.strftime("%Y%m%d")
    markers[office_id] = (minute, (marker, day))
    return marker, day


def _extras_ended(office_id, now, day, queue_version):
    """How many of today's extra sessions at this office have ended, so that screens learn of an
    extra session's end as they do of a scheduled one's. Opening an extra session bumps the version,
    so the list of their ends is read again only when the version or the day changes."""
    cache = current_app.extensions.setdefault("dropin_extra_ends", {})
    cached = cache.get(office_id)
    if cached is None or cached[:2] != (queue_version, day):
        start, _ = schedule().local_day_bounds(day)
        ends = [s.ends_at for s in select_prepared(DropInSession, "extra-session-ends", lambda office, start: (
            DropInSession.select(DropInSession.ends_at)
            .where((DropInSession.office == office) & DropInSession.extra & (DropInSession.starts_at >= start))),
            office=office_id, start=start)]
        cached = cache[office_id] = (queue_version, day, ends)
    ended = sum(1 for end in cached[2] if end <= now)
    return f"x{ended}" if ended else ""


# --- Answering a poll ------------------------------------------------------------------------------

# The answer to a poll whose screen is up to date: empty, and htmx told to swap nothing. A 200, not a
# 204: waitress closes the connection after every 204 (which carries no length), so each screen would
# open a new connection every few seconds; an empty 200 says its length and keeps the connection.
UNCHANGED = ("200 OK", (("Content-Type", "text/plain"), ("Content-Length", "0"), ("HX-Reswap", "none")))


def nothing_changed():
    """The answer to a poll whose screen is up to date (see UNCHANGED)."""
    return current_app.response_class(b"", status=200, headers=UNCHANGED[1])


def is_unchanged(response):
    """Whether a poll's answer was that nothing changed."""
    return response.status_code == 200 and response.headers.get("HX-Reswap") == "none" and not response.content_length


def answer(render, cheap=None, full=None, queue_version=None, desk_of=None, desk=None):
    """The one way a live endpoint answers.

    Empty (UNCHANGED) when the poll's key is current and `cheap()` (no database read) allows telling
    so; otherwise `full()` may refuse with a response of its own, and `render(key)`
    makes the fragment. `cheap` goes first: it may say which office the screen is at.
    A caller that has read the queue version already passes it. A keyworker's desk passes `desk_of()`, which
    gives the keyworker's id, and `desk`, its desk part when it was read with the version (desk_versions): the
    key it compares and is drawn with holds that part, while what is kept per poll key (per_poll_key) is kept
    by the queue's own key.
    """
    trusted = cheap is None or cheap()
    if trusted:
        key, shown = _keys(queue_version, desk_of, desk)
        if request.args.get("v") == shown:
            return nothing_changed()
    refusal = full() if full is not None else None
    if refusal is not None:
        return refusal
    if not trusted:
        # full() may just have said which office the screen is at: its version is read afresh
        key, shown = _keys(None, desk_of, None)
    g.answering_key = key  # for per_poll_key, while the fragment is drawn and no longer
    try:
        return render(shown)
    finally:
        g.pop("answering_key", None)


def desk_key(person):
    """The poll key of the desk of `person` (a staff id), for its whole page."""
    queue_version, desk = desk_versions(person)
    return poll_key(queue_version=queue_version, desk=desk)


def _keys(queue_version, desk_of, desk):
    """(the queue's poll key, the key the screen compares): the same but for a desk (see answer)."""
    if desk_of is None:
        key = poll_key(queue_version=queue_version)
        return key, key
    if desk is None or queue_version is None:
        queue_version, desk = desk_versions(desk_of())
    return poll_key(queue_version=queue_version), poll_key(queue_version=queue_version, desk=desk)


def per_poll_key(name, compute):
    """`compute()`, worked out once per office and poll key while a live fragment is drawn for that key (see
    answer), and the same value for every screen of the office drawn for it: the drop-in session, the rooms.
    Sound because screens holding the same key show the same thing, which is what lets an unchanged key be
    answered with nothing. Elsewhere (a whole page, a form) it is worked out afresh. The value is shared
    between requests: read it, never change it."""
    key = g.get("answering_key")
    if key is None:
        return compute()
    return _kept(f"dropin_key_{name}", current_office_id(), key, compute)


def per_poll_key_within(name, scope, compute):
    """per_poll_key for a value that also depends on `scope` (the drop-in session, the day): kept with its scope,
    and worked out afresh when asked for another."""
    held = per_poll_key(name, lambda: (scope, compute()))
    return held[1] if held[0] == scope else compute()


def _kept(name, office_id, stamp, compute):
    """The value kept for the office under `stamp` in this process, or `compute()`'s, then kept in its place."""
    cache = current_app.extensions.setdefault(name, {})
    held = cache.get(office_id)
    if held is not None and held[0] == stamp:
        return held[1]
    value = compute()
    cache[office_id] = (stamp, value)
    return value


def per_version(name, office_id, compute, queue_version=None, scope=None):
    """A value that stays the same until the office's queue changes: worked out once per version
    (and `scope`, e.g. the drop-in session). `queue_version` is the office's version when the
    caller has just read it; else, while a live fragment is drawn, the poll key it is drawn for stands in
    for the version (it holds it), and otherwise the version is read here."""
    if queue_version is not None:
        key = (scope, queue_version)
    elif g.get("answering_key") is not None and office_id == current_office_id():
        key = (scope, "poll key", g.answering_key)  # a live fragment being drawn: its key holds the version
    else:
        key = (scope, version(office_id))
    return _kept(f"dropin_{name}", office_id, key, compute)
