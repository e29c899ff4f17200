"""``python -m loaders build|update|info`` — build the store (and every serving artefact), update it
from the publishers, or show what it holds.

This command line is an entry point above everything else: it calls ``pipeline`` (top level),
which calls loaders, geo and indicators in that order.
"""

from __future__ import annotations

import argparse
import json
import sys

from errors import WijkpeilError


def main(argv: list[str] | None = None) -> int:
    import pipeline
    import settings as _settings
    from loaders import store

    p = argparse.ArgumentParser(
        prog="python -m loaders", description="Build, update and inspect the Wijkpeil data store."
    )
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="build a store from a source and switch to it atomically")
    b.add_argument("--source", choices=pipeline.SOURCES, default="auto",
                   help="shared: ../shared/data; online: the publishers; synthetic: the demo "
                        "store (a folder of its own); auto: shared if present, else online")  # fmt: skip
    b.add_argument("--years", help="a year or range, e.g. 2012-2024 (default: all)")
    b.add_argument("--seed", type=int, default=2012, help="seed of the synthetic generator")
    sub.add_parser("update", help="fetch online only what is missing or revised upstream")
    i = sub.add_parser("info", help="print what the store holds")
    i.add_argument("--demo", action="store_true", help="the synthetic demo store")
    i.add_argument("--json", action="store_true", help="print the manifest as JSON")
    i.add_argument("--unmatched", action="store_true",
                   help="list the regions of other years without a comparable 2024 region")  # fmt: skip
    args = p.parse_args(argv)
    s = _settings.get()
    try:
        if args.cmd == "build":
            years = None
            if args.years:
                try:
                    a, _, z = args.years.partition("-")
                    years = range(int(a), int(z or a) + 1)
                except ValueError:
                    raise WijkpeilError(
                        f"--years {args.years!r} is not a year or a range like 2012-2024"
                    ) from None
            v = pipeline.build(args.source, years=years, seed=args.seed)
            print(pipeline.summary(v))
        elif args.cmd == "update":
            print(pipeline.summary(pipeline.update()))
        else:
            v = store.require(store.root_dir("synthetic" if args.demo else "real", s))
            if args.json:
                print(json.dumps(v.manifest, indent=1, ensure_ascii=False))
            elif args.unmatched:
                from indicators import dataset

                t = dataset.same_area(v)
                t = t[t["method"] == "unmatched"] if len(t) else t
                if t.empty:
                    print("every region of another year was matched to a 2024 region")
                else:
                    print(t.to_csv(index=False), end="")
            else:
                print(pipeline.summary(v))
    except WijkpeilError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: the previous store is unchanged; run the command again to resume",
              file=sys.stderr)  # fmt: skip
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
