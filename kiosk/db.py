"""The database: chosen by configuration, pragmas on every connection, given back after each request."""
from contextlib import contextmanager
from pathlib import Path

from peewee import DatabaseProxy, PostgresqlDatabase, SqliteDatabase
from playhouse.db_url import connect
from playhouse.pool import PooledSqliteDatabase

database = DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    # A tablet can lose power: FULL makes each commit durable, not only consistent.
    "synchronous": "full",
    "busy_timeout": 10000,
}


def make_database(config):
    url = config.get("DATABASE_URL")
    if url:
        return connect(url, autoconnect=True)
    path = Path(config["SQLITE_PATH"])
    path.parent.mkdir(parents=True, exist_ok=True)
    # Connections are kept between requests: opening one costs the pragmas and a read of the
    # schema, and closing the last one checkpoints and deletes the WAL, on every request and
    # so on every poll. The pool hands one connection to one thread at a time (hence
    # check_same_thread off); close() after a request gives it back, rolled back if need be.
    return PooledSqliteDatabase(str(path), pragmas=SQLITE_PRAGMAS, max_connections=64, stale_timeout=600,
                                timeout=10, check_same_thread=False)


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


@contextmanager
def write_transaction():
    """A transaction that holds the write lock from its first statement.

    SQLite's BEGIN IMMEDIATE takes the lock at once, so two writers queue on the
    busy timeout instead of one failing when it upgrades a read lock. On
    PostgreSQL the queue's counter row, updated first by every queue write
    (see models.QueueState.bump), serialises them the same way.
    """
    if database.in_transaction():
        with database.atomic():
            yield
        return
    with database.atomic("IMMEDIATE") if is_sqlite() else database.atomic():
        yield
