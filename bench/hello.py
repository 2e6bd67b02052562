"""The baseline: a minimal Flask "hello world" served by waitress exactly as run.py serves the app.

    python -m bench.hello --port 8001 [--threads 8]
"""
import argparse

from flask import Flask
from waitress import serve

app = Flask(__name__)


@app.route("/")
def hello():
    return "Hello, World!"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    print(f"Hello world on http://{args.host}:{args.port}/", flush=True)
    serve(app, host=args.host, port=args.port, threads=args.threads, ident="hello")


if __name__ == "__main__":
    main()
