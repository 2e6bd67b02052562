"""Serve the drop-in front desk with waitress: `python run.py [--host H] [--port P]`."""
import argparse
import os

from waitress import serve

from config import ProductionConfig
from kiosk import create_app
from kiosk.people.accounts import any_staff
from kiosk.retention import start_daily_purge


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--threads", type=int, default=ProductionConfig.THREADS)
    args = parser.parse_args()
    app = create_app(ProductionConfig)
    start_daily_purge(app)
    print(f"Drop-in front desk on http://{args.host}:{args.port}/ (Ctrl+C to stop)", flush=True)
    with app.app_context():
        if not any_staff():
            print(f"No staff accounts yet: open http://{args.host}:{args.port}/setup on this computer "
                  "to create the first manager.", flush=True)
    serve(app, host=args.host, port=args.port, threads=args.threads, ident="dropin")


if __name__ == "__main__":
    main()
