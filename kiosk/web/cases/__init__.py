"""Case records for signed-in staff: the case pages, family records and the throughcare work around them."""
from . import bookings, families, referrals, routes
from .blueprint import bp

__all__ = ["bookings", "bp", "families", "referrals", "routes"]
