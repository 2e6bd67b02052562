"""The write transaction every service uses: the write lock from its first statement."""
from contextlib import contextmanager

from .db import database, is_postgres, is_sqlite
from .offices.models import current_office_id

# The office's queue counter row (dropin.models.QueueState), locked as SQLite's BEGIN IMMEDIATE locks the file.
_LOCK_QUEUE_ROW = 'SELECT "id" FROM "queue_state" WHERE "id" = %s FOR UPDATE'


@contextmanager
def write_transaction():
    """A transaction that holds the write lock from its first statement.

    SQLite's BEGIN IMMEDIATE takes the lock at once, so two writers queue on the
    busy timeout instead of one failing when it upgrades a read lock. On
    PostgreSQL the transaction's first statement locks the office's queue counter
    row, which every queue write also updates (dropin.live.bump): writers queue
    on that lock, and under READ COMMITTED each statement after it sees what the
    writer before committed, so a read-then-write inside is safe there too.
    """
    outermost = not database.in_transaction()
    with database.atomic("IMMEDIATE") if outermost and is_sqlite() else database.atomic():
        if is_postgres():
            database.execute_sql(_LOCK_QUEUE_ROW, (current_office_id(),))
        yield
