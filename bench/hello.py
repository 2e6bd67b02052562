"""The baseline: a minimal Flask "hello world" served by waitress exactly as run.py serves the app.

    python -m bench.hello --port 8001 [--threads 8] [--read DATABASE]

With --read, each request first reads one office's queue version from that SQLite database (one
connection a thread, kept), as an unchanged poll reads it with its checks: hello world plus the one
database read every poll must make, so a poll's cost can be read beside both.
"""
import argparse
import sqlite3
import threading

from flask import Flask
from waitress import serve

app = Flask(__name__)
kept = threading.local()
READ = "SELECT version FROM queue_state WHERE id = ?"


@app.route("/")
def hello():
    database = app.config.get("READ")
    if database:
        connection = getattr(kept, "connection", None)
        if connection is None:
            connection = kept.connection = sqlite3.connect(database, check_same_thread=False)
        connection.execute(READ, (1,)).fetchone()
    return "Hello, World!"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--read", metavar="DATABASE", help="read the queue's version from this SQLite database first")
    args = parser.parse_args()
    app.config["READ"] = args.read
    print(f"Hello world{' with one read' if args.read else ''} on http://{args.host}:{args.port}/", flush=True)
    serve(app, host=args.host, port=args.port, threads=args.threads, ident="hello")


if __name__ == "__main__":
    main()
