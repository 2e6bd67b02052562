"""The polls' one-row reads on SQLite, made without letting go of Python's lock.

Nearly every request an office makes is an idle poll, and an idle poll's one read takes SQLite a few
microseconds. The sqlite3 module lets go of Python's lock (the GIL) around each of its calls into
SQLite, four or five to a read, so that other threads may run meanwhile. Under waitress's busy
threads each let-go hands the lock to a waiting thread and then waits to get it back: two context
switches for a call shorter than either, which made one read cost more server CPU than the rest of
an idle poll's work in Python (README, Performance: "Where the rest of the margin went").

Here the same reads go to the same SQLite library through ctypes.PyDLL, which keeps the lock through
each call, on a connection each thread keeps and with each statement prepared once:

- the library is the sqlite3 module's own (found through its extension module, and its version
  checked), so the process holds one copy of SQLite, whose file locks depend on that;
- each read is a transaction of its own, its statement reset before the read returns: the next read
  sees every commit made since, by any connection or process (a revoked sign-in is refused at its
  next poll, as before);
- the connection never writes (PRAGMA query_only, and only statements SQLite calls read-only are
  prepared) and never waits: its busy timeout is 0, so when the file is locked SQLite answers at
  once, without holding Python's lock, and the read is made the usual way;
- values are bound and columns read as the sqlite3 module does (int, float, text, blob, NULL; other
  values through the module's own adapters); anything else, or any error, is MISSED, and the
  caller reads through peewee as before, where the same error is raised as it always was.

A read is made here (row_from, which dropin/live.py's fetch_one calls) only from an SQLite file, and
only when the thread's own peewee connection is in no transaction, whose uncommitted writes a
connection of its own would not see. A process forked from one that made reads here opens
connections of its own; those it inherited are left alone, as SQLite asks.
"""
import ctypes
import logging
import os
import sqlite3
import threading

import _sqlite3
from playhouse.pool import PooledSqliteDatabase

MISSED = object()  # the read could not be made here: make it the usual way
_UNBOUND = object()  # what a statement's parameter holds before a value is bound to it

_OK, _ROW, _DONE = 0, 100, 101
_INTEGER, _FLOAT, _TEXT, _BLOB, _NULL = 1, 2, 3, 4, 5
_OPEN_READWRITE, _OPEN_NOMUTEX = 0x2, 0x8000  # read-write so that a WAL file is opened as others open it
_TRANSIENT = ctypes.c_void_p(-1)  # SQLite copies a bound value before the call returns
_STATEMENTS_KEPT = 64  # a connection's prepared statements; the polls use a dozen
_INT64 = (-(2 ** 63), 2 ** 63)

_P, _I, _I64, _D, _S = ctypes.c_void_p, ctypes.c_int, ctypes.c_int64, ctypes.c_double, ctypes.c_char_p
_SIGNATURES = {
    "sqlite3_libversion": ([], _S),
    "sqlite3_open_v2": ([_S, ctypes.POINTER(_P), _I, _S], _I),
    "sqlite3_close_v2": ([_P], _I),
    "sqlite3_busy_timeout": ([_P, _I], _I),
    "sqlite3_exec": ([_P, _S, _P, _P, _P], _I),
    "sqlite3_prepare_v2": ([_P, _S, _I, ctypes.POINTER(_P), _P], _I),
    "sqlite3_stmt_readonly": ([_P], _I),
    "sqlite3_bind_parameter_count": ([_P], _I),
    "sqlite3_column_count": ([_P], _I),
    "sqlite3_finalize": ([_P], _I),
    "sqlite3_reset": ([_P], _I),
    "sqlite3_step": ([_P], _I),
    "sqlite3_bind_int64": ([_P, _I, _I64], _I),
    "sqlite3_bind_double": ([_P, _I, _D], _I),
    "sqlite3_bind_text": ([_P, _I, _S, _I, _P], _I),
    "sqlite3_bind_blob": ([_P, _I, _S, _I, _P], _I),
    "sqlite3_bind_null": ([_P, _I], _I),
    "sqlite3_column_type": ([_P, _I], _I),
    "sqlite3_column_int64": ([_P, _I], _I64),
    "sqlite3_column_double": ([_P, _I], _D),
    "sqlite3_column_text": ([_P, _I], _P),
    "sqlite3_column_blob": ([_P, _I], _P),
    "sqlite3_column_bytes": ([_P, _I], _I),
}


def _library():
    """The SQLite library the sqlite3 module calls, its functions called with Python's lock held; None when it
    cannot be reached (an SQLite built into the module without its names, say)."""
    try:
        library = ctypes.PyDLL(_sqlite3.__file__)  # its names include those of the SQLite it was linked with
        for name, (arguments, result) in _SIGNATURES.items():
            function = getattr(library, name)
            function.argtypes, function.restype = arguments, result
        if library.sqlite3_libversion().decode() != sqlite3.sqlite_version:
            return None
    except (OSError, AttributeError, TypeError):
        return None
    return library


_lib = _library()
_turned_on = True
_mine = threading.local()


def _forked():
    """In a forked process, every connection inherited is forgotten unclosed (see _Reader.close)."""
    global _mine  # noqa: PLW0603 - the thread's connection is this module's own state
    _mine = threading.local()


os.register_at_fork(after_in_child=_forked)


def available():
    """Whether reads are made here in this process."""
    return _turned_on and _lib is not None


def turn_on(on):
    """The app's HELD_READS setting (db.init_app): off, every read goes through peewee."""
    global _turned_on  # noqa: PLW0603 - one setting for the process, as the library is
    _turned_on = bool(on)


def row_from(db, sql, params):
    """The first row of a read from peewee's database `db`, as one_row gives it, made here when `db` is SQLite's
    file and this thread's own connection to it is in no transaction (whose writes another connection would not
    see); MISSED otherwise. Logged on peewee's logger as peewee logs what it sends (tests count a poll's reads)."""
    path = _path_of(db)
    if path is None:
        return MISSED
    row = one_row(path, sql, params)
    if row is not MISSED and _SENT.isEnabledFor(logging.DEBUG):
        _SENT.debug((sql, params))
    return row


_SENT = logging.getLogger("peewee")


def _path_of(db):
    """The file of peewee's database `db` when a read from it may be made here now, or None."""
    if type(db) is not PooledSqliteDatabase or not _turned_on or _lib is None:
        return None
    state = db._state  # peewee's per-thread connection and transactions
    if state.transactions or (state.conn is not None and state.conn.in_transaction):
        return None
    path = db.database
    return None if path == ":memory:" or path.startswith("file:") else path


def one_row(path, sql, params):
    """The first row `sql` (one read) gives with `params` from the SQLite file at `path`, as a tuple the way
    the sqlite3 module gives it, or None when there is none; MISSED when the read could not be made here."""
    reader = getattr(_mine, "reader", None)
    if reader is None or reader.path != path:
        reader = _reader_for(path)
    return reader.one_row(sql, params)


def close():
    """Close this thread's connection (a test that removes its database file, say)."""
    reader = getattr(_mine, "reader", None)
    _mine.reader = None
    if reader is not None:
        reader.close()


def _reader_for(path):
    close()
    reader = _mine.reader = _Reader(path)
    return reader


class _Reader:
    """One thread's connection and its prepared statements; one that could not open answers MISSED."""

    def __init__(self, path):
        self.path, self.pid = path, os.getpid()
        self.handle, self.statements = None, {}
        if _lib is None:
            return
        handle = _P()
        opened = _lib.sqlite3_open_v2(os.fsencode(path), ctypes.byref(handle), _OPEN_READWRITE | _OPEN_NOMUTEX, None)
        if handle.value and opened == _OK and _lib.sqlite3_busy_timeout(handle, 0) == _OK \
                and _lib.sqlite3_exec(handle, b"PRAGMA query_only = 1", None, None, None) == _OK:
            self.handle = handle
        elif handle.value:
            _lib.sqlite3_close_v2(handle)

    def one_row(self, sql, params):
        if self.handle is None:
            return MISSED
        statement = self.statements.get(sql) or self._prepare(sql)
        if statement is None:
            return MISSED
        stmt, width, bound = statement
        if len(params) != len(bound):
            return MISSED
        try:
            for i, value in enumerate(params):
                # A value bound already stays bound through a reset: a poll's values are mostly the last ones again.
                was = bound[i]
                if value is was or (type(value) is type(was) and value == was and type(value) is not float):
                    continue
                bound[i] = _UNBOUND
                if not _bind(stmt, i + 1, value):
                    return MISSED
                bound[i] = value
            stepped = _lib.sqlite3_step(stmt)
            if stepped == _DONE:
                return None
            if stepped != _ROW:
                return MISSED  # SQLITE_BUSY among others: the usual way waits as it always did
            row = []
            for i in range(width):
                value = _column(stmt, i)
                if value is MISSED:
                    return MISSED
                row.append(value)
            return tuple(row)
        finally:
            _lib.sqlite3_reset(stmt)  # the read's transaction ends here

    def _prepare(self, sql):
        if len(self.statements) >= _STATEMENTS_KEPT:
            self._finalize_all()
        stmt = _P()
        if _lib.sqlite3_prepare_v2(self.handle, sql.encode(), -1, ctypes.byref(stmt), None) != _OK or not stmt.value:
            return None
        if not _lib.sqlite3_stmt_readonly(stmt):
            _lib.sqlite3_finalize(stmt)
            return None
        statement = self.statements[sql] = (stmt, _lib.sqlite3_column_count(stmt),
                                            [_UNBOUND] * _lib.sqlite3_bind_parameter_count(stmt))
        return statement

    def _finalize_all(self):
        for stmt, _, _ in self.statements.values():
            _lib.sqlite3_finalize(stmt)
        self.statements = {}

    def close(self):
        """Finalize and close, in the process that opened it (in a forked one, SQLite asks that it be left)."""
        if self.handle is not None and self.pid == os.getpid():
            self._finalize_all()
            _lib.sqlite3_close_v2(self.handle)
        self.handle, self.statements = None, {}

    def __del__(self):
        if _lib is not None:
            self.close()


def _bind(stmt, i, value):
    """Bind `value` as the sqlite3 module would; False for what is left to the module (it may raise)."""
    kind = type(value)
    if kind not in _BINDABLE:
        adapt = sqlite3.adapters.get((kind, sqlite3.PrepareProtocol))
        if adapt is None:
            return False
        value = adapt(value)
        kind = type(value)
    if kind is int or kind is bool:
        return _INT64[0] <= value < _INT64[1] and _lib.sqlite3_bind_int64(stmt, i, value) == _OK
    if kind is str:
        try:
            data = value.encode()
        except UnicodeEncodeError:
            return False
        return _lib.sqlite3_bind_text(stmt, i, data, len(data), _TRANSIENT) == _OK
    if kind is float:
        return _lib.sqlite3_bind_double(stmt, i, value) == _OK
    if value is None:
        return _lib.sqlite3_bind_null(stmt, i) == _OK
    if kind is bytes:
        return _lib.sqlite3_bind_blob(stmt, i, value, len(value), _TRANSIENT) == _OK
    return False


_BINDABLE = frozenset((int, bool, str, float, type(None), bytes))


def _column(stmt, i):
    kind = _lib.sqlite3_column_type(stmt, i)
    if kind == _INTEGER:
        return _lib.sqlite3_column_int64(stmt, i)
    if kind == _NULL:
        return None
    if kind == _FLOAT:
        return _lib.sqlite3_column_double(stmt, i)
    if kind == _TEXT:
        text = _lib.sqlite3_column_text(stmt, i)  # before column_bytes, as SQLite asks
        try:
            return ctypes.string_at(text, _lib.sqlite3_column_bytes(stmt, i)).decode() if text else ""
        except UnicodeDecodeError:
            return MISSED
    if kind == _BLOB:
        blob = _lib.sqlite3_column_blob(stmt, i)
        return ctypes.string_at(blob, _lib.sqlite3_column_bytes(stmt, i)) if blob else b""
    return MISSED
