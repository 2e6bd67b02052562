"""Case records for signed-in staff: the case pages, family records and the throughcare work around them."""
from . import bookings, families, referrals, routes
from . import subject_access
from . import erasure
from . import importing
from .blueprint import bp

__all__ = ["bookings", "bp", "erasure", "families", "importing", "referrals", "routes", "subject_access"]
