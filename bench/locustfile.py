"""The load: locust FastHttpUser classes, one per request type, and the office-day crowd.

bench/run.py starts locust headless in its own process with this file (`-f`), naming
the user class (or the office-day set) to run, with these in the environment:

    BENCH_MANIFEST  the seed's manifest (accounts, ticket tokens, numbers)
    BENCH_OUT       where to write the results as JSON
    BENCH_WARMUP    seconds at the start that are not counted (logins, first renders)
    BENCH_SERVER_PID  the server process, whose CPU time is read over the measured window
    BENCH_OFFICE_*  the office day's head counts (SCREENS, DISPLAYS, KIOSKS, KEYWORKERS, KIOSK_EVERY)

Latencies are kept whole (not locust's rounded buckets), counted only after the
warm-up, and written with the load generator's own CPU use, so the report can
show whether the load generator, not the server, was the limit.

The classes live in bench/locust_types.py (one request type at a time) and
bench/locust_office.py (the office day); the recorder and the users' shared steps in
bench/locust_common.py. Locust runs every user class it finds in this module,
imported ones included, so importing them here is what makes them selectable by name.
"""
from bench.locust_office import OfficeDisplay, OfficeKeyworker, OfficeKiosk, OfficeStaffScreen
from bench.locust_types import (
    CallNext, DeskFragment, DeskPollIdle, DisplayFragment, DisplayPollIdle, Hello, Kiosk, QueueFragment,
    QueuePollIdle, ReportsPage, TicketPollIdle, TicketStatus,
)

__all__ = ["CallNext", "DeskFragment", "DeskPollIdle", "DisplayFragment", "DisplayPollIdle", "Hello",
           "Kiosk", "OfficeDisplay", "OfficeKeyworker", "OfficeKiosk", "OfficeStaffScreen", "QueueFragment",
           "QueuePollIdle", "ReportsPage", "TicketPollIdle", "TicketStatus"]
