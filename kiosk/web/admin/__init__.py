"""Manager pages: staff accounts, enrolled devices, the audit log."""
from . import audit_log, devices, staff
from .blueprint import bp

__all__ = ["audit_log", "bp", "devices", "staff"]
