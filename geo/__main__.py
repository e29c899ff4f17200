"""``python -m geo crosswalk --years 2012 2013 --out crosswalk.csv``: export the wijk crosswalk."""

from __future__ import annotations

import argparse
import sys

from errors import WijkpeilError


def main(argv: list[str] | None = None) -> int:
    """CLI entry point; returns the exit code (2 with a clear message on bad input)."""
    p = argparse.ArgumentParser(prog="python -m geo", description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)
    cw = sub.add_parser("crosswalk", help="each year's wijken -> the target indeling, as CSV")
    cw.add_argument("--years", type=int, nargs="+", default=[2012, 2013, 2014, 2015, 2016])
    cw.add_argument("--to", type=int, default=None, help="target year (default: settings, 2024)")
    cw.add_argument("--out", required=True)
    args = p.parse_args(argv)
    from geo import crosswalk

    try:
        path = crosswalk.export_crosswalk(args.out, args.years, args.to)
    except WijkpeilError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
