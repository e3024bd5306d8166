"""The `report` command: any report of reports.REPORTS as CSV, XLSX or PDF, for scripts and cron."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from toolshare_core.errors import ValidationFailed

FORMATS = ("csv", "xlsx", "pdf")


def register_cli(commands: Any) -> None:
    """Add `report` to the CLI (called by toolshare_core.cli)."""
    from toolshare_core.reports import REPORTS

    parser = commands.add_parser(
        "report", help="write a report as CSV, XLSX or PDF",
        description="Write one report (the same the dashboard shows) to a file. "
        f"NAME is one of: {', '.join(REPORTS)}. The period is [--from, --to): --to is exclusive. "
        "Example for a monthly cron job: report summary --from 2025-01-01 --to 2025-02-01 "
        "--format pdf --out /srv/reports/summary-2025-01.pdf",
    )
    parser.add_argument("name", metavar="NAME", help="the report: " + ", ".join(REPORTS))
    parser.add_argument("--from", dest="date_from", required=True, metavar="YYYY-MM-DD",
                        help="first day of the period")
    parser.add_argument("--to", dest="date_to", required=True, metavar="YYYY-MM-DD",
                        help="the day after the period (exclusive)")
    parser.add_argument("--as-of", dest="as_of", metavar="TIMESTAMP",
                        help="the moment the report describes (default now; a bare date means "
                        "the end of that day, in TOOLSHARE_TIMEZONE)")
    parser.add_argument("--by", metavar="item|category|location",
                        help="grouping of the utilisation report (default item)")
    parser.add_argument("--category-id", type=int, metavar="N",
                        help="only this category and its sub-categories")
    parser.add_argument("--location-id", type=int, metavar="N", help="only this location")
    parser.add_argument("--item-code", help="loan_history: only this item")
    parser.add_argument("--member-no", help="loan_history: only this member")
    parser.add_argument("--format", dest="fmt", required=True, metavar="csv|xlsx|pdf",
                        help="file format")
    parser.add_argument("--out", required=True, type=Path, metavar="PATH", help="file to write")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    parser.set_defaults(handler=_cmd_report)


def _cmd_report(args: argparse.Namespace) -> int:
    from toolshare_core import exports, reports
    from toolshare_core.config import get_settings
    from toolshare_core.db import connect, get_engine
    from toolshare_core.filters import Filters
    from toolshare_core.migrate import ensure_migrated
    from toolshare_core.periods import Period, parse_as_of, parse_date

    # Everything a person can get wrong is checked before the database is touched.
    by = reports.check_choice(args.name, args.by)
    if args.fmt not in FORMATS:
        raise ValidationFailed(f"--format {args.fmt!r} is not known; choose one of {', '.join(FORMATS)}")
    if args.name != "loan_history" and (args.item_code or args.member_no):
        raise ValidationFailed("--item-code and --member-no only apply to the loan_history report")
    settings = get_settings()
    start = parse_date(args.date_from, what="--from")
    end = parse_date(args.date_to, what="--to")
    if end <= start:
        raise ValidationFailed(f"--to ({end}) must be after --from ({start}); --to is exclusive")
    as_of = parse_as_of(args.as_of, timezone=settings.toolshare_timezone)
    period = Period(start=start, end=end, as_of=as_of, timezone=settings.toolshare_timezone)
    out = Path(args.out)
    _check_out(out)
    filters = Filters(category_id=args.category_id, location_id=args.location_id)

    with connect(get_engine(settings)) as conn:
        ensure_migrated(conn, settings.toolshare_schema)
        report = reports.run_report(conn, args.name, period=period, by=by, filters=filters,
                                    item_code=args.item_code, member_no=args.member_no)
    exports.write_report(report, args.fmt, out, progress=None if args.quiet else _progress)
    print(f"{report.title}: {len(report.frame)} rows written to {out}")
    return 0


def _check_out(out: Path) -> None:
    if out.is_dir():
        raise ValidationFailed(f"--out {out} is a folder; give a file name")
    if not out.parent.is_dir():
        raise ValidationFailed(f"--out: the folder {out.parent} does not exist")


def _progress(fraction: float, message: str) -> None:
    print(f"{fraction:4.0%} {message}", file=sys.stderr, flush=True)
