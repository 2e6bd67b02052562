"""Manager pages: staff accounts, enrolled devices, offices and their timetables, partner organisations,
the audit log."""
from . import audit_log, devices, offices, partners, staff
from .blueprint import bp

__all__ = ["audit_log", "bp", "devices", "offices", "partners", "staff"]
