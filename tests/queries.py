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
