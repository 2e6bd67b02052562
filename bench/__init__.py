"""`make bench`: load tests of the front desk served as in production, against a hello-world baseline.

bench/run.py orchestrates, bench/seed.py makes the databases, bench/hello.py is the
baseline app and bench/locustfile.py is the load (locust, headless, in its own process).
"""
