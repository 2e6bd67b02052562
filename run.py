"""Serve the drop-in front desk with waitress: `python run.py [--host H] [--port P] [--demo]`."""
import argparse
import os

from waitress import serve

from config import ProductionConfig
from kiosk import create_app
from kiosk.demo import load_demo, served_at
from kiosk.people.accounts import any_staff, setup_code
from kiosk.housekeeping import start_housekeeping


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--threads", type=int, default=ProductionConfig.THREADS)
    parser.add_argument("--demo", action="store_true",
                        help="serve the demo's own database (instance/demo.sqlite3), filled with demo data")
    args = parser.parse_args()
    address = served_at(args.host, args.port)
    if args.demo:
        app = create_app(ProductionConfig, SQLITE_PATH=ProductionConfig.DEMO_SQLITE_PATH, DATABASE_URL="")
        with app.app_context():
            for line in load_demo(app.config.get("PUBLIC_BASE_URL") or address):
                print(line, flush=True)
    else:
        app = create_app(ProductionConfig)
        start_housekeeping(app)
    print(f"Drop-in front desk{' (demo)' if args.demo else ''} on {address}/ (Ctrl+C to stop)", flush=True)
    with app.app_context():
        if not any_staff():
            here = "127.0.0.1" if args.host in ("0.0.0.0", "") else args.host
            print(f"No staff accounts yet: open http://{here}:{args.port}/setup and create the first "
                  f"manager with the set-up code {setup_code(app.secret_key)}", flush=True)
    serve(app, host=args.host, port=args.port, threads=args.threads, ident="dropin")


if __name__ == "__main__":
    main()
