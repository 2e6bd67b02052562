"""The database: chosen by configuration, pragmas on every connection, given back after each request."""
import logging
import re
import time
from pathlib import Path

from peewee import (DataError, DatabaseProxy, InterfaceError, Model, OperationalError, PostgresqlDatabase,
                    ProgrammingError, SqliteDatabase, __exception_wrapper__)
from playhouse.db_url import connect, parse
from playhouse.pool import PooledDatabase, PooledPostgresqlDatabase, PooledSqliteDatabase

from . import held_reads
from .errors import BadInput
from .files import PRIVATE_FILE, narrow, private_folder, private_opener

database = DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    # A tablet can lose power: FULL makes each commit durable, not only consistent.
    "synchronous": "full",
    "busy_timeout": 10000,
}


class BaseModel(Model):
    """Every table of the app: in the configured database, named in snake_case."""

    class Meta:
        database = database
        legacy_table_names = False


def make_database(config, logger):
    url = config.get("DATABASE_URL")
    if url:
        scheme, rest = url.split("://", 1) if "://" in url else (url, "")
        if scheme in ("postgres", "postgresql"):
            # Connections are kept between requests here too: a new one costs a password exchange
            # and a backend process, many times what a poll costs (see KeptPostgresqlDatabase).
            settings = parse(f"postgresql://{rest}")
            chosen = KeptPostgresqlDatabase(settings.pop("database"), autoconnect=True, max_connections=32,
                                            stale_timeout=300, timeout=10, **settings)
        else:
            chosen = connect(url, autoconnect=True)
        if isinstance(chosen, PostgresqlDatabase):
            _adapt_like_sqlite()
        return chosen
    path = Path(config["SQLITE_PATH"])
    if str(path) != ":memory:":
        _private_sqlite_file(path, logger)
    # Connections are kept between requests: opening one costs the pragmas and a read of the
    # schema, and closing the last one checkpoints and deletes the WAL, on every request and
    # so on every poll. The pool hands one connection to one thread at a time (hence
    # check_same_thread off); close() after a request gives it back, rolled back if need be.
    return PooledSqliteDatabase(str(path), pragmas=SQLITE_PRAGMAS, max_connections=64, stale_timeout=600,
                                timeout=10, check_same_thread=False)


class KeptPostgresqlDatabase(PooledPostgresqlDatabase):
    """PostgreSQL connections kept between requests, and handed out again without a round trip when they
    were given back moments ago.

    peewee's pool pings each connection (SELECT 1) as it hands it out, so that one the server dropped
    (a restart, an administrator ending it) is replaced rather than used. On a busy deployment every
    request takes a connection given back a few milliseconds earlier, and the ping was one of its two
    round trips. Here one given back less than TRUSTED_FOR seconds ago is handed out unpinged; should its
    first statement find it dropped after all, it is thrown away and that statement runs again on a new
    connection, which is safe because a dropped connection ran nothing. Older ones are pinged as before.
    """

    TRUSTED_FOR = 2.0

    def __init__(self, *args, **kwargs):
        self._given_back = {}  # id(connection) -> when it last went back to the pool (time.monotonic)
        self._prepared = {}  # id(connection) -> (the connection, {SQL: the name it is prepared under there})
        self._unpreparable = set()  # SQL PostgreSQL would not prepare: run as it is
        super().__init__(*args, **kwargs)

    def execute_prepared(self, sql, params):
        """Run `sql` (with %s for each of `params`, as peewee writes it) as a statement this connection prepared.

        PostgreSQL plans every statement it is sent, and for the small reads every poll makes (the queue's version
        with the sign-in's check, a desk's waiting list) planning took three times as long as running: 129 of
        165 µs for the idle poll's read, measured with pg_stat_statements in bench.offices. A statement
        prepared on a connection is planned once there (it keeps one plan for it; see _one_plan_each),
        then each run sends its values alone. Prepared on first use on each connection; inside a
        transaction only what that connection prepared already is run so, since a failed PREPARE would end the
        transaction."""
        if sql in self._unpreparable:
            return self.execute_sql(sql, params)
        name = self._prepared_on_connection().get(sql)
        if name is None and self.in_transaction():
            return self.execute_sql(sql, params)
        for first_try in (True, False):
            name = name or self._prepare(sql)
            if name is None:  # PostgreSQL would not prepare it
                return self.execute_sql(sql, params)
            try:
                return self._execute_named(name, sql, params)
            except (ProgrammingError, OperationalError) as error:  # psycopg2 gives this one as an OperationalError
                # A connection made afresh under this statement (one dropped while it sat in the pool; see
                # _first_on_kept) has prepared nothing yet: prepare it there and run it again, once.
                if not first_try or self.in_transaction() \
                        or getattr(getattr(error, "orig", None), "pgcode", None) != _NO_SUCH_STATEMENT:
                    raise
                self._prepared.pop(id(self.connection()), None)
                name = None

    def _execute_named(self, name, sql, params):
        """EXECUTE the statement prepared as `name`, logged on peewee's logger as the SQL it stands for (what the
        app asked; tests/queries.py counts and reads that)."""
        self._log_query(sql, params)
        return self._send(f"EXECUTE {name}({', '.join(['%s'] * len(params))})" if params else f"EXECUTE {name}",
                          params)

    def _send(self, sql, params=None):
        """A statement sent as peewee's execute_sql sends it (errors as peewee's, a connection found dropped replaced;
        see _first_on_kept), without logging it."""
        def run():
            with __exception_wrapper__:
                cursor = self.cursor()
                cursor.execute(sql, params or ())
            return cursor
        return self._first_on_kept(run)

    def _prepared_on_connection(self):
        conn = self.connection()
        held = self._prepared.get(id(conn))
        if held is None or held[0] is not conn:
            held = self._prepared[id(conn)] = (conn, {})
        return held[1]

    def _prepare(self, sql):
        """PREPARE `sql` on this connection (outside any transaction); its name, or None when PostgreSQL would not."""
        names = self._prepared_on_connection()
        if not names:
            self._one_plan_each()
        name = f"kiosk_{len(names) + 1}"
        try:
            self._send(f"PREPARE {name} AS {_numbered(sql)}")  # part of the statement's first run, not logged apart
        except (ProgrammingError, DataError) as error:
            self._unpreparable.add(sql)
            logging.getLogger(__name__).warning("Not prepared, run as it is: %s (%s)", sql[:200], error)
            return None
        # The PREPARE itself may have been the first statement on a connection made afresh (see _first_on_kept).
        names = self._prepared_on_connection()
        names[sql] = name
        return name

    def _one_plan_each(self):
        """Before the first statement this connection prepares: each keeps one plan for all its runs. They are small
        indexed reads, for which PostgreSQL otherwise planned some afresh on every run, guessing that the values
        given might deserve another plan; statements sent as they are (writes, pages) are planned as they come."""
        try:
            self._send("SET plan_cache_mode = force_generic_plan")
        except (ProgrammingError, DataError) as error:  # a server before PostgreSQL 12: its own choice, as before
            logging.getLogger(__name__).warning("Prepared statements planned as PostgreSQL chooses: %s", error)

    def _close(self, conn, close_conn=False):
        super()._close(conn, close_conn or bool(conn.closed))  # one found dropped is not given back
        if not close_conn and not conn.closed:
            self._given_back[id(conn)] = time.monotonic()

    def _close_raw(self, conn):
        self._given_back.pop(id(conn), None)
        self._prepared.pop(id(conn), None)
        super()._close_raw(conn)

    def _is_closed(self, conn):
        """Called as the pool hands a connection out (under its lock, in the thread that takes it)."""
        if conn.closed:
            return True
        if time.monotonic() - self._given_back.get(id(conn), float("-inf")) < self.TRUSTED_FOR \
                and conn.info.transaction_status == _IDLE:
            self._state.unpinged = conn
            return False
        return super()._is_closed(conn)

    def _execute_cursor(self, sql, params, **options):
        return self._first_on_kept(lambda: super(KeptPostgresqlDatabase, self)._execute_cursor(sql, params, **options))

    def begin(self, *args, **kwargs):
        return self._first_on_kept(lambda: super(KeptPostgresqlDatabase, self).begin(*args, **kwargs))

    def _first_on_kept(self, run):
        """Run a statement; when it is the first on a connection handed out unpinged and finds that connection
        dropped, on a new connection instead."""
        if self.is_closed() and self.autoconnect:
            self.connect()
        for _ in range(self._max_connections + 1):
            unpinged, self._state.unpinged = getattr(self._state, "unpinged", None), None
            try:
                return run()
            except (OperationalError, InterfaceError):
                if unpinged is None or unpinged is not self._state.conn or not unpinged.closed:
                    raise  # failed on a live connection, or on one just made: the caller's error, not the pool's
            with self._lock:  # dropped while it sat in the pool: forget it and take another (pinged if older)
                PooledDatabase._close(self, unpinged, close_conn=True)
                self._state.conn = self._connect()
        return run()


_IDLE = 0  # psycopg2.extensions.TRANSACTION_STATUS_IDLE (psycopg2 is imported only on a PostgreSQL deployment)
_NO_SUCH_STATEMENT = "26000"  # PostgreSQL's invalid_sql_statement_name: EXECUTE of a name not prepared
_PLACEHOLDER = re.compile(r"%%|%s")


def _numbered(sql):
    """peewee's SQL for psycopg2 (%s for each value, %% for a percent sign) as PREPARE wants it ($1, $2, ...)."""
    count = iter(range(1, 10 ** 6))
    return _PLACEHOLDER.sub(lambda m: "%" if m.group() == "%%" else f"${next(count)}", sql)


def _private_sqlite_file(path, logger):
    """The database file made 0600 before SQLite opens it (in a folder made 0700 when it is made here;
    an existing folder is left as it is, but instance/ is narrowed at start); files found wider narrowed.

    SQLite gives the -wal and -shm files the main file's permission bits, so a main file
    made private first keeps all three private whatever the umask.
    """
    private_folder(path.parent)
    try:
        open(path, "xb", opener=private_opener).close()
    except FileExistsError:
        pass
    for name in ("", "-wal", "-shm", "-journal"):
        narrow(f"{path}{name}", PRIVATE_FILE, logger)


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
    if isinstance(previous, PooledDatabase):
        previous.close_all()  # an earlier app in this process (tests): let its file or connections go
    held_reads.close()  # and this thread's held-read connection, which a file made again at the same path would outlive
    held_reads.turn_on(app.config.get("HELD_READS", True))
    database.initialize(make_database(app.config, app.logger))

    @app.teardown_appcontext
    def close_database(exc):
        if not database.is_closed():
            database.close()


def is_sqlite():
    return isinstance(database.obj, SqliteDatabase)


def is_postgres():
    return isinstance(database.obj, PostgresqlDatabase)
