"""``python -m indicators methodology|export`` — regenerate the methodology doc or export tables."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from errors import WijkpeilError


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit code (2 for a bad request)."""
    from indicators import export, methodology

    p = argparse.ArgumentParser(
        prog="python -m indicators",
        description="Wijkpeil indicators: methodology document and exports.",
    )
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("methodology", help="regenerate docs/methodology.md from the registry")
    m.add_argument("--out", type=Path, help="target file (default: docs/methodology.md)")
    m.add_argument(
        "--check",
        action="store_true",
        help="do not write; exit 1 if the file differs from what the registry generates",
    )
    e = sub.add_parser("export", help="export indicator tables from the store")
    e.add_argument("--level", choices=list(export.LEVELS), required=True)
    e.add_argument("--format", choices=list(export.FORMATS), required=True, dest="fmt")
    e.add_argument("--years", help="a year, a range 2012-2024 or a list 2014,2016 (default: all)")
    e.add_argument("--indicators", help="comma-separated indicator ids (default: all)")
    e.add_argument("--regions", help="comma-separated region codes: gemeenten, wijken, NPLV:<area>")
    e.add_argument(
        "--variant",
        choices=list(export.VARIANTS),
        default="standard",
        help="csv only: excel-nl writes ';' separators, decimal commas and a BOM",
    )
    e.add_argument("--out", type=Path, required=True, help="output file")
    args = p.parse_args(argv)
    try:
        if args.cmd == "methodology":
            target = args.out or methodology.doc_path()
            if args.check:
                current = target.read_text(encoding="utf-8") if target.exists() else ""
                if current != methodology.render():
                    print(
                        f"{target} differs from the registry; run `python -m indicators methodology`",
                        file=sys.stderr,
                    )
                    return 1
                print(f"{target} is up to date")
                return 0
            print(f"wrote {methodology.write(target)}")
            return 0
        summary = export.export(
            args.level,
            args.fmt,
            args.out,
            years=export.parse_years(args.years),
            indicator_ids=args.indicators,
            regions=args.regions.split(",") if args.regions else None,
            variant=args.variant,
        )
        note = " (contains SYNTHETIC rows)" if summary["synthetic"] else ""
        print(f"wrote {summary['rows']} rows to {summary['path']}{note}")
    except WijkpeilError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
