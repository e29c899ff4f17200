"""``python -m geo same-area --out same_area.csv [--unmatched]``: the same-area table of the store.

Writes the table the store was built with (``artefacts/same_area.parquet``, made by
:mod:`geo.samearea`): one row per region of another year's indeling with the 2024 region it is the
same area as, the evidence (``method``) and, for unmatched regions, the reason. ``--unmatched``
keeps only the regions without a comparable 2024 region.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from errors import WijkpeilError

COLUMNS = ("level", "from_indeling", "from_code", "to_code", "method", "reason")


def main(argv: list[str] | None = None) -> int:
    """CLI entry point; returns the exit code (2 with a clear message on bad input)."""
    p = argparse.ArgumentParser(prog="python -m geo", description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)
    sa = sub.add_parser("same-area", help="the store's same-area table (regions -> 2024) as CSV")
    sa.add_argument("--out", type=Path, required=True)
    sa.add_argument("--unmatched", action="store_true", help="only regions without a 2024 match")
    args = p.parse_args(argv)
    import pandas as pd

    import settings
    from loaders import store

    try:
        version = store.require(settings.get().serving_store_dir)
        path = version.artefact("same_area.parquet")
        if not path.exists():
            raise WijkpeilError(
                f"store {version.id} has no same-area table; rebuild it with "
                "`python -m loaders build`"
            )
        table = pd.read_parquet(path).loc[:, list(COLUMNS)]
        if args.unmatched:
            table = table[table["method"] == "unmatched"]
        if not args.out.parent.is_dir():
            raise WijkpeilError(f"cannot write {args.out}: folder {args.out.parent} does not exist")
        table.to_csv(args.out, index=False)
    except WijkpeilError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {len(table)} rows to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
