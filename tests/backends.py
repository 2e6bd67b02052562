"""Which database the tests run against: SQLite files by default, PostgreSQL when DATABASE_URL is set.

`make test` runs the suite twice, the second time with DATABASE_URL pointing at a
throwaway server (scripts/pg_test_server.sh). config.Config reads DATABASE_URL from
the environment, so every app a test makes uses it; reset() gives each test an
empty database, as a new SQLite file in tmp_path does.
"""
import os

DATABASE_URL = os.environ.get("DATABASE_URL", "")
POSTGRES = DATABASE_URL.startswith(("postgres://", "postgresql://"))
BACKEND = "postgres" if POSTGRES else "sqlite"


def reset():
    """Empty the PostgreSQL database: every table, index and sequence goes with the public schema.

    Connections an earlier test left behind are ended first, so none can hold a
    lock the drop would wait for. The next create_app() migrates it from nothing.
    """
    if not POSTGRES:
        return
    from bench.offices_seed import reset as drop_schema  # noqa: PLC0415 - the PostgreSQL run alone needs it
    drop_schema(DATABASE_URL)
