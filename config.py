"""Settings for the drop-in front desk, read from the environment."""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def _env_int(name, default):
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY")
    # Empty means the SQLite file in instance/; postgresql://… for larger deployments.
    DATABASE_URL = os.environ.get("DATABASE_URL", "")
    SQLITE_PATH = os.environ.get("SQLITE_PATH", str(BASE_DIR / "instance" / "dropin.sqlite3"))
    # `make demo` serves this database, and demo data goes into no other.
    DEMO_SQLITE_PATH = os.environ.get("DEMO_SQLITE_PATH", str(BASE_DIR / "instance" / "demo.sqlite3"))

    SERVICE_NAME = os.environ.get("SERVICE_NAME", "Throughcare drop-in")
    SERVICE_PHONE = os.environ.get("SERVICE_PHONE", "0141 248 1763")
    TIMEZONE = os.environ.get("TIMEZONE", "Europe/London")
    DROPIN_WEEKDAYS = os.environ.get("DROPIN_WEEKDAYS", "mon,wed,fri")
    DROPIN_START = os.environ.get("DROPIN_START", "13:00")
    DROPIN_END = os.environ.get("DROPIN_END", "15:00")
    CHECKIN_OPENS_BEFORE_MINUTES = _env_int("CHECKIN_OPENS_BEFORE_MINUTES", 15)
    # The settings above and below are what a new office starts with; each office's own are on its Offices page.
    # A new office closes on Scotland's public holidays unless this is 0.
    PUBLIC_HOLIDAYS = os.environ.get("PUBLIC_HOLIDAYS", "1") != "0"

    # Where visitors' phones reach the app, for the ticket's QR code; empty means
    # the address the kiosk itself used.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")
    # Minutes with staff assumed until the day has real figures.
    DEFAULT_VISIT_MINUTES = _env_int("DEFAULT_VISIT_MINUTES", 20)
    KIOSK_IDLE_SECONDS = _env_int("KIOSK_IDLE_SECONDS", 60)
    KIOSK_TICKET_SECONDS = _env_int("KIOSK_TICKET_SECONDS", 30)
    # Print the ticket as soon as the kiosk shows it (Chromium with --kiosk-printing prints with no dialog).
    KIOSK_AUTO_PRINT = os.environ.get("KIOSK_AUTO_PRINT", "") == "1"
    # The wall display reads each call aloud after its chime ("Number 14, Room 2", kiosk/speech.py).
    DISPLAY_SPEAKS = os.environ.get("DISPLAY_SPEAKS", "") == "1"
    # The polls' reads on SQLite made with Python's lock held (kiosk/held_reads.py); 0 makes them through peewee.
    HELD_READS = os.environ.get("HELD_READS", "1") != "0"
    # How often staff screens and the wall display ask whether anything changed.
    POLL_SECONDS = _env_int("POLL_SECONDS", 2)
    # Threads waitress serves with (run.py, make run).
    THREADS = _env_int("THREADS", 8)

    WTF_CSRF_TIME_LIMIT = None  # a staff screen stays open all session; the token lives as long as the login
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    MAX_CONTENT_LENGTH = 64 * 1024
    SESSION_IDLE_MINUTES = _env_int("SESSION_IDLE_MINUTES", 30)
    SESSION_ABSOLUTE_MINUTES = _env_int("SESSION_ABSOLUTE_MINUTES", 12 * 60)
    PASSWORD_MIN_LENGTH = _env_int("PASSWORD_MIN_LENGTH", 12)
    PASSWORD_MAX_LENGTH = 128
    # zxcvbn's score (0-4) a new password must reach: 3 is about 10^8 guesses, beyond reach at argon2's pace.
    PASSWORD_MIN_SCORE = int(os.environ.get("PASSWORD_MIN_SCORE", "3"))
    # Roles that must use two-factor sign-in (comma-separated); managers always should.
    TWO_FACTOR_ROLES = tuple(r.strip() for r in os.environ.get("TWO_FACTOR_ROLES", "manager").split(",") if r.strip())
    # Two-factor codes tried per account, failed sign-ins per address over all accounts, and kiosk
    # check-ins per enrolled tablet (a person takes 20 s or more).
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "10 per 15 minutes")
    LOGIN_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "30 per 15 minutes")
    # Wrong passwords for one account from one address before each further try waits (people/guard.py),
    # and failures for one account from anywhere that count as an attack (managers are told).
    LOGIN_FREE_TRIES = int(os.environ.get("LOGIN_FREE_TRIES", "5"))
    LOGIN_ATTACK_FAILURES = int(os.environ.get("LOGIN_ATTACK_FAILURES", "10"))
    KIOSK_CHECKIN_LIMIT = os.environ.get("KIOSK_CHECKIN_LIMIT", "10 per minute;300 per hour")
    # Where the limits are counted: this process's memory, or a Redis server every process and machine
    # shares (redis://user:password@host:port/0), so four workers do not allow four times the guesses.
    # Should Redis stop answering, each process counts in its own memory until it is back, rather than
    # refusing every sign-in.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "dropin")
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    # Retry-After is set on a refusal only (web/__init__.py); Flask-Limiter's own headers would put its
    # window on every answer and override a shorter wait.
    RATELIMIT_HEADERS_ENABLED = False
    # Personal free text on tickets (first names, outcomes) is removed after this many days.
    TICKET_RETENTION_DAYS = _env_int("TICKET_RETENTION_DAYS", 30)
    CLOSED_CASE_REVIEW_YEARS = _env_int("CLOSED_CASE_REVIEW_YEARS", 6)
    # On SQLite a caseload import holds the one write lock while it runs (about 3 ms a case), and a kiosk
    # waits at most 10 s for it: an import making more new cases than this waits until no drop-in is on
    # (0: no limit).
    IMPORT_WHILE_OPEN_MAX_NEW = _env_int("IMPORT_WHILE_OPEN_MAX_NEW", 500)
    # The daily copy of the database (kiosk/housekeeping.py): where it goes (by default a `backups` folder
    # beside the SQLite database; PostgreSQL has none until this is set), how many days of copies stay
    # (0: no daily copies), and where pg_dump is when it is not on PATH.
    BACKUP_DIR = os.environ.get("BACKUP_DIR", "")
    BACKUP_KEEP = _env_int("BACKUP_KEEP", 14)
    PG_BIN = os.environ.get("PG_BIN", "")
    # argon2id, OWASP's recommended minimum: 19 MiB, 2 passes, 1 lane.
    ARGON2_TIME_COST = 2
    ARGON2_MEMORY_KIB = 19 * 1024
    ARGON2_PARALLELISM = 1


class DevelopmentConfig(Config):
    pass


class ProductionConfig(Config):
    # Set both when served over HTTPS behind a reverse proxy.
    SESSION_COOKIE_SECURE = os.environ.get("COOKIE_SECURE", "") == "1"
    TRUST_PROXY = os.environ.get("TRUST_PROXY", "") == "1"


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-only"
    WTF_CSRF_ENABLED = False
    TWO_FACTOR_ROLES = ()
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_KIB = 1024
