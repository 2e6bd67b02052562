"""Manager pages: staff accounts, enrolled devices, the audit log."""
from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from . import audit_log, devices, staff  # noqa: E402,F401  (routes register on bp)
