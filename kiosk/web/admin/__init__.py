"""Manager pages: staff accounts, enrolled devices, partner organisations, the audit log."""
from . import audit_log, devices, partners, staff
from .blueprint import bp

__all__ = ["audit_log", "bp", "devices", "partners", "staff"]
