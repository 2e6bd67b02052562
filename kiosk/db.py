"""The database: chosen by configuration, pragmas on every connection, closed after each request."""
from contextlib import contextmanager
from pathlib import Path

from peewee import DatabaseProxy, PostgresqlDatabase, SqliteDatabase
from playhouse.db_url import connect

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
    return SqliteDatabase(str(path), pragmas=SQLITE_PRAGMAS, timeout=10)


def init_app(app):
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
