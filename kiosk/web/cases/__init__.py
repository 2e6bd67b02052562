"""Case records for signed-in staff: the case pages and the throughcare work around them."""
from . import bookings, referrals, routes
from .blueprint import bp

__all__ = ["bookings", "bp", "referrals", "routes"]
