"""The database: chosen by configuration, pragmas on every connection, given back after each request."""
from contextlib import contextmanager
from pathlib import Path

from peewee import DatabaseProxy, PostgresqlDatabase, SqliteDatabase
from playhouse.db_url import connect
from playhouse.pool import PooledSqliteDatabase

from .errors import BadInput
from .sites import current_site_id

database = DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    # A tablet can lose power: FULL makes each commit durable, not only consistent.
    "synchronous": "full",
    "busy_timeout": 10000,
}


# SQL text and where each value goes, by (name, kind of database): see prepared.
_PREPARED = {}
_FIXED = object()


def prepared(name, build, **values):
    """(sql, params) for a query every poll runs, its SQL built once per kind of database.

    `build(**values)` makes the query with peewee; the first time it is built with stand-ins
    for the values, to learn where each goes among the query's parameters (the rest are fixed
    ones of the query itself). Queries of different shapes need different names.
    """
    key = (name, type(database.obj))
    entry = _PREPARED.get(key)
    if entry is None:
        stand_ins = {k: (-70001 - i if isinstance(v, int) else f"stand-in-{i}-{k}")
                     for i, (k, v) in enumerate(values.items())}
        sql, params = build(**stand_ins).sql()
        names = {v: k for k, v in stand_ins.items()}
        entry = (sql, [(names[p], None) if _hashable(p) and p in names else (_FIXED, p) for p in params])
        if {k for k, _ in entry[1] if k is not _FIXED} != set(values):
            raise RuntimeError(f"{name}: not every value reached the query's parameters")
        _PREPARED[key] = entry
    sql, slots = entry
    return sql, [fixed if k is _FIXED else values[k] for k, fixed in slots]


def _hashable(value):
    try:
        hash(value)
    except TypeError:
        return False
    return True


def select_prepared(model, name, build, **values):
    """The rows of a prepared query (see prepared) as instances of `model`, columns converted as usual."""
    sql, params = prepared(name, build, **values)
    return list(model.raw(sql, *params))


def make_database(config):
    url = config.get("DATABASE_URL")
    if url:
        chosen = connect(url, autoconnect=True)
        if isinstance(chosen, PostgresqlDatabase):
            _adapt_like_sqlite()
        return chosen
    path = Path(config["SQLITE_PATH"])
    path.parent.mkdir(parents=True, exist_ok=True)
    # Connections are kept between requests: opening one costs the pragmas and a read of the
    # schema, and closing the last one checkpoints and deletes the WAL, on every request and
    # so on every poll. The pool hands one connection to one thread at a time (hence
    # check_same_thread off); close() after a request gives it back, rolled back if need be.
    return PooledSqliteDatabase(str(path), pragmas=SQLITE_PRAGMAS, max_connections=64, stale_timeout=600,
                                timeout=10, check_same_thread=False)


class UnstorableText(BadInput):
    """Text with a NUL character, which PostgreSQL cannot hold or compare (SQLite can)."""

    def __init__(self):
        super().__init__("Something in that request has a character that is not allowed. Go back and try again.")


def _huge_integer(value):
    """psycopg2's adapter for int, refusing what no integer column holds, as sqlite3 does.

    Otherwise PostgreSQL compares an id like 99999999999999999999 as a numeric and
    finds nothing, or fails an insert with a DataError, where SQLite raises the
    OverflowError the app answers with a 404.
    """
    if not -(2 ** 63) <= value < 2 ** 63:
        raise OverflowError("Python int too large to convert to a database integer")
    return _ADAPTERS[int](value)


def _text(value):
    """psycopg2's adapter for str: a NUL is a 400 with a message, not psycopg2's ValueError and a 500."""
    if "\x00" in value:
        raise UnstorableText()
    return _ADAPTERS[str](value)


def _adapt_like_sqlite():
    """Make the PostgreSQL driver answer input SQLite takes in its stride as the app expects (once per process)."""
    from psycopg2 import extensions  # noqa: PLC0415 - only a PostgreSQL deployment installs psycopg2
    for kind, adapter in ((int, _huge_integer), (str, _text)):
        if kind not in _ADAPTERS:
            _ADAPTERS[kind] = extensions.adapters[(kind, extensions.ISQLQuote)]
            extensions.register_adapter(kind, adapter)


_ADAPTERS = {}  # psycopg2's own adapters, which ours hand on to


def init_app(app):
    previous = database.obj
    if isinstance(previous, PooledSqliteDatabase):
        previous.close_all()  # an earlier app in this process (tests): let its file go
    database.initialize(make_database(app.config))

    @app.teardown_appcontext
    def close_database(exc):
        if not database.is_closed():
            database.close()


def is_sqlite():
    return isinstance(database.obj, SqliteDatabase)


def is_postgres():
    return isinstance(database.obj, PostgresqlDatabase)


# The queue's counter row (models.QueueState), locked as SQLite's BEGIN IMMEDIATE locks the file.
_LOCK_QUEUE_ROW = 'SELECT "id" FROM "queue_state" WHERE "id" = %s FOR UPDATE'


@contextmanager
def write_transaction():
    """A transaction that holds the write lock from its first statement.

    SQLite's BEGIN IMMEDIATE takes the lock at once, so two writers queue on the
    busy timeout instead of one failing when it upgrades a read lock. On
    PostgreSQL the transaction's first statement locks the queue's counter row,
    which every queue write also updates (models.QueueState.bump): writers queue
    on that lock, and under READ COMMITTED each statement after it sees what the
    writer before committed, so a read-then-write inside is safe there too.
    """
    outermost = not database.in_transaction()
    with database.atomic("IMMEDIATE") if outermost and is_sqlite() else database.atomic():
        if is_postgres():
            database.execute_sql(_LOCK_QUEUE_ROW, (current_site_id(),))
        yield


@contextmanager
def migration_lock():
    """Only one process migrates at a time: gunicorn's workers all start the app at once.

    On PostgreSQL a session advisory lock (the others wait for it, then find the
    schema current); SQLite deployments run one process, and its DDL is transactional.
    """
    if not is_postgres():
        yield
        return
    database.execute_sql("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK_KEY,))
    try:
        yield
    finally:
        database.execute_sql("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK_KEY,))


_MIGRATION_LOCK_KEY = 7_140_322_011  # any fixed number; the same in every process of this app
