"""``python -m loaders build|info`` — build the store or show what it holds."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from errors import WijkpeilError
from loaders import build as _build
from loaders import store


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m loaders",
        description="Build and inspect the Wijkpeil data store.",
    )
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="load a source and replace the store atomically")
    b.add_argument("--source", choices=_build.SOURCES, required=True)
    b.add_argument(
        "--snapshot",
        type=Path,
        help="folder laid out as ../shared/data (default: settings.shared_dir)",
    )
    b.add_argument("--years", help="a year or range, e.g. 2012-2024 (default: 2012-2024)")
    b.add_argument("--store", type=Path, help="store folder (default: <data_dir>/store)")
    b.add_argument("--seed", type=int, default=2012, help="seed of the synthetic generator")
    i = sub.add_parser("info", help="print what the store holds")
    i.add_argument("--store", type=Path)
    i.add_argument("--json", action="store_true", help="print the manifest as JSON")
    args = p.parse_args(argv)
    try:
        if args.cmd == "build":
            manifest = _build.build(
                args.source,
                _build.parse_years(args.years),
                snapshot_dir=args.snapshot,
                store_dir=args.store,
                seed=args.seed,
            )
            print(_build.summary(manifest))
        else:
            manifest = store.manifest(args.store)
            print(json.dumps(manifest, indent=2) if args.json else _build.summary(manifest))
    except WijkpeilError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
