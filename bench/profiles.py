"""What the bench measures and for how long: request types, the office day, growth and the soak."""
import os

# run.py's own default, so the baseline gets exactly what the app gets.
THREADS = int(os.environ.get("THREADS", "8"))
# Settings the bench must change from the shipped ones, and why. Every simulated screen and
# tablet here comes from 127.0.0.1 and signs in within seconds, where the office's PCs each have
# their own address; and a kiosk checking people in flat out is the point of the check-in phase.
SIGN_IN_LIMITS = {"LOGIN_LIMIT_PER_ADDRESS": "100000 per minute", "LOGIN_LIMIT_PER_ACCOUNT": "100000 per minute",
                  "LOGIN_FREE_TRIES": "100000", "LOGIN_ATTACK_FAILURES": "100000"}
CHECKIN_LIMIT = {"KIOSK_CHECKIN_LIMIT": "1000000 per minute"}
OVERRIDES = {
    "request types and growth": {**SIGN_IN_LIMITS, **CHECKIN_LIMIT},
    "office day": dict(SIGN_IN_LIMITS),  # the kiosks keep the shipped check-in limit
}


# key: (locust class, the request that is measured, what the issue calls it, target ratio to hello world)
PHASES = {
    "hello": ("Hello", "hello", "hello world (baseline)", None),
    "queue_poll_idle": ("QueuePollIdle", "queue poll (unchanged)", "queue poll, nothing changed", 0.8),
    "display_poll_idle": ("DisplayPollIdle", "display poll (unchanged)", "display poll, nothing changed", 0.8),
    "desk_poll_idle": ("DeskPollIdle", "desk poll (unchanged)", "desk poll, nothing changed", None),
    "ticket_poll_idle": ("TicketPollIdle", "ticket poll (unchanged)", "visitor's ticket poll, nothing changed", None),
    # Hello world that first reads the queue's version from the seeded database (bench/hello.py --read): the one
    # read every poll must make to refuse a revoked sign-in on its next poll, on its own beside the idle polls.
    "hello_read": ("Hello", "hello", "hello world reading the database once (reference)", None),
    "queue_fragment": ("QueueFragment", "queue poll (whole fragment)", "queue poll, whole fragment", 0.3),
    "desk_fragment": ("DeskFragment", "desk poll (whole fragment)", "desk poll, whole fragment", None),
    "display_fragment": ("DisplayFragment", "display poll (whole fragment)", "display poll, whole fragment", None),
    "ticket_status": ("TicketStatus", "ticket status page", "ticket status page", 0.5),
    "checkin": ("Kiosk", "kiosk check-in (POST)", "kiosk check-in (POST)", 0.15),
    "call_next": ("CallNext", "call next (POST)", "Call next (POST)", 0.15),
    # On a database of its own (bench/seed_reports.py), so the phases above stay comparable with earlier runs.
    "reports": ("ReportsPage", "reports page", "reports page: a year at three offices (manager)", None),
}
MAIN = list(PHASES)
# Measured between two hello-world runs, the one just before and one just after, against their mean: a shared
# host's speed drifts from minute to minute by as much as the idle polls' margin (at most 1.2× hello world's CPU).
BRACKETED = ("queue_poll_idle", "display_poll_idle", "desk_poll_idle", "ticket_poll_idle", "hello_read")
REPORT_PHASES = {"reports"}
# The reports phase's history: three offices' drop-ins over `weeks` (85 tickets a session on average:
# about 40,000 in a year) and `cases` case records opened over the same weeks.
REPORTS_YEAR = {"weeks": 52, "cases": 2000}
GROWTH_PHASES = ["queue_poll_idle", "display_poll_idle", "queue_fragment", "ticket_status", "checkin", "call_next"]
OFFICE_CLASSES = ["OfficeStaffScreen", "OfficeDisplay", "OfficeKiosk", "OfficeKeyworker"]

PROFILES = {
    "full": {"duration": 10, "warmup": 3, "users": 8, "growth_duration": 6, "growth_warmup": 2,
             "office_duration": 120, "office_warmup": 15, "phases": MAIN, "growth": True,
             "session_tickets": 60, "history_tickets": 10_000, "reports_history": REPORTS_YEAR,
             "office": {"SCREENS": 30, "DISPLAYS": 3, "KIOSKS": 2, "KEYWORKERS": 8}, "import_rows": 5000},
    "quick": {"duration": 3, "warmup": 2, "users": 8, "growth_duration": 0, "growth_warmup": 0,
              "office_duration": 30, "office_warmup": 10, "phases": MAIN, "growth": False,
              "session_tickets": 60, "history_tickets": 10_000, "reports_history": REPORTS_YEAR,
              "office": {"SCREENS": 30, "DISPLAYS": 3, "KIOSKS": 2, "KEYWORKERS": 8}, "import_rows": 1000},
    # For tests/load/test_bench_smoke.py: proves the machinery, measures nothing worth reading.
    "smoke": {"duration": 1, "warmup": 1, "users": 2, "growth_duration": 0, "growth_warmup": 0,
              "office_duration": 4, "office_warmup": 3,
              "phases": ["hello", "queue_poll_idle", "hello_read", "checkin", "reports"], "growth": False,
              "session_tickets": 20, "history_tickets": 200,
              "reports_history": {"weeks": 4, "cases": 60, "per_session": (4, 8)},
              "office": {"SCREENS": 3, "DISPLAYS": 1, "KIOSKS": 1, "KEYWORKERS": 2, "KIOSK_EVERY": 2}},
}
GROWTH_SESSION = (10, 100, 1000)
GROWTH_HISTORY = (1_000, 10_000, 100_000)

# The soak: the full profile's office day for ten minutes, the server's resident memory sampled
# every few seconds. The first two minutes (the first fifth of a shorter run) are warm-up: caches,
# pools and the session's first renders fill there. After it, memory may grow by 10% at most.
SOAK = {"seconds": 600, "warmup_s": 120, "warmup_share": 0.2, "sample_every_s": 5, "max_growth_percent": 10.0,
        "queue_every_s": 30}
