"""gunicorn's settings for this app, read by `gunicorn kiosk.wsgi:app` started in this folder (README,
"Several offices"). The number of workers and the address stay on the command line.

Every staff screen and wall display asks for news every 2 seconds, all day. gunicorn's default sync
worker closes the connection after each answer and then waits, serving no one, until the browser has
closed its side too: a round trip per poll for each worker, however small the answer. Threaded workers
keep a screen's connection open from one poll to the next (keepalive, longer than the poll period), so
a worker only ever waits for a request that has arrived. Two threads a worker: one can answer an
unchanged poll while the other draws a fragment; more made the slowest polls slower in bench.offices,
the threads taking turns at Python's lock.
"""
import gc
import os

worker_class = "gthread"
threads = 2
keepalive = 10  # seconds an idle connection is kept: a poll comes every 2 s
if os.path.isdir("/dev/shm"):
    # Each worker touches a file on every turn of its loop to tell the master it is alive: kept in memory, as
    # gunicorn's documentation advises, not on a disk.
    worker_tmp_dir = "/dev/shm"


def post_worker_init(worker):
    """Once a worker has loaded the app: what start-up made (modules, templates, settings) lasts as long as the
    worker, so Python's garbage collector is told to leave it out of its full passes. Each such pass otherwise
    went over all of them, tens of thousands, for tens of milliseconds in which neither thread answers."""
    gc.freeze()
