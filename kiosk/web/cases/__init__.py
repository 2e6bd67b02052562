"""Case records for signed-in staff: the case pages and the throughcare work around them."""
from . import routes
from .blueprint import bp

__all__ = ["bp", "routes"]
