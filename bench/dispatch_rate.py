"""The reminder dispatcher alone: reminders per second, and how late the worst one went out.

    python -m bench.dispatch_rate --database-url sqlite:////tmp/dispatch.sqlite3 --visits 10000

Builds the synthetic agency (with its checklists and reminders), then runs
bench.run.measure_dispatcher: `--reminders` recovery reminders for patients who opted out
of e-mail (in-app only) come due over the last dispatch interval and dispatch_due runs
until nothing is left. measure_dispatcher gives one reminder per signed visit, so build
at least as many visits as reminders. Not a test: it prints figures to compare.
"""

from __future__ import annotations

import argparse
import json

import bench.extras  # noqa: F401  (checklists and reminders in the built agency)
from bench import build_agency
from bench.run import measure_dispatcher


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--visits", type=int, default=10_000)
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--interval", type=int, default=15,
                        help="seconds over which the reminders came due (the dispatch interval)")
    parser.add_argument("--no-build", action="store_true",
                        help="reuse an agency built before (its reminders are added to)")
    args = parser.parse_args()
    if not args.no_build:
        built = build_agency.build(args.database_url, args.visits, 200, 30, 3)
        print(f"built {built['visits']:,} visits in {built['seconds']} s", flush=True)
    result = measure_dispatcher(args.database_url, args.reminders, args.interval)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
