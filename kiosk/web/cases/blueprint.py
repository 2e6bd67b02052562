"""The case records blueprint, shared by its page modules (routes, bookings and the rest)."""
from flask import Blueprint

bp = Blueprint("cases", __name__, url_prefix="/cases")
