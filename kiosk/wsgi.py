"""The app for a WSGI server running several processes: `gunicorn -w 4 kiosk.wsgi:app`.

Settings come from the environment (KIOSK_CONFIG, DATABASE_URL, SECRET_KEY, …) as for run.py. Each
worker checks for the day's housekeeping (the purge, the backup); one process of the deployment runs
each job once a day (kiosk/housekeeping.py).
"""
from . import create_app
from .db import database
from .housekeeping import start_housekeeping

app = create_app()
# The connections the start-up (migrations) opened are closed, so none is shared with a process forked
# from this one (gunicorn --preload); each process opens its own when it first needs one.
database.close_all()
start_housekeeping(app)
