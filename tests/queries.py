"""Counting the SQL statements a piece of work sends: peewee logs each on the "peewee" logger at DEBUG."""
import logging
from contextlib import contextmanager


class _QueryLog(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.sql = []

    def emit(self, record):
        if isinstance(record.msg, tuple):  # (sql, params); a connection pool logs its hand-backs here too
            self.sql.append(record.getMessage())


@contextmanager
def counting_queries():
    """The statements sent while inside, as a list of their text."""
    log, logger = _QueryLog(), logging.getLogger("peewee")
    old_level = logger.level
    logger.addHandler(log)
    logger.setLevel(logging.DEBUG)
    try:
        yield log.sql
    finally:
        logger.removeHandler(log)
        logger.setLevel(old_level)


@contextmanager
def building_sql():
    """Where peewee built SQL while inside (a query it compiled, not one whose SQL was built once and kept):
    a list with the innermost project frame of each, as "file:line function"."""
    import traceback

    import peewee
    built, original = [], peewee.Database.get_sql_context

    def counting(self, *args, **kwargs):
        ours = [f for f in traceback.extract_stack()[:-1] if "/kiosk/" in f.filename]
        built.append(f"{ours[-1].filename.rsplit('/kiosk/', 1)[1]}:{ours[-1].lineno} {ours[-1].name}" if ours else "?")
        return original(self, *args, **kwargs)

    peewee.Database.get_sql_context = counting
    try:
        yield built
    finally:
        peewee.Database.get_sql_context = original
