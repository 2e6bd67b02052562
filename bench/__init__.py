"""`make bench`: load tests of the front desk served as in production, against a hello-world baseline.

bench/run.py orchestrates, with what is measured in bench/profiles.py, the server processes in
bench/servers.py and the JSON and README tables in bench/report.py; bench/soak.py is the
ten-minute memory soak (`--soak`). bench/seed.py makes the databases, bench/hello.py is the
baseline app and bench/locustfile.py is the load (locust, headless, in its own process), its
user classes in bench/locust_types.py and bench/locust_office.py on bench/locust_common.py.
"""
