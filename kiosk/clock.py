"""The app's one clock: naive UTC, as every timestamp is stored; tests freeze it."""
from datetime import datetime, timezone


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)
